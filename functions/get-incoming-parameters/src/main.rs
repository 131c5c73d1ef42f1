//! GET /v3/parameters/incoming/{task_id}: a task's input parameters.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::function::run(shared::http::parameters::get_incoming_parameters()).await
}

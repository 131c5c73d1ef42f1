//! GET /v3/parameters/outgoing/{task_id}: a task's output parameters.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::function::run(shared::http::parameters::get_outgoing_parameters()).await
}

//! POST /v3/parameters/outgoing: create or replace output parameters.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::function::run(shared::http::parameters::put_outgoing_parameters()).await
}

//! GET /v3/interactions/{interaction_id}: the interaction row as stored.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::function::run(shared::http::interactions::get_interaction()).await
}

//! GET /v3/interactions/full/{interaction_id}: the interaction mapped for analytics.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::function::run(shared::http::interactions::get_full_interaction()).await
}

//! GET /v3/agents/{agent_id}: the agent row as stored.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::function::run(shared::http::agents::get_agent()).await
}

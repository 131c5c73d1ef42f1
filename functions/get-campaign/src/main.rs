//! GET /v3/campaigns/{campaign_id}: the campaign row as stored.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::function::run(shared::http::campaigns::get_campaign()).await
}

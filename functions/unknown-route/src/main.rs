//! The catch-all behind API Gateway's `$default` route (and `/{*path}` under
//! `cargo lambda watch`): answers the contract's problem+json 404, or 405 with
//! `Allow` when the path belongs to a route under another method. It needs no database.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::function::run_fallback().await
}

//! The catch-all behind API Gateway's `$default` route (and `/{*path}` under
//! `cargo lambda watch`): answers the contract's problem+json 404, or 405 with
//! `Allow` when the path belongs to a route under another method. It needs no database.
use lambda_http::{Error, run, service_fn};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    shared::telemetry::init();
    shared::telemetry::init_metrics("unknown-route")?;
    run(service_fn(shared::handle_unmatched)).await
}

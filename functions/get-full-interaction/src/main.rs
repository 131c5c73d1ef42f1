//! GET /v3/interactions/full/{interaction_id}: the interaction mapped for analytics.
use lambda_http::{Error, run, service_fn};
use shared::{AppState, Route};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    shared::telemetry::init();
    shared::telemetry::init_metrics(Route::GetFullInteraction.function_name())?;
    // Built once per process; the pool is lazy, so nothing connects before the first request.
    let state = AppState::from_env()?;
    run(service_fn(|request| shared::handle(&state, Route::GetFullInteraction, request))).await
}

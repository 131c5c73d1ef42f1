//! A Lambda function's `main`, written once: logging and metrics, the state (whose pool
//! connects on first use), then `lambda_http` running the function's axum app as it is.

use lambda_http::Error;

use crate::http::AppState;
use crate::http::{self, Endpoint};
use crate::telemetry;

/// Runs the function that serves `endpoint` (and answers anything else with the fallback).
pub async fn run(endpoint: Endpoint) -> Result<(), Error> {
    telemetry::init();
    telemetry::init_metrics(endpoint.route.function)?;
    let state = AppState::from_env()?;
    lambda_http::run(http::function_app(endpoint, state)).await
}

/// Runs the catch-all function (API Gateway's `$default` route).
pub async fn run_fallback() -> Result<(), Error> {
    telemetry::init();
    telemetry::init_metrics("unknown-route")?;
    lambda_http::run(http::fallback_app()).await
}

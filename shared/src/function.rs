//! A Lambda function's `main`, written once: logging and metrics, the state (whose pool
//! connects on first use), then `lambda_http` running the function's axum app as it is.

use axum::body::Body;
use axum::extract::Request;
use lambda_http::Error;
use tower::ServiceExt;
use tower::util::MapRequest;

use crate::http::AppState;
use crate::http::{self, App, Endpoint};
use crate::telemetry;

/// Runs the function that serves `endpoint` (and answers anything else with the fallback).
pub async fn run(endpoint: Endpoint) -> Result<(), Error> {
    telemetry::init();
    telemetry::init_metrics(endpoint.route.function)?;
    let state = AppState::from_env()?;
    lambda_http::run(on_lambda(http::function_app(endpoint, state))).await
}

/// Runs the catch-all function (API Gateway's `$default` route).
pub async fn run_fallback() -> Result<(), Error> {
    telemetry::init();
    telemetry::init_metrics("unknown-route")?;
    lambda_http::run(on_lambda(http::fallback_app())).await
}

/// The app over lambda_http's requests: their body boxed into axum's.
fn on_lambda(app: App) -> MapRequest<App, fn(lambda_http::Request) -> Request> {
    app.map_request(|request: lambda_http::Request| request.map(Body::new))
}

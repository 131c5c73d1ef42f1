//! Logging and metrics set-up. Logs: `lambda_runtime`'s tracing initialiser, so the level
//! comes from `AWS_LAMBDA_LOG_LEVEL` (else `RUST_LOG`, else INFO) and `AWS_LAMBDA_LOG_FORMAT=JSON`
//! gives one JSON object per line; each request's lines carry its `request_id` (the span
//! opened by the HTTP layer's middleware). Metrics: per-route latency, database time and error
//! counts as CloudWatch Embedded Metric Format lines, written after each request.

use std::io::Write;
use std::sync::{Mutex, OnceLock};

use metrics_cloudwatch_embedded::Collector;

/// Metric names, as they appear in CloudWatch.
pub const LATENCY_MS: &str = "LatencyMs";
pub const DATABASE_MS: &str = "DatabaseMs";
pub const CLIENT_ERRORS: &str = "ClientErrors";
pub const SERVER_ERRORS: &str = "ServerErrors";

/// The process's collector and where its lines go (stdout, or a test's buffer).
static METRICS: OnceLock<(&'static Collector, Mutex<Box<dyn Write + Send>>)> = OnceLock::new();

pub fn init() {
    lambda_http::tracing::init_default_subscriber();
}

/// Installs the EMF collector for a function: namespace `METRICS_NAMESPACE` (default
/// `v3-api`), dimension `Function`, lines to stdout. Without it (serve, most tests) the
/// metric calls cost next to nothing.
pub fn init_metrics(function: &'static str) -> Result<(), String> {
    init_metrics_into(function, Box::new(std::io::stdout()))
}

/// [`init_metrics`] writing to `sink` (tests read the lines back).
pub fn init_metrics_into(function: &'static str, sink: Box<dyn Write + Send>) -> Result<(), String> {
    let namespace = crate::settings::env_var("METRICS_NAMESPACE").unwrap_or_else(|| "v3-api".into());
    let collector = metrics_cloudwatch_embedded::Builder::new()
        .cloudwatch_namespace(namespace)
        .with_dimension("Function", function)
        .init()
        .map_err(|error| format!("metrics: {error}"))?;
    METRICS.set((collector, Mutex::new(sink))).map_err(|_| "metrics are already set up".to_owned())
}

/// Records one request's latency, and whether it was refused (4xx) or failed (5xx).
pub fn record_request(status: axum::http::StatusCode, latency: std::time::Duration) {
    metrics::histogram!(LATENCY_MS).record(latency.as_secs_f64() * 1e3);
    if status.is_client_error() {
        metrics::counter!(CLIENT_ERRORS).increment(1);
    } else if status.is_server_error() {
        metrics::counter!(SERVER_ERRORS).increment(1);
    }
}

/// Writes the metrics gathered for one request as one EMF line, tagged with its request id.
pub fn flush_metrics(request_id: &str) {
    if let Some((collector, sink)) = METRICS.get()
        && let Ok(mut sink) = sink.lock()
    {
        let _ = collector.set_property("RequestId", request_id.to_owned()).flush(&mut *sink);
        let _ = sink.flush();
    }
}

//! Logging and metrics set-up. Logs: as `lambda_runtime`'s tracing initialiser sets them up
//! (the level from `AWS_LAMBDA_LOG_LEVEL`, else `RUST_LOG`, else INFO; `AWS_LAMBDA_LOG_FORMAT=JSON`
//! gives one JSON object per line), except that a JSON line carries its innermost span once
//! (`span`: the request's id, function, method and path, opened by the HTTP layer's
//! middleware) instead of also repeating every span in a `spans` list: the same facts, and
//! the largest single cost of a warm invocation's log line. Metrics: per-route latency, database time and error
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
    use std::str::FromStr;

    use lambda_http::tracing::subscriber::filter::{EnvFilter, LevelFilter};

    let level = crate::settings::env_var("AWS_LAMBDA_LOG_LEVEL").or_else(|| crate::settings::env_var("RUST_LOG"));
    let level = level.as_deref().and_then(|level| LevelFilter::from_str(level).ok()).unwrap_or(LevelFilter::INFO);
    let logs = lambda_http::tracing::subscriber::fmt()
        .with_target(false)
        .without_time()
        .with_env_filter(EnvFilter::builder().with_default_directive(level.into()).from_env_lossy());
    let json =
        crate::settings::env_var("AWS_LAMBDA_LOG_FORMAT").is_some_and(|format| format.eq_ignore_ascii_case("json"));
    // `try_init`: a process that already has a subscriber (a test) keeps it.
    let _ = if json { logs.json().with_span_list(false).try_init() } else { logs.try_init() };
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

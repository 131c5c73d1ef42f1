//! Logging and metrics set-up. Logs: one subscriber for every function, the authorizer
//! included (and `serve`). The level is `AWS_LAMBDA_LOG_LEVEL` (what the template's `LogLevel`
//! sets; Lambda's FATAL is ERROR), else `RUST_LOG` (a level, or tracing directives), else INFO;
//! `AWS_LAMBDA_LOG_FORMAT=JSON` gives one JSON object per line. A JSON line carries its
//! innermost span once (`span`: the request's id, function, method and path, and in Lambda its
//! X-Ray `trace_id`, opened by the HTTP layer's middleware) instead of also repeating every span in a `spans` list: the same facts,
//! and the largest single cost of a warm invocation's log line.
//!
//! The level applies to this workspace's own code ([`OWN_TARGETS`]) only. Every other crate is
//! held at [`DEPENDENCY_MAX`] (INFO) at most, whatever the level or `RUST_LOG` asks for: at
//! DEBUG and TRACE the dependencies log payloads and credentials (lambda_runtime every event
//! whole, the caller's API key and the request body in it; aws-sigv4 and aws-smithy-runtime the
//! signed requests to Secrets Manager with the Lambda role's session token and the signature;
//! aws-sigv4 again for each RDS IAM token), and none of that may reach a log line. Our own code
//! logs no key, secret, token or body at any level; `tests/log_leaks.py` checks all of this
//! through the real runtime.
//!
//! Metrics: per-route latency, database time and error counts as CloudWatch Embedded Metric
//! Format lines, written after each request, with its `RequestId` and `TraceId` as properties.

use std::io::Write;
use std::sync::{Mutex, OnceLock};

use lambda_http::tracing::subscriber as tracing_subscriber;
use metrics_cloudwatch_embedded::Collector;
use tracing_subscriber::filter::{EnvFilter, LevelFilter, Targets};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;

/// Metric names, as they appear in CloudWatch.
pub const LATENCY_MS: &str = "LatencyMs";
pub const DATABASE_MS: &str = "DatabaseMs";
pub const CLIENT_ERRORS: &str = "ClientErrors";
pub const SERVER_ERRORS: &str = "ServerErrors";
/// The metrics above by kind, where the namespace comes from, and the one dimension: what
/// `serve metrics` prints for the template's dashboard check.
pub const HISTOGRAMS: [&str; 2] = [LATENCY_MS, DATABASE_MS];
pub const COUNTERS: [&str; 2] = [CLIENT_ERRORS, SERVER_ERRORS];
pub const NAMESPACE_VARIABLE: &str = "METRICS_NAMESPACE";
pub const DEFAULT_NAMESPACE: &str = "v3-api";
pub const DIMENSION: &str = "Function";

/// The process's collector and where its lines go (stdout, or a test's buffer).
static METRICS: OnceLock<(&'static Collector, Mutex<Box<dyn Write + Send>>)> = OnceLock::new();

/// Targets whose lines follow the requested level: the crates of this workspace that log (a
/// target is a module path; each entry covers the crate's modules too). A crate missing here
/// is only quieter: its DEBUG and TRACE lines are held back as a dependency's are.
pub const OWN_TARGETS: [&str; 4] = ["shared", "authorizer", "migrate", "serve"];

/// The most any other target (the Lambda runtime, the AWS SDK, hyper, sqlx, rustls, tower, …)
/// may log, whatever level is asked for: at INFO and above they log no payload, key or token.
pub const DEPENDENCY_MAX: LevelFilter = LevelFilter::INFO;

/// Sets up the process's logs to stdout (see the module's documentation). A process that
/// already has a subscriber (a test) keeps it.
pub fn init() {
    let settings = LogSettings::from_env();
    if tracing::subscriber::set_global_default(subscriber(&settings, std::io::stdout)).is_ok() {
        tracing::debug!("logging at {}; other crates at {} at most", settings.requested, level_name(DEPENDENCY_MAX));
    }
}

/// The subscriber [`init`] installs, writing to `writer` (tests read the lines back): the
/// requested filter, then the dependencies' cap.
pub fn subscriber<W>(settings: &LogSettings, writer: W) -> Box<dyn tracing::Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let logs = tracing_subscriber::fmt()
        .with_target(false)
        .without_time()
        .with_writer(writer)
        .with_env_filter(settings.filter());
    if settings.json {
        Box::new(logs.json().with_span_list(false).finish().with(dependency_cap()))
    } else {
        Box::new(logs.finish().with(dependency_cap()))
    }
}

/// What the environment asks of the logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSettings {
    /// Tracing directives: a level (`TRACE`), or `RUST_LOG`'s directives as given.
    pub requested: String,
    pub json: bool,
}

impl LogSettings {
    pub fn from_env() -> LogSettings {
        LogSettings::from_lookup(crate::settings::env_var)
    }

    /// `AWS_LAMBDA_LOG_LEVEL` wins (RUST_LOG is then ignored: Lambda's setting is the one the
    /// template controls); a level tracing does not know (FATAL aside) is INFO.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> LogSettings {
        let json = get("AWS_LAMBDA_LOG_FORMAT").is_some_and(|format| format.trim().eq_ignore_ascii_case("json"));
        let requested = match get("AWS_LAMBDA_LOG_LEVEL") {
            Some(level) => level_name(parse_level(&level).unwrap_or(LevelFilter::INFO)).to_owned(),
            None => get("RUST_LOG").map(|directives| directives.trim().to_owned()).unwrap_or_else(|| "INFO".to_owned()),
        };
        LogSettings { requested, json }
    }

    /// The requested filter, before the dependencies' cap (RUST_LOG's invalid directives are
    /// skipped; none left is INFO).
    pub fn filter(&self) -> EnvFilter {
        let requested = match parse_level(&self.requested) {
            Some(level) => level_name(level).to_owned(),
            None => self.requested.clone(),
        };
        EnvFilter::builder().with_default_directive(LevelFilter::INFO.into()).parse_lossy(requested)
    }
}

/// The cap on what the requested filter lets through: [`OWN_TARGETS`] uncapped, everything
/// else [`DEPENDENCY_MAX`].
pub fn dependency_cap() -> Targets {
    Targets::new().with_default(DEPENDENCY_MAX).with_targets(OWN_TARGETS.map(|target| (target, LevelFilter::TRACE)))
}

/// A level by name, as Lambda's log levels and RUST_LOG spell them (any case; Lambda's FATAL
/// is ERROR, tracing's most severe); `None` for anything else (directives, say).
fn parse_level(text: &str) -> Option<LevelFilter> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("fatal") {
        return Some(LevelFilter::ERROR);
    }
    text.parse().ok()
}

fn level_name(level: LevelFilter) -> &'static str {
    level.into_level().map_or("OFF", |level| level.as_str())
}

/// Installs the EMF collector for a function: namespace `METRICS_NAMESPACE` (default
/// `v3-api`), dimension `Function`, lines to stdout. Without it (serve, most tests) the
/// metric calls cost next to nothing.
pub fn init_metrics(function: &'static str) -> Result<(), String> {
    init_metrics_into(function, Box::new(std::io::stdout()))
}

/// [`init_metrics`] writing to `sink` (tests read the lines back).
pub fn init_metrics_into(function: &'static str, sink: Box<dyn Write + Send>) -> Result<(), String> {
    let namespace = crate::settings::env_var(NAMESPACE_VARIABLE).unwrap_or_else(|| DEFAULT_NAMESPACE.into());
    let collector = metrics_cloudwatch_embedded::Builder::new()
        .cloudwatch_namespace(namespace)
        .with_dimension(DIMENSION, function)
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

/// Writes the metrics gathered for one request as one EMF line, tagged with its request id
/// and, when it has one, its X-Ray trace id (properties, not dimensions).
pub fn flush_metrics(request_id: &str, trace_id: Option<&str>) {
    if let Some((collector, sink)) = METRICS.get()
        && let Ok(mut sink) = sink.lock()
    {
        collector.set_property("RequestId", request_id.to_owned());
        // The collector keeps a property from one flush to the next: a request without a
        // trace id must not carry the previous request's.
        match trace_id {
            Some(trace_id) => collector.set_property("TraceId", trace_id.to_owned()),
            None => collector.remove_property("TraceId"),
        };
        let _ = collector.flush(&mut *sink);
        let _ = sink.flush();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    /// A writer the test reads back.
    #[derive(Clone, Default)]
    struct Lines(Arc<Mutex<Vec<u8>>>);

    impl Write for Lines {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Lines {
        type Writer = Lines;
        fn make_writer(&'a self) -> Lines {
            self.clone()
        }
    }

    fn settings(vars: &[(&str, &str)]) -> LogSettings {
        LogSettings::from_lookup(|name| vars.iter().find(|(var, _)| *var == name).map(|(_, value)| value.to_string()))
    }

    /// One line per target and level through the subscriber `vars` ask for; the messages that
    /// came out.
    fn logged(vars: &[(&str, &str)]) -> Vec<&'static str> {
        let lines = Lines::default();
        tracing::subscriber::with_default(subscriber(&settings(vars), lines.clone()), || {
            tracing::trace!(target: "lambda_runtime::layers::api_response", body = "{}", "dependency-trace");
            tracing::debug!(target: "aws_smithy_runtime::client::orchestrator", "dependency-debug");
            tracing::info!(target: "lambda_runtime", "dependency-info");
            tracing::warn!(target: "sqlx::query", "dependency-warn");
            tracing::trace!(target: "shared::store", "own-trace");
            tracing::debug!(target: "authorizer", "own-debug");
            tracing::info!(target: "shared::http::middleware", "own-info");
            tracing::error!(target: "migrate", "own-error");
        });
        let text = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
        [
            "dependency-trace",
            "dependency-debug",
            "dependency-info",
            "dependency-warn",
            "own-trace",
            "own-debug",
            "own-info",
            "own-error",
        ]
        .into_iter()
        .filter(|message| text.contains(message))
        .collect()
    }

    const ALL_OURS_DEPENDENCIES_AT_INFO: [&str; 6] =
        ["dependency-info", "dependency-warn", "own-trace", "own-debug", "own-info", "own-error"];

    #[test]
    fn at_trace_our_code_logs_everything_and_dependencies_info_at_most() {
        assert_eq!(logged(&[("AWS_LAMBDA_LOG_LEVEL", "TRACE")]), ALL_OURS_DEPENDENCIES_AT_INFO);
        assert_eq!(
            logged(&[("AWS_LAMBDA_LOG_LEVEL", "TRACE"), ("AWS_LAMBDA_LOG_FORMAT", "JSON")]),
            ALL_OURS_DEPENDENCIES_AT_INFO
        );
        assert_eq!(
            logged(&[("AWS_LAMBDA_LOG_LEVEL", "debug")]),
            ["dependency-info", "dependency-warn", "own-debug", "own-info", "own-error"]
        );
    }

    #[test]
    fn rust_log_cannot_lift_a_dependency_past_info() {
        let directives = "trace,lambda_runtime=trace,aws_smithy_runtime=trace,sqlx=trace";
        assert_eq!(logged(&[("RUST_LOG", directives)]), ALL_OURS_DEPENDENCIES_AT_INFO);
        assert_eq!(logged(&[("RUST_LOG", "TRACE")]), ALL_OURS_DEPENDENCIES_AT_INFO);
        // Directives still choose among our own targets.
        assert_eq!(logged(&[("RUST_LOG", "warn,authorizer=debug")]), ["dependency-warn", "own-debug", "own-error"]);
    }

    #[test]
    fn quieter_levels_hold_dependencies_below_them_too() {
        assert_eq!(logged(&[]), ["dependency-info", "dependency-warn", "own-info", "own-error"]);
        assert_eq!(logged(&[("AWS_LAMBDA_LOG_LEVEL", "WARN")]), ["dependency-warn", "own-error"]);
        assert_eq!(logged(&[("AWS_LAMBDA_LOG_LEVEL", "ERROR")]), ["own-error"]);
        // Lambda's FATAL: tracing's most severe level, not the INFO an unknown name gets.
        assert_eq!(logged(&[("AWS_LAMBDA_LOG_LEVEL", "FATAL")]), ["own-error"]);
    }

    #[test]
    fn lambdas_level_wins_over_rust_log() {
        assert_eq!(logged(&[("AWS_LAMBDA_LOG_LEVEL", "ERROR"), ("RUST_LOG", "trace")]), ["own-error"]);
        assert_eq!(settings(&[("AWS_LAMBDA_LOG_LEVEL", "fatal"), ("RUST_LOG", "trace")]).requested, "ERROR");
        assert_eq!(settings(&[("AWS_LAMBDA_LOG_LEVEL", "verbose")]).requested, "INFO");
        assert_eq!(settings(&[]), LogSettings { requested: "INFO".into(), json: false });
        assert!(settings(&[("AWS_LAMBDA_LOG_FORMAT", "json")]).json);
    }
}

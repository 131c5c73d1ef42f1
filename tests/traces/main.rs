//! In Lambda, every log line and the EMF line of a request carry its X-Ray trace id
//! (`span.trace_id`, `TraceId`) beside its request id; a request with no trace id (`serve`,
//! an invocation without one) carries none, never another request's. A test binary of its
//! own, because the metrics recorder is global to the process; its checks run one after the
//! other in one test, because the collector gathers whatever is recorded between two flushes.

#[path = "../contract/support.rs"]
#[allow(dead_code, unused_macros, unused_imports)]
mod support;

use lambda_http::tracing::subscriber::util::SubscriberInitExt;
use serde_json::Value;
use shared::http::routes::{self, Route};
use shared::telemetry::LogSettings;
use support::{Event, Lines, Reply, TestApi};

const TRACE_HEADER: &str = "Root=1-6750f0a1-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1";
const TRACE_ID: &str = "1-6750f0a1-0123456789abcdef01234567";

/// `event` as lambda_http hands it to a function in one Lambda invocation: the invocation's
/// `lambda_runtime::Context` made from the Runtime API's answer (its `Lambda-Runtime-Trace-Id`
/// header when `trace_header` is given), then what lambda_http's adapter does with it
/// (`Adapter::call`): the trace header onto the request's `x-amzn-trace-id`, the context into
/// its extensions.
fn invocation(event: &Event, lambda_request_id: &str, trace_header: Option<&str>) -> lambda_http::Request {
    use lambda_http::RequestExt;
    use lambda_http::http::{HeaderMap, HeaderValue};
    let mut runtime_api = HeaderMap::new();
    runtime_api.insert("lambda-runtime-deadline-ms", HeaderValue::from_static("4102444800000"));
    runtime_api.insert(
        "lambda-runtime-invoked-function-arn",
        HeaderValue::from_static("arn:aws:lambda:us-east-1:123456789012:function:v3"),
    );
    if let Some(trace_header) = trace_header {
        runtime_api.insert("lambda-runtime-trace-id", HeaderValue::from_str(trace_header).expect("a header value"));
    }
    let context = lambda_http::Context::new(lambda_request_id, Default::default(), &runtime_api)
        .expect("a Runtime API answer lambda_runtime accepts");
    let mut request = event.request();
    if let Some(trace_id) = context.xray_trace_id.as_deref() {
        request.headers_mut().insert("x-amzn-trace-id", HeaderValue::from_str(trace_id).expect("a header value"));
    }
    request.with_lambda_context(context)
}

struct Bench {
    api: TestApi,
    logs: Lines,
    emf: Lines,
}

impl Bench {
    /// Sends `request` to the function that serves `route`; its answer, its log lines (the
    /// lines written inside its span) and its one EMF line.
    async fn send(&self, route: &Route, request: lambda_http::Request) -> (Reply, Vec<Value>, Value) {
        let endpoint =
            shared::http::endpoints().into_iter().find(|endpoint| endpoint.route == route).expect("an endpoint");
        let reply = support::send(shared::http::function_app(endpoint, self.api.state.clone()), request).await;
        let logs: Vec<Value> = self.logs.take().into_iter().filter(|line| line.get("span").is_some()).collect();
        assert!(logs.iter().any(|line| line["fields"]["message"] == "request served"), "{logs:?}");
        let emf = self.emf.take();
        assert_eq!(emf.len(), 1, "one EMF line per request: {emf:?}");
        (reply, logs, emf.into_iter().next().unwrap())
    }
}

#[tokio::test]
async fn trace_ids_in_log_lines_and_emf_lines() {
    let emf = Lines::default();
    shared::telemetry::init_metrics_into("get-agent", Box::new(emf.clone())).unwrap();
    let logs = Lines::default();
    // DEBUG: the store's own lines too. The subscriber is this thread's, and the test's
    // runtime runs every request on this thread.
    let settings = LogSettings { requested: "DEBUG".into(), json: true };
    let _logging = shared::telemetry::subscriber(&settings, logs.clone()).set_default();
    let bench = Bench { api: TestApi::sqlite().await, logs, emf };

    an_invocations_trace_id_is_on_every_line_and_on_its_emf_line(&bench).await;
    an_invocation_without_one_carries_none_not_the_last_ones(&bench).await;
    a_request_outside_lambda_carries_none(&bench).await;
    on_a_named_stage_the_lines_name_the_path_within_it(&bench).await;
}

async fn an_invocations_trace_id_is_on_every_line_and_on_its_emf_line(bench: &Bench) {
    for (route, file) in [(&routes::GET_AGENT, "get-agent"), (&routes::GET_AGENT, "get-agent-not-found")] {
        let event = Event::load(file).with_header("x-request-id", "traced-1");
        let (reply, logs, emf) = bench.send(route, invocation(&event, "lambda-request-1", Some(TRACE_HEADER))).await;
        assert!(reply.status == 200 || reply.status == 404, "{file}: {}", reply.body);
        for line in &logs {
            assert_eq!(line["span"]["request_id"], "traced-1", "{line}");
            assert_eq!(line["span"]["trace_id"], TRACE_ID, "{line}");
        }
        assert_eq!(emf["RequestId"], "traced-1");
        assert_eq!(emf["TraceId"], TRACE_ID);
        // A property, not a dimension: no metric per trace.
        assert_eq!(emf["_aws"]["CloudWatchMetrics"][0]["Dimensions"], serde_json::json!([["Function"]]), "{emf}");
        // The trace id goes to the logs and the metrics, never into the answer.
        assert!(reply.headers.values().all(|value| !value.to_str().unwrap_or_default().contains(TRACE_ID)));
    }
}

async fn an_invocation_without_one_carries_none_not_the_last_ones(bench: &Bench) {
    let event = Event::load("get-agent").with_header("x-request-id", "untraced-1");
    bench.send(&routes::GET_AGENT, invocation(&event, "lambda-request-2", Some(TRACE_HEADER))).await;
    let (reply, logs, emf) = bench.send(&routes::GET_AGENT, invocation(&event, "lambda-request-3", None)).await;
    assert_eq!(reply.status, 200);
    for line in &logs {
        assert_eq!(line["span"]["request_id"], "untraced-1", "{line}");
        assert!(line["span"].get("trace_id").is_none(), "no trace id, not an empty one: {line}");
    }
    assert_eq!(emf["RequestId"], "untraced-1");
    assert!(emf.get("TraceId").is_none(), "the collector keeps properties between flushes: {emf}");
}

async fn a_request_outside_lambda_carries_none(bench: &Bench) {
    // A caller's own x-amzn-trace-id is not the invocation's: outside Lambda there is none.
    let event = Event::load("get-agent").with_header("x-amzn-trace-id", TRACE_HEADER);
    let (_, logs, emf) = bench.send(&routes::GET_AGENT, event.request()).await;
    assert!(logs.iter().all(|line| line["span"].get("trace_id").is_none()), "{logs:?}");
    assert!(emf.get("TraceId").is_none(), "{emf}");
}

async fn on_a_named_stage_the_lines_name_the_path_within_it(bench: &Bench) {
    let event = Event::load("get-agent-prod-stage");
    let (reply, logs, _) =
        bench.send(&routes::GET_AGENT, invocation(&event, "lambda-request-4", Some(TRACE_HEADER))).await;
    assert_eq!(reply.status, 200);
    for line in &logs {
        assert_eq!(line["span"]["path"], "/v3/agents/8", "{line}");
        assert_eq!(line["span"]["trace_id"], TRACE_ID, "{line}");
    }
}

//! Per-request CloudWatch Embedded Metric Format lines: latency, database time and error
//! counts, one line per request, tagged with its request id. A test binary of its own,
//! because the metrics recorder is global to the process.

#[path = "../contract/support.rs"]
#[allow(dead_code, unused_macros, unused_imports)]
mod support;

use serde_json::Value;
use shared::http::routes;
use support::{Event, Lines, TestApi, invoke_unmatched};

fn metric_names(line: &Value) -> Vec<String> {
    line["_aws"]["CloudWatchMetrics"][0]["Metrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|metric| metric["Name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn each_request_writes_one_emf_line_with_latency_database_time_and_errors() {
    let lines = Lines::default();
    shared::telemetry::init_metrics_into("get-agent", Box::new(lines.clone())).unwrap();
    let api = TestApi::sqlite().await;

    api.invoke(&routes::GET_AGENT, &Event::load("get-agent").with_header("x-request-id", "metrics-ok")).await;
    let ok = lines.take();
    assert_eq!(ok.len(), 1, "one line per request: {ok:?}");
    let line = &ok[0];
    assert_eq!(line["_aws"]["CloudWatchMetrics"][0]["Namespace"], "v3-api");
    assert_eq!(line["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0][0], "Function");
    assert_eq!(line["Function"], "get-agent");
    assert_eq!(line["RequestId"], "metrics-ok");
    let names = metric_names(line);
    assert!(names.contains(&"LatencyMs".to_owned()) && names.contains(&"DatabaseMs".to_owned()), "{names:?}");
    assert!(!names.iter().any(|n| n.ends_with("Errors")), "no error counted for a 200: {names:?}");
    // Histograms carry their samples as arrays: one request, one sample each.
    assert!(line["LatencyMs"][0].as_f64().unwrap() >= line["DatabaseMs"][0].as_f64().unwrap(), "{line}");

    api.invoke(&routes::GET_AGENT, &Event::load("get-agent-not-found")).await;
    let not_found = &lines.take()[0];
    assert_eq!(not_found["ClientErrors"], 1);

    api.execute(r#"DROP TABLE "Agentes""#).await;
    api.invoke(&routes::GET_AGENT, &Event::load("get-agent")).await;
    assert_eq!(lines.take()[0]["ServerErrors"], 1);

    // The catch-all touches no database: latency only.
    invoke_unmatched(&Event::load("unknown-route")).await;
    let unmatched = &lines.take()[0];
    assert!(!metric_names(unmatched).contains(&"DatabaseMs".to_owned()));
    assert_eq!(unmatched["ClientErrors"], 1);
}

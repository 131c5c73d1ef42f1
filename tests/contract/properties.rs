//! Properties over generated requests, through the same entry point the functions use:
//! whatever the path parameter or body, the answer is one of the contract's statuses, an
//! error is problem+json, and nothing is a 500 (which would mean a bug, not bad input).

use proptest::prelude::*;
use shared::http::routes::{self, Route};

use crate::support::{Event, TestApi};

const GET_ROUTES: [(&Route, &str, &str); 6] = [
    (&routes::GET_AGENT, "get-agent", "agent_id"),
    (&routes::GET_CAMPAIGN, "get-campaign", "campaign_id"),
    (&routes::GET_INTERACTION, "get-interaction", "interaction_id"),
    (&routes::GET_FULL_INTERACTION, "get-full-interaction", "interaction_id"),
    (&routes::GET_OUTGOING_PARAMETERS, "get-outgoing-parameters", "task_id"),
    (&routes::GET_INCOMING_PARAMETERS, "get-incoming-parameters", "task_id"),
];

fn check(reply: &crate::support::Reply, allowed: &[u16]) -> Result<(), TestCaseError> {
    prop_assert!(allowed.contains(&reply.status), "status {} body {}", reply.status, reply.body);
    if reply.status >= 400 {
        prop_assert_eq!(reply.header("content-type"), Some("application/problem+json"));
        let problem: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
        prop_assert_eq!(problem["status"].as_u64(), Some(u64::from(reply.status)));
    }
    prop_assert!(reply.header("x-request-id").is_some());
    Ok(())
}

#[test]
fn any_path_parameter_gets_a_contract_status() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let api = runtime.block_on(TestApi::sqlite());
    let config = ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() };
    proptest!(config, |(index in 0..GET_ROUTES.len(), raw in "\\PC{1,80}|[0-9A-Za-z%._-]{1,80}")| {
        let (route, file, name) = GET_ROUTES[index];
        let event = Event::load(file).with_path_parameter(name, &raw);
        let reply = runtime.block_on(api.invoke(route, &event));
        check(&reply, &[200, 400, 404])?;
    });
}

#[test]
fn any_post_body_gets_a_contract_status() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let api = runtime.block_on(TestApi::sqlite());
    let config = ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() };
    let body = prop_oneof![
        "\\PC{0,200}",
        r#"\{"task_id": ?(-?[0-9]{1,12}|"[0-9 ]{0,12}"|null|true), "key": ?("\PC{0,120}"|[0-9]+|null), "value": ?("\PC{0,50}"|-?[0-9.eE+]{1,10}|true|false|null|\[\]|\{\})\}"#,
    ];
    proptest!(config, |(body in body, content_type in prop_oneof![Just("application/json"), Just("text/plain"), Just("application/problem+json")])| {
        let event = Event::load("put-outgoing-parameters").with_body(&body).with_header("content-type", content_type);
        let reply = runtime.block_on(api.invoke(&routes::PUT_OUTGOING_PARAMETERS, &event));
        check(&reply, &[200, 201, 400, 415])?;
    });
}

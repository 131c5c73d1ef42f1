//! CONTRACT 6, 7 and 8: ETag / If-None-Match, x-request-id, unknown routes and methods.

use shared::http::routes;

use crate::support::{Event, TestApi, invoke_unmatched, on_both_engines};

on_both_engines!(
    successful_gets_carry_an_etag_and_a_matching_if_none_match_is_304,
    etag_changes_when_the_resource_changes,
    callers_x_request_id_is_echoed_when_well_formed,
    gateway_request_id_is_used_otherwise,
    every_response_carries_x_request_id,
    wrong_method_on_a_route_is_405_with_allow,
    route_function_finds_its_id_in_the_raw_path_without_path_parameters,
);

async fn successful_gets_carry_an_etag_and_a_matching_if_none_match_is_304(api: &TestApi) {
    for (route, file) in [
        (&routes::GET_AGENT, "get-agent"),
        (&routes::GET_CAMPAIGN, "get-campaign"),
        (&routes::GET_INTERACTION, "get-interaction"),
        (&routes::GET_FULL_INTERACTION, "get-full-interaction"),
        (&routes::GET_OUTGOING_PARAMETERS, "get-outgoing-parameters"),
        (&routes::GET_INCOMING_PARAMETERS, "get-incoming-parameters"),
        (&routes::GET_OUTGOING_PARAMETERS, "get-outgoing-parameters-unknown-task"),
    ] {
        let first = api.invoke(route, &Event::load(file)).await;
        assert_eq!(first.status, 200, "{file}");
        let etag = first.header("etag").unwrap_or_else(|| panic!("{file}: no ETag")).to_owned();
        assert!(etag.starts_with('"') && etag.ends_with('"'), "{etag}");
        let again = api.invoke(route, &Event::load(file)).await;
        assert_eq!(again.header("etag"), Some(etag.as_str()), "same body, same tag");

        assert_eq!(first.header("cache-control"), Some("private, no-cache"), "{file}: rows of the contact center");

        let cached = api.invoke(route, &Event::load(file).with_header("if-none-match", &etag)).await;
        assert_eq!((cached.status, cached.body.as_str()), (304, ""), "{file}");
        assert_eq!(cached.header("etag"), Some(etag.as_str()));
        assert_eq!(cached.header("cache-control"), Some("private, no-cache"), "{file}: a 304 keeps the rule");
        let weak =
            api.invoke(route, &Event::load(file).with_header("if-none-match", &format!("\"x\", W/{etag}"))).await;
        assert_eq!(weak.status, 304);
        let stale = api.invoke(route, &Event::load(file).with_header("if-none-match", "\"stale\"")).await;
        assert_eq!(stale.status, 200);
    }
    // Errors and writes carry no ETag.
    assert_eq!(api.invoke(&routes::GET_AGENT, &Event::load("get-agent-not-found")).await.header("etag"), None);
    assert_eq!(
        api.invoke(&routes::PUT_OUTGOING_PARAMETERS, &Event::load("put-outgoing-parameters")).await.header("etag"),
        None
    );
}

async fn etag_changes_when_the_resource_changes(api: &TestApi) {
    let before = api.invoke(&routes::GET_OUTGOING_PARAMETERS, &Event::load("get-outgoing-parameters")).await;
    let etag = before.header("etag").unwrap().to_owned();
    api.invoke(&routes::PUT_OUTGOING_PARAMETERS, &Event::load("put-outgoing-parameters")).await;
    let after = api
        .invoke(
            &routes::GET_OUTGOING_PARAMETERS,
            &Event::load("get-outgoing-parameters").with_header("if-none-match", &etag),
        )
        .await;
    assert_eq!(after.status, 200, "a changed list is not 'not modified'");
    assert_ne!(after.header("etag"), Some(etag.as_str()));
}

async fn callers_x_request_id_is_echoed_when_well_formed(api: &TestApi) {
    let event = Event::load("get-agent").with_header("x-request-id", "bot-42:call.7_A");
    assert_eq!(api.invoke(&routes::GET_AGENT, &event).await.header("x-request-id"), Some("bot-42:call.7_A"));
}

async fn gateway_request_id_is_used_otherwise(api: &TestApi) {
    let too_long = "a".repeat(129);
    for bad in ["has space", "quote\"d", "ñ", too_long.as_str()] {
        let event = Event::load("get-agent").with_header("x-request-id", bad).with_request_id("gw-req-1");
        assert_eq!(api.invoke(&routes::GET_AGENT, &event).await.header("x-request-id"), Some("gw-req-1"), "{bad}");
    }
    let plain = Event::load("get-agent");
    assert_eq!(
        api.invoke(&routes::GET_AGENT, &plain).await.header("x-request-id"),
        Some("c6af9ac6-7b61-11e6-9a41-93e8deadbeef")
    );
}

async fn every_response_carries_x_request_id(api: &TestApi) {
    let replies = [
        api.invoke(&routes::GET_AGENT, &Event::load("get-agent")).await,
        api.invoke(&routes::GET_AGENT, &Event::load("get-agent-not-found")).await,
        api.invoke(&routes::GET_AGENT, &Event::load("get-agent-malformed-id")).await,
        api.invoke(&routes::GET_AGENT, &Event::load("get-agent").with_method("POST")).await,
        api.invoke(&routes::PUT_OUTGOING_PARAMETERS, &Event::load("put-outgoing-parameters")).await,
        api.invoke(&routes::PUT_OUTGOING_PARAMETERS, &Event::load("put-outgoing-parameters-not-json")).await,
        invoke_unmatched(&Event::load("unknown-route")).await,
        invoke_unmatched(&Event::load("unknown-route-wrong-method")).await,
    ];
    for reply in replies {
        assert_eq!(
            reply.header("x-request-id"),
            Some("c6af9ac6-7b61-11e6-9a41-93e8deadbeef"),
            "status {}",
            reply.status
        );
    }
    // With no gateway id at all (a bare local event), a fresh one is made up.
    let mut bare = Event::load("get-agent");
    bare.0["requestContext"].as_object_mut().unwrap().remove("requestId");
    let id = api.invoke(&routes::GET_AGENT, &bare).await.header("x-request-id").unwrap().to_owned();
    assert!(id.starts_with("local-"), "{id}");
}

async fn wrong_method_on_a_route_is_405_with_allow(api: &TestApi) {
    for method in ["POST", "PUT", "DELETE", "PATCH"] {
        let reply = api.invoke(&routes::GET_AGENT, &Event::load("get-agent").with_method(method)).await;
        reply.problem(405);
        assert_eq!(reply.header("allow"), Some("GET"));
    }
    let get_on_post = Event::load("put-outgoing-parameters").with_method("GET");
    let reply = api.invoke(&routes::PUT_OUTGOING_PARAMETERS, &get_on_post).await;
    reply.problem(405);
    assert_eq!(reply.header("allow"), Some("POST"));
}

async fn route_function_finds_its_id_in_the_raw_path_without_path_parameters(api: &TestApi) {
    let event = Event::load("get-campaign").without_path_parameters();
    assert_eq!(api.invoke(&routes::GET_CAMPAIGN, &event).await.status, 200);
}

// The catch-all needs no database: plain tests.

#[tokio::test]
async fn unknown_paths_are_404_problem_json() {
    let reply = invoke_unmatched(&Event::load("unknown-route")).await;
    assert_eq!(reply.problem(404), "no route matches GET /v3/agents/8/");
    for path in [
        "/",
        "/v3",
        "/v3/nothing",
        "/V3/agents/8",
        "/v3/Agents/8",
        "/v3/agents/",
        "/v3/interactions/full/",
        "/v2/agents/8",
    ] {
        let reply = invoke_unmatched(&Event::load("unknown-route").with_path(path)).await;
        reply.problem(404);
        assert!(reply.header("x-request-id").is_some());
    }
}

#[tokio::test]
async fn known_path_with_another_method_is_405_with_allow() {
    let reply = invoke_unmatched(&Event::load("unknown-route-wrong-method")).await;
    assert_eq!(reply.problem(405), "method DELETE is not allowed; use GET");
    assert_eq!(reply.header("allow"), Some("GET"));
    let get_post_route = Event::load("unknown-route").with_path("/v3/parameters/outgoing");
    let reply = invoke_unmatched(&get_post_route).await;
    reply.problem(405);
    assert_eq!(reply.header("allow"), Some("POST"));
}

#[tokio::test]
async fn the_one_process_app_sends_each_path_to_its_route_and_the_rest_to_the_fallback() {
    let api = TestApi::sqlite().await;
    for (file, status) in [
        ("get-agent", 200),
        ("get-campaign-leading-zeros", 200),
        ("get-interaction", 200),
        ("get-full-interaction", 200),
        ("get-outgoing-parameters", 200),
        ("get-incoming-parameters", 200),
        ("put-outgoing-parameters", 201),
        ("unknown-route", 404),
        ("unknown-route-wrong-method", 405),
    ] {
        // No pathParameters: `serve` has only the method and the path.
        let request = Event::load(file).without_path_parameters().request();
        let reply = crate::support::send(shared::http::app(api.state.clone()), request).await;
        assert_eq!(reply.status, status, "{file}: {}", reply.body);
    }
}

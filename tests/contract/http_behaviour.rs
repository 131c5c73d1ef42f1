//! CONTRACT 6, 7 and 8: ETag / If-None-Match, x-request-id, unknown routes and methods; and
//! the same answers on a named stage (`prod`) as on `$default`.

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
    a_named_stage_changes_no_get_answer,
    a_named_stage_changes_no_post_answer,
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

/// A `prod`-stage event from `events/` (`rawPath` `/prod/v3/…`, as API Gateway sends it on a
/// named stage, called on its execute-api host or through a custom domain's API mapping),
/// then the same request as `sam local generate-event apigateway http-api-proxy --stage prod`
/// writes it (the stage only in `requestContext.stage`; lambda_http then puts `/prod` in front
/// of the path itself), then through a custom domain (its host; the mapping's base path is
/// never in `rawPath`).
fn on_stage_prod(file: &str, path_within_stage: &str) -> [Event; 3] {
    let event = Event::load(file);
    assert_eq!(event.0["requestContext"]["stage"], "prod", "{file}");
    assert_eq!(event.0["rawPath"].as_str(), Some(format!("/prod{path_within_stage}").as_str()), "{file}");
    let sam = event.clone().with_path(path_within_stage);
    let mut custom_domain = event.clone().with_header("host", "api.example.com");
    custom_domain.0["requestContext"]["domainName"] = "api.example.com".into();
    custom_domain.0["requestContext"]["domainPrefix"] = "api".into();
    [event, sam, custom_domain]
}

async fn a_named_stage_changes_no_get_answer(api: &TestApi) {
    let on_default = api.invoke(&routes::GET_AGENT, &Event::load("get-agent")).await;
    assert_eq!(on_default.status, 200);
    let not_found = Event::load("get-agent-not-found");
    let missing_id = not_found.0["pathParameters"]["agent_id"].as_str().unwrap().to_owned();
    let not_found_on_default = api.invoke(&routes::GET_AGENT, &not_found).await.problem(404);
    for event in on_stage_prod("get-agent-prod-stage", "/v3/agents/8") {
        let reply = api.invoke(&routes::GET_AGENT, &event).await;
        assert_eq!((reply.status, &reply.body), (200, &on_default.body), "{}", event.0["rawPath"]);
        assert_eq!(reply.header("etag"), on_default.header("etag"));
        let etag = reply.header("etag").unwrap();
        let cached = api.invoke(&routes::GET_AGENT, &event.clone().with_header("if-none-match", etag)).await;
        assert_eq!(cached.status, 304);
        let missing = api.invoke(&routes::GET_AGENT, &event.clone().with_path_parameter("agent_id", &missing_id)).await;
        assert_eq!(missing.problem(404), not_found_on_default);
        let wrong_method = api.invoke(&routes::GET_AGENT, &event.clone().with_method("DELETE")).await;
        assert_eq!(wrong_method.problem(405), "method DELETE is not allowed; use GET");
        assert_eq!(wrong_method.header("allow"), Some("GET"));
    }
}

async fn a_named_stage_changes_no_post_answer(api: &TestApi) {
    let [staged, sam, custom_domain] = on_stage_prod("put-outgoing-parameters-prod-stage", "/v3/parameters/outgoing");
    let created = api.invoke(&routes::PUT_OUTGOING_PARAMETERS, &staged).await;
    assert_eq!(created.status, 201, "{}", created.body);
    // The same key again: replaced, 200, whichever way it comes.
    let on_default = api.invoke(&routes::PUT_OUTGOING_PARAMETERS, &Event::load("put-outgoing-parameters")).await;
    assert_eq!(on_default.status, 200, "{}", on_default.body);
    for event in [staged, sam, custom_domain] {
        let replaced = api.invoke(&routes::PUT_OUTGOING_PARAMETERS, &event).await;
        assert_eq!((replaced.status, &replaced.body), (200, &on_default.body), "{}", event.0["rawPath"]);
    }
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

#[tokio::test]
async fn on_a_named_stage_a_known_path_with_another_method_is_still_405_with_allow() {
    let on_default = invoke_unmatched(&Event::load("unknown-route-wrong-method")).await;
    for event in on_stage_prod("unknown-route-wrong-method-prod-stage", "/v3/agents/8") {
        let reply = invoke_unmatched(&event).await;
        assert_eq!(reply.problem(405), on_default.problem(405), "{}", event.0["rawPath"]);
        assert_eq!(reply.header("allow"), Some("GET"));
    }
}

/// The detail names the path as the API's routes see it (within the stage), as on `$default`.
#[tokio::test]
async fn on_a_named_stage_an_unknown_path_is_still_404_naming_the_path_within_the_stage() {
    for event in on_stage_prod("unknown-route-prod-stage", "/v3/nothing") {
        let reply = invoke_unmatched(&event).await;
        assert_eq!(reply.problem(404), "no route matches GET /v3/nothing", "{}", event.0["rawPath"]);
    }
    // The stage's own root, and a first segment that only starts like the stage.
    let stage_root = Event::load("unknown-route-prod-stage").with_path("/prod");
    assert_eq!(invoke_unmatched(&stage_root).await.problem(404), "no route matches GET /");
    let lookalike = Event::load("unknown-route-prod-stage").with_path("/prod/production/v3/agents/8");
    assert_eq!(invoke_unmatched(&lookalike).await.problem(404), "no route matches GET /production/v3/agents/8");
}

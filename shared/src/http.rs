//! HTTP conventions every route shares (CONTRACT sections 6 and 7): the request id, the
//! method check, problem+json errors, `ETag` / `If-None-Match`, content types and body
//! limits, and one access-log line per request. [`handle`] is the entry point each function
//! hands its requests to.

use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use lambda_http::http::header::{ALLOW, CONTENT_TYPE, ETAG, IF_NONE_MATCH, RETRY_AFTER};
use lambda_http::http::{HeaderMap, HeaderValue, StatusCode};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use tracing::Instrument;

use crate::config::AppState;
use crate::error::{ApiError, RETRY_AFTER_SECONDS};
use crate::handlers;
use crate::routes::{self, Route};

pub const X_REQUEST_ID: &str = "x-request-id";
pub const JSON: &str = "application/json; charset=utf-8";
pub const PROBLEM_JSON: &str = "application/problem+json";
pub const TEXT: &str = "text/plain; charset=utf-8";
/// Request bodies above this are refused with 413 before they are parsed.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// What a route answers when it succeeds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// 200 with a JSON body, an `ETag`, and 304 when `If-None-Match` matches it.
    Json(Vec<u8>),
    /// The POST's plain `ok`: 201 when a row was created, 200 when all were replaced.
    Written { created: bool },
}

impl Reply {
    pub fn json<T: serde::Serialize>(value: &T) -> Result<Self, ApiError> {
        serde_json::to_vec(value).map(Reply::Json).map_err(ApiError::internal)
    }
}

/// Serves one request for `route`: the whole life of a request in a function.
pub async fn handle(state: &AppState, route: Route, request: Request) -> Result<Response<Body>, Infallible> {
    let request_id = request_id(&request);
    let span = tracing::info_span!("request", request_id = %request_id, route = route.function_name());
    async {
        let started = Instant::now();
        let outcome = if request.method() != route.method() {
            Err(ApiError::MethodNotAllowed { method: request.method().to_string(), allow: route.method_name() })
        } else {
            call_handler(state, route, &request).await
        };
        finish(&request, &request_id, outcome, started)
    }
    .instrument(span)
    .await
}

/// Serves any request in one process: the route its method and path select, else the
/// catch-all. For front ends that receive every path (the `serve` binary); behind API
/// Gateway, the gateway does this routing and each function calls [`handle`] directly.
pub async fn dispatch(state: &AppState, request: Request) -> Result<Response<Body>, Infallible> {
    match Route::find(request.method(), request_path(&request)) {
        Some(route) => handle(state, route, request).await,
        None => handle_unmatched(request).await,
    }
}

/// Serves a request that no route takes (the `$default` route): 404, or 405 with `Allow`.
pub async fn handle_unmatched(request: Request) -> Result<Response<Body>, Infallible> {
    let request_id = request_id(&request);
    let span = tracing::info_span!("request", request_id = %request_id, route = "unknown-route");
    async {
        let started = Instant::now();
        let error = routes::unmatched(request.method(), request_path(&request));
        finish(&request, &request_id, Err(error), started)
    }
    .instrument(span)
    .await
}

async fn call_handler(state: &AppState, route: Route, request: &Request) -> Result<Reply, ApiError> {
    let parameter = path_parameter(route, request);
    let id = || parameter.ok_or_else(|| routes::unmatched(request.method(), request_path(request)));
    match route {
        Route::GetOutgoingParameters => handlers::get_outgoing_parameters(state, id()?).await,
        Route::GetIncomingParameters => handlers::get_incoming_parameters(state, id()?).await,
        Route::PutOutgoingParameters => {
            handlers::put_outgoing_parameters(state, request.headers(), request.body().as_ref()).await
        }
        Route::GetInteraction => handlers::get_interaction(state, id()?).await,
        Route::GetFullInteraction => handlers::get_full_interaction(state, id()?).await,
        Route::GetCampaign => handlers::get_campaign(state, id()?).await,
        Route::GetAgent => handlers::get_agent(state, id()?).await,
    }
}

/// The path as the gateway received it (`rawPath`), or the URI's path when the request did
/// not come through a gateway event.
pub fn request_path(request: &Request) -> &str {
    match request.raw_http_path() {
        "" => request.uri().path(),
        raw => raw,
    }
}

/// The route's path parameter: from the gateway's `pathParameters` when it matched the
/// route, else from the raw path (a hand-written event, or a router that fills none).
fn path_parameter(route: Route, request: &Request) -> Option<&str> {
    let name = route.path_parameter()?;
    request
        .path_parameters_ref()
        .and_then(|parameters| parameters.first(name))
        .or_else(|| route.match_path(request_path(request)).flatten())
}

fn finish(
    request: &Request,
    request_id: &str,
    outcome: Result<Reply, ApiError>,
    started: Instant,
) -> Result<Response<Body>, Infallible> {
    let mut response = match outcome {
        Ok(reply) => reply_response(request.headers(), reply),
        Err(error) => {
            error.log();
            error_response(&error)
        }
    };
    if let Ok(value) = HeaderValue::from_str(request_id) {
        response.headers_mut().insert(X_REQUEST_ID, value);
    }
    record_metrics(response.status(), started);
    tracing::info!(
        method = %request.method(),
        path = %request_path(request),
        status = response.status().as_u16(),
        elapsed_us = started.elapsed().as_micros() as u64,
        "request served"
    );
    crate::telemetry::flush_metrics(request_id);
    Ok(response)
}

fn record_metrics(status: StatusCode, started: Instant) {
    use crate::telemetry::{CLIENT_ERRORS, LATENCY_MS, SERVER_ERRORS};
    metrics::histogram!(LATENCY_MS).record(started.elapsed().as_secs_f64() * 1e3);
    if status.is_client_error() {
        metrics::counter!(CLIENT_ERRORS).increment(1);
    } else if status.is_server_error() {
        metrics::counter!(SERVER_ERRORS).increment(1);
    }
}

fn reply_response(request_headers: &HeaderMap, reply: Reply) -> Response<Body> {
    match reply {
        Reply::Json(body) => {
            let etag = etag(&body);
            if if_none_match(request_headers, &etag) {
                return response(StatusCode::NOT_MODIFIED, None, Body::Empty, &[(ETAG, etag)]);
            }
            response(StatusCode::OK, Some(JSON), Body::Text(into_string(body)), &[(ETAG, etag)])
        }
        Reply::Written { created } => {
            let status = if created { StatusCode::CREATED } else { StatusCode::OK };
            response(status, Some(TEXT), Body::Text("ok".to_owned()), &[])
        }
    }
}

pub fn error_response(error: &ApiError) -> Response<Body> {
    let body = Body::Text(into_string(error.to_problem_json()));
    let extra = match error {
        ApiError::MethodNotAllowed { allow, .. } => vec![(ALLOW, HeaderValue::from_static(allow))],
        ApiError::Unavailable { .. } => vec![(RETRY_AFTER, HeaderValue::from_static(RETRY_AFTER_SECONDS))],
        _ => Vec::new(),
    };
    response(error.status(), Some(PROBLEM_JSON), body, &extra)
}

fn response(
    status: StatusCode,
    content_type: Option<&'static str>,
    body: Body,
    headers: &[(lambda_http::http::HeaderName, HeaderValue)],
) -> Response<Body> {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    if let Some(content_type) = content_type {
        response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
    for (name, value) in headers {
        response.headers_mut().insert(name.clone(), value.clone());
    }
    response
}

fn into_string(bytes: Vec<u8>) -> String {
    // serde_json only ever writes UTF-8.
    String::from_utf8(bytes).unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned())
}

/// A strong validator for a body: its length and 64-bit FNV-1a hash. Stable across builds
/// and processes, so every function instance gives the same resource the same tag.
pub fn etag(body: &[u8]) -> HeaderValue {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in body {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    // `"<length hex>-<hash hex>"`, written by hand: this runs on every GET.
    let mut tag = Vec::with_capacity(36);
    tag.push(b'"');
    push_hex(&mut tag, body.len() as u64, false);
    tag.push(b'-');
    push_hex(&mut tag, hash, true);
    tag.push(b'"');
    HeaderValue::from_bytes(&tag).expect("hex digits and quotes are a valid header value")
}

/// Lower-case hex of `value`; `padded` writes all 16 digits.
fn push_hex(out: &mut Vec<u8>, value: u64, padded: bool) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let digits = if padded { 16 } else { (64 - value.leading_zeros() as usize).div_ceil(4).max(1) };
    for shift in (0..digits).rev() {
        out.push(DIGITS[((value >> (shift * 4)) & 0xf) as usize]);
    }
}

/// RFC 9110 If-None-Match: `*`, or a list of tags compared weakly (`W/` ignored).
fn if_none_match(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let ours = etag.as_bytes();
    headers.get_all(IF_NONE_MATCH).iter().filter_map(|value| value.to_str().ok()).any(|value| {
        value
            .split(',')
            .map(str::trim)
            .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag).as_bytes() == ours)
    })
}

/// The caller's own `x-request-id` when it is well-formed, else the gateway's request id,
/// else Lambda's, else a fresh one (local runs).
pub fn request_id(request: &Request) -> String {
    if let Some(own) = request.headers().get(X_REQUEST_ID).and_then(|value| value.to_str().ok())
        && is_valid_request_id(own)
    {
        return own.to_owned();
    }
    if let Some(RequestContext::ApiGatewayV2(context)) = request.request_context_ref()
        && let Some(id) = context.request_id.as_deref().filter(|id| usable_header(id))
    {
        return id.to_owned();
    }
    if let Some(context) = request.lambda_context_ref().filter(|context| usable_header(&context.request_id)) {
        return context.request_id.clone();
    }
    fresh_request_id()
}

/// `[A-Za-z0-9._:-]{1,128}` (CONTRACT 8).
pub fn is_valid_request_id(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
}

fn usable_header(id: &str) -> bool {
    !id.is_empty() && id.len() <= 256 && HeaderValue::from_str(id).is_ok()
}

fn fresh_request_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_nanos() as u64);
    format!("local-{nanos:x}-{:x}-{:x}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// Content types the POST reads as JSON: none at all, `application/json`, or any
/// `application/*+json`, parameters (charset) aside.
pub fn require_json(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(value) = headers.get(CONTENT_TYPE) else { return Ok(()) };
    let text = value.to_str().unwrap_or_default();
    let essence = text.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    let is_json = essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"));
    if is_json {
        Ok(())
    } else {
        let shown: String = text.chars().filter(|c| !c.is_control()).take(100).collect();
        Err(ApiError::UnsupportedMediaType(shown))
    }
}

pub fn require_size(body: &[u8]) -> Result<(), ApiError> {
    if body.len() > MAX_BODY_BYTES { Err(ApiError::PayloadTooLarge { limit: MAX_BODY_BYTES }) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn etag_is_quoted_length_and_hash_in_hex() {
        assert_eq!(etag(b""), "\"0-cbf29ce484222325\"");
        assert_eq!(etag(&[0u8; 670]).to_str().unwrap().split('-').next(), Some("\"29e"));
    }

    #[test]
    fn etag_changes_with_the_body_and_only_with_it() {
        assert_eq!(etag(b"[]"), etag(b"[]"));
        assert_ne!(etag(b"[1]"), etag(b"[2]"));
    }

    #[test]
    fn if_none_match_accepts_lists_weak_tags_and_star() {
        let tag = etag(b"{}");
        let text = tag.to_str().unwrap().to_owned();
        let list = HeaderValue::from_str(&format!("\"other\", W/{text}")).unwrap();
        let mut map = HeaderMap::new();
        map.insert(IF_NONE_MATCH, list);
        assert!(if_none_match(&map, &tag));
        assert!(if_none_match(&headers(&[("if-none-match", "*")]), &tag));
        assert!(!if_none_match(&headers(&[("if-none-match", "\"nope\"")]), &tag));
        assert!(!if_none_match(&HeaderMap::new(), &tag));
    }

    #[test]
    fn json_content_types_are_accepted() {
        for value in
            ["application/json", "application/json; charset=utf-8", "Application/JSON", "application/merge-patch+json"]
        {
            assert!(require_json(&headers(&[("content-type", value)])).is_ok(), "{value}");
        }
        assert!(require_json(&HeaderMap::new()).is_ok());
    }

    #[test]
    fn other_content_types_are_415() {
        for value in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/jsonx",
            "",
        ] {
            let error = require_json(&headers(&[("content-type", value)])).unwrap_err();
            assert_eq!(error.status().as_u16(), 415, "{value}");
        }
    }

    #[test]
    fn request_ids_follow_the_contract_pattern() {
        assert!(is_valid_request_id("abc-123_x.y:z"));
        assert!(is_valid_request_id(&"a".repeat(128)));
        for bad in ["", "a b", "a\"b", "ñ", "a/b"] {
            assert!(!is_valid_request_id(bad), "{bad}");
        }
        assert!(!is_valid_request_id(&"a".repeat(129)));
    }

    #[test]
    fn body_over_one_mebibyte_is_413() {
        assert!(require_size(&vec![b' '; MAX_BODY_BYTES]).is_ok());
        assert_eq!(require_size(&vec![b' '; MAX_BODY_BYTES + 1]).unwrap_err().status().as_u16(), 413);
    }
}

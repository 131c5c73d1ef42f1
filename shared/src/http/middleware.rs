//! What every request goes through, whatever its route, applied once by `super::layered`:
//! its path within the API's stage, its request id (CONTRACT 8) and X-Ray trace id, one
//! access-log line and its metrics, the limit on its headers, and conditional GETs
//! (`If-None-Match` → 304, CONTRACT 7).

use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{CACHE_CONTROL, ETAG};
use axum::http::uri::{PathAndQuery, Uri};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use headers::HeaderMapExt;
use tower_http::request_id::{MakeRequestId, MakeRequestUuid, RequestId};
use tracing::Span;

use crate::telemetry;

pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A caller's own `x-request-id` is kept only when it matches `[A-Za-z0-9._:-]{1,128}`;
/// this runs before [`RequestIds`] so that an ill-formed one is replaced.
pub fn drop_ill_formed_request_id(mut request: Request) -> Request {
    let well_formed = request.headers().get(&X_REQUEST_ID).map(|value| value.to_str().is_ok_and(is_valid_request_id));
    if well_formed == Some(false) {
        request.headers_mut().remove(&X_REQUEST_ID);
    }
    request
}

/// `[A-Za-z0-9._:-]{1,128}` (CONTRACT 8).
pub fn is_valid_request_id(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
}

/// The id of a request that brings none of its own: the gateway's request id, else
/// Lambda's, else a fresh `local-<uuid>` (local runs).
#[derive(Clone, Copy, Default)]
pub struct RequestIds;

impl MakeRequestId for RequestIds {
    fn make_request_id<B>(&mut self, request: &axum::http::Request<B>) -> Option<RequestId> {
        let gateway = match request.extensions().get::<lambda_http::request::RequestContext>() {
            Some(lambda_http::request::RequestContext::ApiGatewayV2(context)) => context.request_id.as_deref(),
            _ => None,
        };
        let lambda = request.extensions().get::<lambda_http::Context>().map(|context| context.request_id.as_str());
        gateway
            .into_iter()
            .chain(lambda)
            .find(|id| !id.is_empty() && id.len() <= 256)
            .and_then(|id| HeaderValue::from_str(id).ok())
            .map(RequestId::new)
            .or_else(|| {
                let uuid = MakeRequestUuid.make_request_id(request)?;
                let local = format!("local-{}", uuid.header_value().to_str().ok()?);
                HeaderValue::try_from(local).ok().map(RequestId::new)
            })
    }
}

/// API Gateway puts a named stage in front of the path it sends (`rawPath` `/prod/v3/agents/8`
/// for `GET /v3/agents/8` on stage `prod`, whether called on the execute-api host or through a
/// custom domain's API mapping, whose own base path is never in `rawPath`), and lambda_http
/// keeps it there, or puts it there when the event lacks it (`sam local generate-event`'s
/// events; lambda_http also makes the stage's root `/prod` into `/prod/prod`). The routes are
/// the API's, so every app routes on the path within the stage: for an API Gateway request
/// whose stage is not `$default`, the leading `/{stage}` segment is taken off the URI once
/// (the stage's root is `/`). Every answer is then the one `$default` gives, the 404's detail
/// and the access log's path included. Requests that are not API Gateway's (`serve`) are left
/// alone.
pub fn path_within_stage(mut request: Request) -> Request {
    use lambda_http::RequestExt;
    let stage = match request.extensions().get::<lambda_http::request::RequestContext>() {
        Some(lambda_http::request::RequestContext::ApiGatewayV2(context)) => context.stage.as_deref(),
        _ => None,
    };
    let Some(stage) = stage.filter(|stage| !stage.is_empty() && *stage != "$default") else { return request };
    let stage_root = request.raw_http_path().strip_prefix('/').is_some_and(|raw| raw == stage);
    let within = if stage_root { Some("/") } else { strip_stage(request.uri().path(), stage) };
    let Some(within) = within else { return request };
    let path_and_query = match request.uri().query() {
        Some(query) => format!("{within}?{query}"),
        None => within.to_owned(),
    };
    let mut parts = request.uri().clone().into_parts();
    parts.path_and_query = PathAndQuery::try_from(path_and_query).ok();
    if let Ok(uri) = Uri::from_parts(parts) {
        *request.uri_mut() = uri;
    }
    request
}

/// `path` without its leading `/{stage}` segment (`/` when nothing follows it); `None` when
/// the path does not start with that segment.
pub fn strip_stage<'p>(path: &'p str, stage: &str) -> Option<&'p str> {
    let rest = path.strip_prefix('/')?.strip_prefix(stage)?;
    match rest {
        "" => Some("/"),
        rest if rest.starts_with('/') => Some(rest),
        _ => None,
    }
}

/// The X-Ray trace id of the Lambda invocation that carries a request: the `Root` of the
/// invocation's `Lambda-Runtime-Trace-Id` (`1-5759e988-bd862e3fe1be46a994272793`), as the
/// X-Ray console and Lambda's own `REPORT` line show it. lambda_http hands each request the
/// invocation's `lambda_runtime::Context`; requests without one (`serve`) have no trace id,
/// and none is made up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceId(pub String);

impl TraceId {
    pub fn of<B>(request: &axum::http::Request<B>) -> Option<TraceId> {
        let context = request.extensions().get::<lambda_http::Context>()?;
        TraceId::from_header(context.xray_trace_id.as_deref()?)
    }

    /// The `Root` field of an `X-Amzn-Trace-Id` value (`Root=…;Parent=…;Sampled=1`), when it is
    /// one: 1 to 64 hexadecimal digits and dashes.
    pub fn from_header(header: &str) -> Option<TraceId> {
        let root = header.split(';').find_map(|field| field.trim().strip_prefix("Root="))?;
        let well_formed = (1..=64).contains(&root.len()) && root.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-');
        well_formed.then(|| TraceId(root.to_owned()))
    }
}

/// Hands the request's [`TraceId`] to its response (as an extension, never a header), where
/// [`served`] finds it for the request's EMF line.
pub async fn carry_trace_id(request: Request, next: Next) -> Response {
    let trace_id = TraceId::of(&request);
    let mut response = next.run(request).await;
    if let Some(trace_id) = trace_id {
        response.extensions_mut().insert(trace_id);
    }
    response
}

/// The span every line about one request is written in: its id, method and path, and its
/// X-Ray trace id when it has one (`trace_id`; absent from the line otherwise).
pub fn request_span(function: &'static str) -> impl Fn(&Request) -> Span + Clone {
    move |request: &Request| {
        let id = request.headers().get(&X_REQUEST_ID).and_then(|value| value.to_str().ok()).unwrap_or_default();
        // A URI's path is ASCII, so cutting it at a byte count is safe.
        let path = request.uri().path();
        let path = &path[..path.len().min(200)];
        let span = tracing::info_span!(
            "request",
            request_id = %id,
            function,
            method = %request.method(),
            path = %path,
            trace_id = tracing::field::Empty,
        );
        if let Some(TraceId(trace_id)) = TraceId::of(request) {
            span.record("trace_id", trace_id.as_str());
        }
        span
    }
}

/// One access-log line and the request's metrics (latency, client and server errors), then
/// the request's EMF line, with its request id and trace id.
pub fn served(response: &Response, latency: Duration, _span: &Span) {
    let status = response.status();
    tracing::info!(status = status.as_u16(), elapsed_us = latency.as_micros() as u64, "request served");
    let request_id = response.headers().get(&X_REQUEST_ID).and_then(|value| value.to_str().ok()).unwrap_or_default();
    let trace_id = response.extensions().get::<TraceId>().map(|TraceId(id)| id.as_str());
    telemetry::record_request(status, latency);
    telemetry::flush_metrics(request_id, trace_id);
}

/// Request line and headers above this are refused with 431 (API Gateway's own limit is
/// 10 KiB; this bounds `serve`, whose HTTP/1 parser would take some 400 KiB).
pub const MAX_HEAD_BYTES: usize = 16 * 1024;

/// 431 for a request whose line and headers together pass [`MAX_HEAD_BYTES`].
pub async fn limit_head(request: Request, next: Next) -> Response {
    let uri = request.uri();
    let head = uri.path().len()
        + uri.query().map_or(0, str::len)
        + request.headers().iter().map(|(name, value)| name.as_str().len() + value.len() + 4).sum::<usize>();
    if head > MAX_HEAD_BYTES {
        return crate::error::ApiError::HeadersTooLarge { limit: MAX_HEAD_BYTES }.into_response();
    }
    next.run(request).await
}

/// 304 with no body when a 200's `ETag` matches the request's `If-None-Match` (RFC 9110:
/// `*`, or a list of tags compared weakly).
pub async fn conditional_get(request: Request, next: Next) -> Response {
    let if_none_match = request.headers().typed_get::<headers::IfNoneMatch>();
    let response = next.run(request).await;
    let Some(if_none_match) = if_none_match else { return response };
    if response.status() != StatusCode::OK {
        return response;
    }
    let etag = response.headers().typed_get::<headers::ETag>();
    match etag {
        Some(etag) if !if_none_match.precondition_passes(&etag) => {
            let mut not_modified = Response::new(Body::empty());
            *not_modified.status_mut() = StatusCode::NOT_MODIFIED;
            // A 304 carries the validator and the caching rules the 200 would (RFC 9110 15.4.5).
            for name in [ETAG, CACHE_CONTROL] {
                if let Some(value) = response.headers().get(&name) {
                    not_modified.headers_mut().insert(name, value.clone());
                }
            }
            not_modified
        }
        _ => response,
    }
}

/// Asks the app's [`super::Guard`] about a request before the router sees it.
pub async fn admit<G: super::Guard>(
    axum::extract::State(guard): axum::extract::State<G>,
    request: Request,
    next: Next,
) -> Response {
    let route = super::Route::for_request(request.method(), request.uri().path());
    match guard.admit(request.headers(), route).await {
        Ok(()) => next.run(request).await,
        Err(refused) => refused.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn the_stage_segment_is_taken_off_whole() {
        assert_eq!(strip_stage("/prod/v3/agents/8", "prod"), Some("/v3/agents/8"));
        assert_eq!(strip_stage("/prod", "prod"), Some("/"));
        assert_eq!(strip_stage("/prod/", "prod"), Some("/"));
        // Only a whole first segment that is the stage, spelled as the stage is.
        assert_eq!(strip_stage("/production/v3/agents/8", "prod"), None);
        assert_eq!(strip_stage("/Prod/v3/agents/8", "prod"), None);
        assert_eq!(strip_stage("/v3/agents/8", "prod"), None);
        assert_eq!(strip_stage("/v3/prod/8", "prod"), None);
    }

    #[test]
    fn the_trace_id_is_the_headers_root() {
        let header = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
        assert_eq!(TraceId::from_header(header), Some(TraceId("1-5759e988-bd862e3fe1be46a994272793".into())));
        assert_eq!(
            TraceId::from_header("Parent=53995c3f42cd8ad8; Root=1-5759e988-bd862e3fe1be46a994272793"),
            Some(TraceId("1-5759e988-bd862e3fe1be46a994272793".into()))
        );
        for bad in ["", "Sampled=1", "Root=", "Root=1-xyz", "Root=1-5759e988 \"", "1-5759e988-bd862e3fe1be46a994272793"]
        {
            assert_eq!(TraceId::from_header(bad), None, "{bad}");
        }
        assert_eq!(TraceId::from_header(&format!("Root={}", "a".repeat(65))), None);
    }
}

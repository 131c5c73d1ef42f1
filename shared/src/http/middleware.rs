//! What every request goes through, whatever its route, applied once by `super::layered`:
//! its request id (CONTRACT 8), one access-log line and its metrics, the limit on its
//! headers, and conditional GETs (`If-None-Match` → 304, CONTRACT 7).

use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{CACHE_CONTROL, ETAG};
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

/// The span every line about one request is written in: its id, method and path.
pub fn request_span(function: &'static str) -> impl Fn(&Request) -> Span + Clone {
    move |request: &Request| {
        let id = request.headers().get(&X_REQUEST_ID).and_then(|value| value.to_str().ok()).unwrap_or_default();
        // A URI's path is ASCII, so cutting it at a byte count is safe.
        let path = request.uri().path();
        let path = &path[..path.len().min(200)];
        tracing::info_span!("request", request_id = %id, function, method = %request.method(), path = %path)
    }
}

/// One access-log line and the request's metrics (latency, client and server errors), then
/// the request's EMF line.
pub fn served(response: &Response, latency: Duration, _span: &Span) {
    let status = response.status();
    tracing::info!(status = status.as_u16(), elapsed_us = latency.as_micros() as u64, "request served");
    let request_id = response.headers().get(&X_REQUEST_ID).and_then(|value| value.to_str().ok()).unwrap_or_default();
    telemetry::record_request(status, latency);
    telemetry::flush_metrics(request_id);
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
}

//! What a route answers: a JSON representation (200 with an `ETag`), the POST's plain `ok`,
//! or an [`ApiError`] as problem+json (RFC 9457) with the headers its status calls for.

use axum::http::header::{ALLOW, CACHE_CONTROL, CONNECTION, CONTENT_TYPE, ETAG, RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::error::{ApiError, RETRY_AFTER_SECONDS};

pub const JSON: &str = "application/json; charset=utf-8";
pub const PROBLEM_JSON: &str = "application/problem+json";
pub const TEXT: &str = "text/plain; charset=utf-8";

/// Every GET answers rows of the contact center: agents' email, address and phones, callers'
/// numbers, task values such as a customer's phone. No shared cache may keep them, and a
/// private one must ask again (a 304 is cheap): `private, no-cache`.
pub const CACHE_PERSONAL_DATA: &str = "private, no-cache";

/// A GET's answer: the JSON body with a strong `ETag` and [`CACHE_PERSONAL_DATA`] (304s are
/// the conditional-GET middleware's business).
#[derive(Debug)]
pub struct Representation(Vec<u8>);

impl Representation {
    pub fn of<T: serde::Serialize>(value: &T) -> Result<Self, ApiError> {
        serde_json::to_vec(value).map(Self).map_err(ApiError::internal)
    }
}

impl IntoResponse for Representation {
    fn into_response(self) -> Response {
        let headers = [
            (CONTENT_TYPE, HeaderValue::from_static(JSON)),
            (ETAG, etag(&self.0)),
            (CACHE_CONTROL, HeaderValue::from_static(CACHE_PERSONAL_DATA)),
        ];
        (headers, self.0).into_response()
    }
}

/// A strong validator for a body: its length and XXH3 hash, in hex. Stable across builds and
/// processes, so every function instance gives the same representation the same tag.
pub fn etag(body: &[u8]) -> HeaderValue {
    let tag = format!("\"{:x}-{:016x}\"", body.len(), xxhash_rust::xxh3::xxh3_64(body));
    HeaderValue::try_from(tag).expect("hex digits and quotes are a valid header value")
}

/// The POST's answer: `ok`, 201 when a row was created, 200 when all were replaced.
#[derive(Debug)]
pub struct Written {
    pub created: bool,
}

impl IntoResponse for Written {
    fn into_response(self) -> Response {
        let status = if self.created { StatusCode::CREATED } else { StatusCode::OK };
        (status, [(CONTENT_TYPE, HeaderValue::from_static(TEXT))], "ok").into_response()
    }
}

/// Logs the cause (inside the request's span, so the line carries the request id), then
/// answers the contract's problem+json; `Allow` with a 405, `Retry-After` with a 503.
impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.log();
        let mut response =
            (self.status(), [(CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON))], self.to_problem_json())
                .into_response();
        let headers = response.headers_mut();
        match &self {
            ApiError::MethodNotAllowed { allow, .. } => {
                headers.insert(ALLOW, HeaderValue::from_static(allow));
            }
            ApiError::Unavailable { .. } | ApiError::KeysUnavailable => {
                headers.insert(RETRY_AFTER, HeaderValue::from_static(RETRY_AFTER_SECONDS));
            }
            ApiError::RequestTimeout { .. } => {
                headers.insert(CONNECTION, HeaderValue::from_static("close"));
            }
            ApiError::Unauthorized => {
                headers.insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            _ => {}
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etag_is_quoted_length_and_hash_in_hex() {
        let tag = etag(&[0u8; 670]);
        let text = tag.to_str().unwrap();
        assert!(text.starts_with("\"29e-") && text.ends_with('"') && text.len() == 2 + 3 + 1 + 16, "{text}");
    }

    #[test]
    fn etag_changes_with_the_body_and_only_with_it() {
        assert_eq!(etag(b"[]"), etag(b"[]"));
        assert_ne!(etag(b"[1]"), etag(b"[2]"));
    }

    #[test]
    fn a_405_names_the_allowed_method_and_a_503_says_when_to_retry() {
        let response = ApiError::MethodNotAllowed { method: "DELETE".into(), allow: "GET" }.into_response();
        assert_eq!(response.headers()[ALLOW], "GET");
        let response = ApiError::from(sqlx::Error::PoolTimedOut).into_response();
        assert_eq!(response.headers()[RETRY_AFTER], RETRY_AFTER_SECONDS);
        assert_eq!(response.headers()[CONTENT_TYPE], PROBLEM_JSON);
    }
}

//! What a handler takes from a request, parsed once here: the path's id as its type
//! (`TaskId`, `InteractionId`, …), and the POST's body as validated writes. A failure is
//! the [`ApiError`] the contract gives it.

use axum::body::Body;
use axum::extract::rejection::RawPathParamsRejection;
use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request};
use axum::http::HeaderMap;
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use http_body_util::BodyExt;

use crate::error::ApiError;
use crate::ids::{AgentId, CampaignId, InteractionId, PathId, TaskId};
use crate::models::OutgoingParameterWrite;
use crate::validation;

/// Request bodies above this are refused with 413.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// How much of an oversized body is read (and dropped) before the 413 is sent, so a client
/// that writes its whole body before reading gets the answer instead of a reset connection.
const DRAIN_LIMIT: usize = 16 * 1024 * 1024;

/// The id a route's path names, parsed from its parameter as axum percent-decoded it (once).
async fn path_id<T: PathId>(parts: &mut Parts) -> Result<T, ApiError> {
    let parameters = match RawPathParams::from_request_parts(parts, &()).await {
        Ok(parameters) => parameters,
        Err(RawPathParamsRejection::InvalidUtf8InPathParam(_)) => return Err(T::refused()),
        Err(other) => return Err(ApiError::internal(other.body_text())),
    };
    let (_, text) = parameters
        .iter()
        .find(|(key, _)| *key == T::PARAMETER)
        .ok_or_else(|| ApiError::internal(format!("the route has no path parameter {}", T::PARAMETER)))?;
    T::parse(text)
}

/// Each id type is an extractor through [`path_id`]. (A blanket impl over `PathId` is not
/// allowed: both the trait and the types would have to be axum's or ours.)
macro_rules! extract_path_id {
    ($($id:ty),+) => {
        $(
            impl<S: Send + Sync> FromRequestParts<S> for $id {
                type Rejection = ApiError;

                async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
                    path_id(parts).await
                }
            }
        )+
    };
}

extract_path_id!(TaskId, CampaignId, AgentId, InteractionId);

/// The body of `POST /v3/parameters/outgoing`: JSON (415 otherwise), at most
/// [`MAX_BODY_BYTES`] (413), one write per (task, key) once validated (400).
pub struct ParameterWrites(pub Vec<OutgoingParameterWrite>);

impl<S: Send + Sync> FromRequest<S> for ParameterWrites {
    type Rejection = ApiError;

    async fn from_request(request: Request, _: &S) -> Result<Self, ApiError> {
        require_json(request.headers())?;
        let body = read_limited(request.into_body()).await?;
        validation::outgoing_parameters(&body).map(ParameterWrites)
    }
}

/// Content types read as JSON: none at all, `application/json`, or any `application/*+json`,
/// parameters (charset) aside.
fn require_json(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(value) = headers.get(CONTENT_TYPE) else { return Ok(()) };
    let text = value.to_str().unwrap_or_default();
    let is_json = text.parse::<mime::Mime>().is_ok_and(|mime| {
        mime.type_() == mime::APPLICATION && (mime.subtype() == mime::JSON || mime.suffix() == Some(mime::JSON))
    });
    if is_json {
        Ok(())
    } else {
        let shown: String = text.chars().filter(|c| !c.is_control()).take(100).collect();
        Err(ApiError::UnsupportedMediaType(shown))
    }
}

/// The body, or 413 once it passes [`MAX_BODY_BYTES`] (the rest, up to [`DRAIN_LIMIT`],
/// read and dropped). A broken upload is whatever arrived; validation judges it.
async fn read_limited(mut body: Body) -> Result<Vec<u8>, ApiError> {
    let mut buffer = Vec::new();
    let mut received = 0usize;
    while received <= DRAIN_LIMIT {
        match body.frame().await {
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    received += data.len();
                    if received <= MAX_BODY_BYTES {
                        buffer.extend_from_slice(&data);
                    }
                }
            }
            Some(Err(error)) => {
                if let Some(deadline) = crate::error::BodyDeadline::find(&error) {
                    return Err(ApiError::RequestTimeout { seconds: deadline.0.as_secs() });
                }
                break;
            }
            None => break,
        }
    }
    if received > MAX_BODY_BYTES { Err(ApiError::PayloadTooLarge { limit: MAX_BODY_BYTES }) } else { Ok(buffer) }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn content_type(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn json_content_types_are_accepted() {
        for value in
            ["application/json", "application/json; charset=utf-8", "Application/JSON", "application/merge-patch+json"]
        {
            assert!(require_json(&content_type(value)).is_ok(), "{value}");
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
            let error = require_json(&content_type(value)).unwrap_err();
            assert_eq!(error.status().as_u16(), 415, "{value}");
        }
    }

    #[tokio::test]
    async fn body_over_one_mebibyte_is_413() {
        assert!(read_limited(Body::from(vec![b' '; MAX_BODY_BYTES])).await.is_ok());
        let error = read_limited(Body::from(vec![b' '; MAX_BODY_BYTES + 1])).await.unwrap_err();
        assert_eq!(error.status().as_u16(), 413);
    }
}

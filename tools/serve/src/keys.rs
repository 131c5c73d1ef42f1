//! `serve`'s API-key check: the authorizer's own (`authorizer::Authorizer`, the same key list
//! format, scopes and expiry), asked before any route runs, answering as the gateway would
//! but in the contract's problem+json: 401 without a key, 403 for a key that is unknown,
//! revoked, expired or out of scope (one answer for all four), 503 while the keys cannot be read.

use std::sync::Arc;

use authorizer::{Authorizer, Denial, key_from_headers};
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use shared::ApiError;
use shared::http::{Guard, Route};

#[derive(Clone)]
pub struct KeyGuard(pub Arc<Authorizer>);

impl Guard for KeyGuard {
    async fn admit(&self, headers: &HeaderMap, route: Option<&'static Route>) -> Result<(), ApiError> {
        let key = key_from_headers(
            headers.get("x-api-key").map(|value| value.as_bytes()),
            headers.get(AUTHORIZATION).map(|value| value.as_bytes()),
        );
        match self.0.check(key, route.map(|route| route.scope)).await {
            Ok(_client) => Ok(()),
            Err(Denial::NoKey) => Err(ApiError::Unauthorized),
            Err(Denial::Refused(_)) => Err(ApiError::Forbidden),
            Err(Denial::KeyStore(_)) => Err(ApiError::KeysUnavailable),
        }
    }
}

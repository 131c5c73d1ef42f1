//! The API-key authorizer: an HTTP API (payload 2.0) Lambda REQUEST authorizer with simple
//! responses, guarding every route of the API.
//!
//! A request is allowed when the key it carries (`x-api-key`, else `Authorization: Bearer`)
//! hashes (SHA-256) to one of the hashes in the API keys secret; the answer's context names
//! the client (`{"client": "dialer-a"}`), which API Gateway puts in the access log
//! (`$context.authorizer.client`). Everything else is denied: no key, an unknown key, and any
//! failure to read or parse the secret. Nothing is ever allowed by default.
//!
//! - The secret is read with the AWS SDK, on the first request (not at start-up), and kept
//!   for `API_KEYS_CACHE_SECONDS` (default 60) per container. A failed read is not kept:
//!   the next request tries again.
//! - Hashes are compared in constant time, against every entry.
//! - The key never reaches a log line: an allowed request logs the client's name, a denied
//!   one the reason.
//!
//! `main.rs` builds one [`Authorizer`] from the environment and hands [`Authorizer::handle`]
//! to `lambda_runtime::run`; tests call [`Authorizer::authorize`] directly.

pub mod keys;

use std::{
    convert::Infallible,
    sync::Arc,
    time::{Duration, Instant},
};

use aws_lambda_events::apigw::{ApiGatewayV2CustomAuthorizerSimpleResponse, ApiGatewayV2CustomAuthorizerV2Request};
use lambda_runtime::LambdaEvent;
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use shared::aws::{AwsConfig, SecretStore, StoreError};

use crate::keys::{KeyFile, KeyList, hash_key};

pub use aws_lambda_events::apigw::ApiGatewayV2CustomAuthorizerV2Request as Request;

/// The authorizer's answer: `{"isAuthorized": true, "context": {"client": "dialer-a"}}`, or
/// `{"isAuthorized": false, "context": {}}`.
pub type Response = ApiGatewayV2CustomAuthorizerSimpleResponse<AuthContext>;

/// The response context: the caller's client name, on allowed requests only.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthContext {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
}

/// Where the secret is and how long to keep it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// ARN or name of the API keys secret (`API_KEYS_SECRET_ARN`).
    pub secret_id: String,
    /// How long a container keeps the key list (`API_KEYS_CACHE_SECONDS`, default 60).
    pub cache_ttl: Duration,
    /// Endpoint override for tests; `None` in Lambda (the SDK's own settings apply, among
    /// them `AWS_ENDPOINT_URL`).
    pub endpoint_url: Option<String>,
}

pub const DEFAULT_CACHE_SECONDS: u64 = 60;

impl Settings {
    /// From the process environment (read as every setting is: a blank variable is unset).
    pub fn from_env() -> Result<Settings, String> {
        Settings::from_lookup(shared::settings::env_var)
    }

    /// From any lookup (the environment in `main`, a map in tests).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Settings, String> {
        let get = |name: &str| get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let secret_id = get("API_KEYS_SECRET_ARN")
            .ok_or("API_KEYS_SECRET_ARN is not set: set it to the ARN of the API keys secret")?;
        let cache_seconds = match get("API_KEYS_CACHE_SECONDS") {
            None => DEFAULT_CACHE_SECONDS,
            Some(v) => v
                .parse::<u64>()
                .map_err(|_| format!("API_KEYS_CACHE_SECONDS must be a whole number of seconds, not {v:?}"))?,
        };
        Ok(Settings { secret_id, cache_ttl: Duration::from_secs(cache_seconds), endpoint_url: None })
    }
}

struct Cached {
    keys: Arc<KeyList>,
    loaded: Instant,
}

/// Why a key store read gave no key list (logged as the deny reason).
#[derive(Debug, thiserror::Error)]
enum LoadError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the secret is not a valid key list: {0}")]
    Format(#[from] keys::FormatError),
}

/// Per-container state: the secret's location, its lazily built client, the cached key list.
pub struct Authorizer {
    store: SecretStore,
    cache_ttl: Duration,
    cache: Mutex<Option<Cached>>,
}

impl Authorizer {
    /// Builds nothing that touches the network: the SDK client is made on the first request.
    pub fn new(settings: Settings) -> Authorizer {
        Authorizer {
            store: SecretStore::new(settings.secret_id, AwsConfig::lambda(settings.endpoint_url)),
            cache_ttl: settings.cache_ttl,
            cache: Mutex::new(None),
        }
    }

    /// The Lambda handler: never fails (a problem is a deny, with its reason logged).
    pub async fn handle(&self, event: LambdaEvent<Request>) -> Result<Response, Infallible> {
        Ok(self.authorize(&event.payload).await)
    }

    /// Allows the request when its key's hash is in the secret; denies it otherwise.
    pub async fn authorize(&self, request: &ApiGatewayV2CustomAuthorizerV2Request) -> Response {
        let Some(key) = presented_key(request) else {
            tracing::info!(reason = "no API key", "denied: no x-api-key header and no Authorization: Bearer");
            return deny();
        };
        let hash = hash_key(key);
        let keys = match self.keys().await {
            Ok(keys) => keys,
            Err(error) => {
                let reason = match error {
                    LoadError::Store(_) => "key store unavailable",
                    LoadError::Format(_) => "key store malformed",
                };
                tracing::error!(
                    reason,
                    secret = self.store.secret_id(),
                    %error,
                    "denied: the API keys could not be read"
                );
                return deny();
            }
        };
        match keys.find(&hash) {
            Some(client) => {
                tracing::info!(client, "allowed");
                allow(client)
            }
            None => {
                tracing::info!(reason = "unknown API key", "denied: unknown API key");
                deny()
            }
        }
    }

    /// The key list: the cached one while it is younger than the TTL, else read afresh. The
    /// lock is held during the read, so concurrent requests on a cold cache read once.
    async fn keys(&self) -> Result<Arc<KeyList>, LoadError> {
        let mut cache = self.cache.lock().await;
        if let Some(cached) = cache.as_ref()
            && cached.loaded.elapsed() < self.cache_ttl
        {
            return Ok(Arc::clone(&cached.keys));
        }
        let text = self.store.read().await?;
        let keys = Arc::new(KeyFile::parse(&text)?.to_key_list());
        tracing::debug!(keys = keys.len(), "API keys loaded");
        *cache = Some(Cached { keys: Arc::clone(&keys), loaded: Instant::now() });
        Ok(keys)
    }
}

/// The key the request carries: `x-api-key`, else `Authorization: Bearer <key>` (scheme
/// case-insensitive), surrounding whitespace removed. `None` when neither is there or empty.
pub fn presented_key(request: &ApiGatewayV2CustomAuthorizerV2Request) -> Option<&[u8]> {
    if let Some(value) = request.headers.get("x-api-key") {
        let key = value.as_bytes().trim_ascii();
        if !key.is_empty() {
            return Some(key);
        }
    }
    let value = request.headers.get("authorization")?.as_bytes().trim_ascii();
    let (scheme, rest) = value.split_at_checked(6)?;
    if !scheme.eq_ignore_ascii_case(b"bearer") || !rest.first()?.is_ascii_whitespace() {
        return None;
    }
    Some(rest.trim_ascii()).filter(|key| !key.is_empty())
}

fn allow(client: &str) -> Response {
    let mut response = Response::default();
    response.is_authorized = true;
    response.context = AuthContext { client: Some(client.to_owned()) };
    response
}

fn deny() -> Response {
    Response::default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn request(headers: &[(&str, &str)]) -> Request {
        let headers: serde_json::Map<String, serde_json::Value> =
            headers.iter().map(|(k, v)| (k.to_string(), serde_json::Value::from(*v))).collect();
        serde_json::from_value(serde_json::json!({
            "version": "2.0",
            "type": "REQUEST",
            "routeArn": "arn:aws:execute-api:us-east-1:123456789012:abcdef123/$default/GET/v3/agents/8",
            "identitySource": ["k"],
            "routeKey": "GET /v3/agents/{agent_id}",
            "rawPath": "/v3/agents/8",
            "rawQueryString": "",
            "headers": headers,
            "requestContext": {
                "accountId": "123456789012", "apiId": "abcdef123", "domainName": "x", "domainPrefix": "x",
                "http": {"method": "GET", "path": "/v3/agents/8", "protocol": "HTTP/1.1", "sourceIp": "10.0.0.1", "userAgent": "t"},
                "requestId": "r", "routeKey": "GET /v3/agents/{agent_id}", "stage": "$default",
                "time": "05/Nov/2026:10:00:00 +0000", "timeEpoch": 1793872800000u64
            }
        }))
        .unwrap()
    }

    #[test]
    fn the_key_comes_from_x_api_key_or_a_bearer_token() {
        assert_eq!(presented_key(&request(&[("x-api-key", "k1")])), Some(&b"k1"[..]));
        assert_eq!(presented_key(&request(&[("X-Api-Key", " k1 ")])), Some(&b"k1"[..]));
        assert_eq!(presented_key(&request(&[("authorization", "Bearer k2")])), Some(&b"k2"[..]));
        assert_eq!(presented_key(&request(&[("Authorization", "bearer   k2 ")])), Some(&b"k2"[..]));
        // x-api-key wins; an empty x-api-key falls back to the bearer token.
        assert_eq!(presented_key(&request(&[("x-api-key", "k1"), ("authorization", "Bearer k2")])), Some(&b"k1"[..]));
        assert_eq!(presented_key(&request(&[("x-api-key", ""), ("authorization", "Bearer k2")])), Some(&b"k2"[..]));
    }

    #[test]
    fn no_usable_key_is_none() {
        for headers in [
            &[][..],
            &[("x-api-key", "  ")][..],
            &[("authorization", "Bearer")][..],
            &[("authorization", "Bearer   ")][..],
            &[("authorization", "Bearerk2")][..],
            &[("authorization", "Basic azE6azI=")][..],
            &[("authorization", "k2")][..],
        ] {
            assert_eq!(presented_key(&request(headers)), None, "{headers:?}");
        }
    }

    #[test]
    fn responses_have_the_simple_response_shape() {
        assert_eq!(
            serde_json::to_value(allow("dialer-a")).unwrap(),
            serde_json::json!({"isAuthorized": true, "context": {"client": "dialer-a"}})
        );
        assert_eq!(serde_json::to_value(deny()).unwrap(), serde_json::json!({"isAuthorized": false, "context": {}}));
    }

    #[test]
    fn settings_from_the_environment() {
        let env = |pairs: &[(&str, &str)]| {
            let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            Settings::from_lookup(move |k| map.get(k).cloned())
        };
        let s = env(&[("API_KEYS_SECRET_ARN", "arn:x")]).unwrap();
        assert_eq!(s.secret_id, "arn:x");
        assert_eq!(s.cache_ttl, Duration::from_secs(60));
        let s = env(&[("API_KEYS_SECRET_ARN", "arn:x"), ("API_KEYS_CACHE_SECONDS", "0")]).unwrap();
        assert_eq!(s.cache_ttl, Duration::ZERO);
        assert!(env(&[]).unwrap_err().contains("API_KEYS_SECRET_ARN"));
        assert!(env(&[("API_KEYS_SECRET_ARN", " ")]).is_err());
        assert!(
            env(&[("API_KEYS_SECRET_ARN", "arn:x"), ("API_KEYS_CACHE_SECONDS", "1m")])
                .unwrap_err()
                .contains("API_KEYS_CACHE_SECONDS")
        );
    }
}

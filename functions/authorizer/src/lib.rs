//! The API-key authorizer: an HTTP API (payload 2.0) Lambda REQUEST authorizer with simple
//! responses, guarding every route of the API; the same checks guard `serve`.
//!
//! A request is allowed when the key it carries (`x-api-key`, else `Authorization: Bearer`)
//! hashes (SHA-256) to one of the hashes in the API keys secret, the key has not expired, and
//! its scopes cover the route the gateway matched (`routeKey`; keys issued before scopes
//! existed cover every route, and `$default`, which answers only the contract's 404/405, takes
//! any valid key). The answer's context names the client (`{"client": "dialer-a"}`), which API
//! Gateway puts in the access log (`$context.authorizer.client`). Everything else is denied: no
//! key, an unknown, expired or out-of-scope key, a route key the table does not know, and any
//! failure to read or parse the secret. Nothing is ever allowed by default.
//!
//! - The key list is read on the first request (not at start-up): from Secrets Manager with
//!   the AWS SDK in Lambda, or from a file (`serve` with `API_KEYS_FILE`); kept for
//!   `API_KEYS_CACHE_SECONDS` (default 60) per process. A failed read is not kept: the next
//!   request tries again.
//! - Hashes are compared in constant time, against every entry.
//! - The key never reaches a log line: an allowed request logs the client's name, a denied
//!   one the reason (and the client, when the key was known).
//!
//! `main.rs` builds one [`Authorizer`] from the environment and hands [`Authorizer::handle`]
//! to `lambda_runtime::run`; `serve` calls [`Authorizer::check`]; tests call both.

pub mod keys;

use std::{
    convert::Infallible,
    path::PathBuf,
    sync::Arc,
    time::{Duration, Instant, SystemTime},
};

use aws_lambda_events::apigw::{ApiGatewayV2CustomAuthorizerSimpleResponse, ApiGatewayV2CustomAuthorizerV2Request};
use lambda_runtime::LambdaEvent;
use serde::{Deserialize, Serialize};
use shared::http::Route;
use shared::scope::Scope;
use tokio::sync::Mutex;

use shared::aws::{AwsConfig, SecretStore, StoreError};

use crate::keys::{KeyFile, KeyList, Refusal, hash_key};

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

/// Where the key list is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// ARN or name of the API keys secret (`API_KEYS_SECRET_ARN`).
    Secret(String),
    /// A file holding the secret's JSON (`API_KEYS_FILE`; `serve` only).
    File(PathBuf),
}

/// Where the keys are and how long to keep them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub source: KeySource,
    /// How long a process keeps the key list (`API_KEYS_CACHE_SECONDS`, default 60).
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

    /// From any lookup (the environment in `main`, a map in tests). `API_KEYS_FILE` wins over
    /// `API_KEYS_SECRET_ARN` when both are set.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Settings, String> {
        Settings::lookup_optional(get)?.ok_or_else(|| {
            "API_KEYS_SECRET_ARN is not set: set it to the ARN of the API keys secret \
             (or API_KEYS_FILE to a file holding the secret's JSON)"
                .to_owned()
        })
    }

    /// As [`Settings::from_lookup`], but `None` when neither variable is set (`serve` then
    /// needs `SERVE_OPEN=1`).
    pub fn lookup_optional(get: impl Fn(&str) -> Option<String>) -> Result<Option<Settings>, String> {
        let get = |name: &str| get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let source = match (get("API_KEYS_FILE"), get("API_KEYS_SECRET_ARN")) {
            (Some(path), _) => KeySource::File(PathBuf::from(path)),
            (None, Some(secret)) => KeySource::Secret(secret),
            (None, None) => return Ok(None),
        };
        let cache_seconds = match get("API_KEYS_CACHE_SECONDS") {
            None => DEFAULT_CACHE_SECONDS,
            Some(v) => v
                .parse::<u64>()
                .map_err(|_| format!("API_KEYS_CACHE_SECONDS must be a whole number of seconds, not {v:?}"))?,
        };
        Ok(Some(Settings { source, cache_ttl: Duration::from_secs(cache_seconds), endpoint_url: None }))
    }
}

struct Cached {
    keys: Arc<KeyList>,
    loaded: Instant,
}

/// Why the key list could not be had (logged as the deny reason, never returned).
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot read the API keys file {path}: {error}")]
    File { path: String, error: std::io::Error },
    #[error("the keys are not a valid key list: {0}")]
    Format(#[from] keys::FormatError),
}

impl LoadError {
    fn reason(&self) -> &'static str {
        match self {
            LoadError::Store(_) | LoadError::File { .. } => "key store unavailable",
            LoadError::Format(_) => "key store malformed",
        }
    }
}

/// Why a request is not allowed.
#[derive(Debug, thiserror::Error)]
pub enum Denial {
    /// No `x-api-key` and no `Authorization: Bearer` (the gateway's 401).
    #[error("no API key")]
    NoKey,
    /// A key was presented and refused (the gateway's 403).
    #[error("{}", .0.reason())]
    Refused(Refusal),
    /// The key list could not be read: nothing is allowed until it can be.
    #[error("{}", .0.reason())]
    KeyStore(#[source] LoadError),
}

/// What a request must be allowed to call: a route's scope, or `None` for a request no route
/// takes (`$default`).
pub type Required = Option<Scope>;

/// Where the key list is read from.
enum Store {
    Secret(SecretStore),
    File(PathBuf),
}

/// Per-process state: the key list's location, its lazily built client, the cached list.
pub struct Authorizer {
    store: Store,
    cache_ttl: Duration,
    cache: Mutex<Option<Cached>>,
}

impl Authorizer {
    /// Builds nothing that touches the network: the SDK client is made on the first request.
    pub fn new(settings: Settings) -> Authorizer {
        let store = match settings.source {
            KeySource::Secret(id) => Store::Secret(SecretStore::new(id, AwsConfig::lambda(settings.endpoint_url))),
            KeySource::File(path) => Store::File(path),
        };
        Authorizer { store, cache_ttl: settings.cache_ttl, cache: Mutex::new(None) }
    }

    /// Where the keys come from, for logs (an ARN or a path; never their content).
    pub fn source(&self) -> String {
        match &self.store {
            Store::Secret(store) => store.secret_id().to_owned(),
            Store::File(path) => path.display().to_string(),
        }
    }

    /// The Lambda handler: never fails (a problem is a deny, with its reason logged).
    pub async fn handle(&self, event: LambdaEvent<Request>) -> Result<Response, Infallible> {
        Ok(self.authorize(&event.payload).await)
    }

    /// Allows the request when its key is known, unexpired and its scopes cover the route the
    /// gateway matched; denies it otherwise.
    pub async fn authorize(&self, request: &ApiGatewayV2CustomAuthorizerV2Request) -> Response {
        let route_key = request.route_key.as_deref().unwrap_or("");
        let required = match route_key {
            "$default" => None,
            key => match Route::by_route_key(key) {
                Some(route) => Some(route.scope),
                None => {
                    tracing::error!(route_key, "denied: a route key the route table does not have");
                    return deny();
                }
            },
        };
        match self.check(presented_key(request), required).await {
            Ok(client) => allow(&client),
            Err(_) => deny(),
        }
    }

    /// Whether `key` may make a request needing `required`: the client's name, or why not.
    /// Logs the outcome (client or reason, never the key).
    pub async fn check(&self, key: Option<&[u8]>, required: Required) -> Result<String, Denial> {
        let required_name = required.map_or("none (no route)", Scope::as_str);
        let Some(key) = key else {
            tracing::info!(reason = "no API key", "denied: no x-api-key header and no Authorization: Bearer");
            return Err(Denial::NoKey);
        };
        let hash = hash_key(key);
        let keys = match self.keys().await {
            Ok(keys) => keys,
            Err(error) => {
                tracing::error!(reason = error.reason(), source = self.source(), %error, "denied: the API keys could not be read");
                return Err(Denial::KeyStore(error));
            }
        };
        match keys.check(&hash, required, SystemTime::now().into()) {
            Ok(client) => {
                tracing::info!(client, scope = required_name, "allowed");
                Ok(client.to_owned())
            }
            Err(refusal) => {
                let client = keys.find(&hash).map(|k| k.client.as_str());
                tracing::info!(
                    reason = refusal.reason(),
                    client,
                    scope = required_name,
                    "denied: {}",
                    refusal.reason()
                );
                Err(Denial::Refused(refusal))
            }
        }
    }

    /// Reads the key list now (`serve` does at start, to fail fast): how many keys it holds.
    pub async fn load(&self) -> Result<usize, LoadError> {
        Ok(self.keys().await?.len())
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
        let text = match &self.store {
            Store::Secret(store) => store.read().await?,
            Store::File(path) => tokio::fs::read_to_string(path)
                .await
                .map_err(|error| LoadError::File { path: path.display().to_string(), error })?,
        };
        let keys = Arc::new(KeyFile::parse(&text)?.to_key_list());
        tracing::debug!(keys = keys.len(), "API keys loaded");
        *cache = Some(Cached { keys: Arc::clone(&keys), loaded: Instant::now() });
        Ok(keys)
    }
}

/// The key the request carries: `x-api-key`, else `Authorization: Bearer <key>` (scheme
/// case-insensitive), surrounding whitespace removed. `None` when neither is there or empty.
pub fn presented_key(request: &ApiGatewayV2CustomAuthorizerV2Request) -> Option<&[u8]> {
    key_from_headers(
        request.headers.get("x-api-key").map(|v| v.as_bytes()),
        request.headers.get("authorization").map(|v| v.as_bytes()),
    )
}

/// [`presented_key`] from the two header values (`serve` reads them from its request).
pub fn key_from_headers<'a>(x_api_key: Option<&'a [u8]>, authorization: Option<&'a [u8]>) -> Option<&'a [u8]> {
    if let Some(value) = x_api_key {
        let key = value.trim_ascii();
        if !key.is_empty() {
            return Some(key);
        }
    }
    let value = authorization?.trim_ascii();
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
        assert_eq!(s.source, KeySource::Secret("arn:x".into()));
        let s = env(&[("API_KEYS_SECRET_ARN", "arn:x"), ("API_KEYS_FILE", "/k.json")]).unwrap();
        assert_eq!(s.source, KeySource::File("/k.json".into()));
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

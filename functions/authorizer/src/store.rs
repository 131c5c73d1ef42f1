//! The Secrets Manager secret holding the key hashes: one lazily built SDK client, bounded
//! time for every call, and errors rendered without the secret's content.

use std::time::Duration;

use aws_config::{BehaviorVersion, retry::RetryConfig, timeout::TimeoutConfig};
use aws_sdk_secretsmanager::{Client, error::DisplayErrorContext};
use tokio::sync::OnceCell;

/// How long calls may take. The authorizer must answer (deny) well inside its Lambda timeout
/// (5 s in template.yaml), so its calls are bounded tightly; the command uses the SDK's own,
/// more patient, defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Patience {
    /// Connect 1 s, each attempt 1.5 s, two attempts, 3 s in all.
    Authorizer,
    /// The SDK's defaults (standard retries, no overall limit).
    Command,
}

/// Failures of a secret read or write. The text is the SDK's error chain (the operation, the
/// service's error code and message, or the network error), never the secret value.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Reading: the secret has no value yet, or does not exist (Secrets Manager answers
    /// `ResourceNotFoundException` to both). Writing: the secret does not exist.
    #[error("the secret {0} was not found, or has no value yet (ResourceNotFoundException)")]
    NotFound(String),
    #[error("the secret has a binary value, not a string")]
    NotAString,
    #[error("reading the secret failed: {0}")]
    Read(String),
    #[error("writing the secret failed: {0}")]
    Write(String),
}

/// One secret, by ARN or name. The SDK configuration and client are built on first use (not
/// at start-up: no network and no credential lookup during a cold start).
pub struct SecretStore {
    secret_id: String,
    endpoint_url: Option<String>,
    patience: Patience,
    client: OnceCell<Client>,
}

impl SecretStore {
    /// `endpoint_url` overrides the endpoint (tests); `None` leaves it to the SDK's usual
    /// settings (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_SECRETS_MANAGER`, the profile).
    pub fn new(secret_id: impl Into<String>, endpoint_url: Option<String>, patience: Patience) -> Self {
        SecretStore { secret_id: secret_id.into(), endpoint_url, patience, client: OnceCell::new() }
    }

    pub fn secret_id(&self) -> &str {
        &self.secret_id
    }

    async fn client(&self) -> &Client {
        self.client
            .get_or_init(|| async {
                let mut loader = aws_config::defaults(BehaviorVersion::latest());
                if self.patience == Patience::Authorizer {
                    loader = loader
                        .timeout_config(
                            TimeoutConfig::builder()
                                .connect_timeout(Duration::from_secs(1))
                                .operation_attempt_timeout(Duration::from_millis(1500))
                                .operation_timeout(Duration::from_secs(3))
                                .build(),
                        )
                        .retry_config(RetryConfig::standard().with_max_attempts(2));
                }
                if let Some(url) = &self.endpoint_url {
                    loader = loader.endpoint_url(url);
                }
                Client::new(&loader.load().await)
            })
            .await
    }

    /// The secret's current string value.
    pub async fn read(&self) -> Result<String, StoreError> {
        let output = self.client().await.get_secret_value().secret_id(&self.secret_id).send().await.map_err(|e| {
            if e.as_service_error().is_some_and(|s| s.is_resource_not_found_exception()) {
                StoreError::NotFound(self.secret_id.clone())
            } else {
                StoreError::Read(DisplayErrorContext(&e).to_string())
            }
        })?;
        match output.secret_string {
            Some(text) => Ok(text),
            None => Err(StoreError::NotAString),
        }
    }

    /// Stores `value` as the secret's new current version.
    pub async fn write(&self, value: String) -> Result<(), StoreError> {
        self.client().await.put_secret_value().secret_id(&self.secret_id).secret_string(value).send().await.map_err(
            |e| {
                if e.as_service_error().is_some_and(|s| s.is_resource_not_found_exception()) {
                    StoreError::NotFound(self.secret_id.clone())
                } else {
                    StoreError::Write(DisplayErrorContext(&e).to_string())
                }
            },
        )?;
        Ok(())
    }
}

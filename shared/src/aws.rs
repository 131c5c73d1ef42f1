//! The AWS SDK as the functions use it: one lazily loaded configuration, bounded time for
//! every call a request waits on, and Secrets Manager reads whose errors never carry the
//! secret's content. Used by the authorizer (API key hashes) and by the database
//! credentials (the RDS-managed secret, IAM auth tokens).

use std::sync::Arc;
use std::time::Duration;

use aws_config::{BehaviorVersion, SdkConfig, retry::RetryConfig, timeout::TimeoutConfig};
use aws_sdk_secretsmanager::{Client, error::DisplayErrorContext};
use tokio::sync::OnceCell;

/// How long calls may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Patience {
    /// A request is waiting (the authorizer's answer, a database connection): connect 1 s,
    /// each attempt 1.5 s, two attempts, 3 s in all, well inside the functions' timeouts.
    Request,
    /// An operator's command: the SDK's defaults (standard retries, no overall limit).
    Command,
}

/// The SDK configuration (region, credentials, endpoint, timeouts), loaded on first use: no
/// credential lookup and no network during a cold start, and none at all for a function
/// that never needs AWS (one configured with `DATABASE_URL`).
pub struct AwsConfig {
    endpoint_url: Option<String>,
    patience: Patience,
    config: OnceCell<SdkConfig>,
}

impl AwsConfig {
    /// `endpoint_url` overrides the endpoint (tests); `None` leaves it to the SDK's usual
    /// settings (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_SECRETS_MANAGER`, the profile).
    pub fn new(endpoint_url: Option<String>, patience: Patience) -> Self {
        AwsConfig { endpoint_url, patience, config: OnceCell::new() }
    }

    /// An already loaded configuration (tests that pin the clock, say).
    pub fn preloaded(config: SdkConfig) -> Self {
        AwsConfig { endpoint_url: None, patience: Patience::Request, config: OnceCell::from(config) }
    }

    pub async fn get(&self) -> &SdkConfig {
        self.config
            .get_or_init(|| async {
                let mut loader = aws_config::defaults(BehaviorVersion::latest());
                if self.patience == Patience::Request {
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
                loader.load().await
            })
            .await
    }
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

/// One secret, by ARN or name, read and written through a lazily built client.
pub struct SecretStore {
    secret_id: String,
    aws: Arc<AwsConfig>,
    client: OnceCell<Client>,
}

impl SecretStore {
    /// See [`AwsConfig::new`] for `endpoint_url` and `patience`.
    pub fn new(secret_id: impl Into<String>, endpoint_url: Option<String>, patience: Patience) -> Self {
        Self::with_config(secret_id, AwsConfig::new(endpoint_url, patience))
    }

    pub fn with_config(secret_id: impl Into<String>, aws: AwsConfig) -> Self {
        Self::with_shared_config(secret_id, Arc::new(aws))
    }

    /// Sharing one AWS configuration with other clients (the IAM token signer).
    pub fn with_shared_config(secret_id: impl Into<String>, aws: Arc<AwsConfig>) -> Self {
        SecretStore { secret_id: secret_id.into(), aws, client: OnceCell::new() }
    }

    pub fn secret_id(&self) -> &str {
        &self.secret_id
    }

    async fn client(&self) -> &Client {
        self.client.get_or_init(|| async { Client::new(self.aws.get().await) }).await
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

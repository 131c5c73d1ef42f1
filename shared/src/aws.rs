//! The AWS SDK as the functions use it: one lazily built configuration, bounded time for
//! every call a request waits on, and Secrets Manager reads whose errors never carry the
//! secret's content. Used by the authorizer (API key hashes) and by the database
//! credentials (the RDS-managed secret, IAM auth tokens).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use aws_config::environment::EnvironmentVariableCredentialsProvider;
use aws_config::{BehaviorVersion, Region, SdkConfig, retry::RetryConfig, timeout::TimeoutConfig};
use aws_sdk_secretsmanager::config::SharedCredentialsProvider;
use aws_sdk_secretsmanager::{Client, error::DisplayErrorContext};
use aws_smithy_async::rt::sleep::{SharedAsyncSleep, TokioSleep};
use aws_smithy_async::time::{SharedTimeSource, SystemTimeSource};
use tokio::sync::OnceCell;

type Loader = Box<dyn Fn() -> Pin<Box<dyn Future<Output = SdkConfig> + Send>> + Send + Sync>;

/// The SDK configuration (region, credentials, endpoint, timeouts), built on first use: no
/// credential lookup and no network during a cold start, and none at all for a function
/// that never needs AWS (one configured with `DATABASE_URL`).
pub struct AwsConfig {
    load: Loader,
    config: OnceCell<SdkConfig>,
}

impl AwsConfig {
    /// For the Lambda functions: what Lambda puts in the environment and nothing else
    /// (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION`; and
    /// `AWS_ENDPOINT_URL`, which the tests use, unless `endpoint_url` overrides it). Calls
    /// are bounded as a waiting request needs: connect 1 s, each attempt 1.5 s, two attempts,
    /// 3 s in all. Leaving out the SDK's default provider chain (profiles, SSO, STS web
    /// identity, container and instance metadata) keeps its code out of the binaries.
    pub fn lambda(endpoint_url: Option<String>) -> Self {
        Self::with_loader(Box::new(move || {
            let config = lambda_config(endpoint_url.clone());
            Box::pin(async move { config })
        }))
    }

    /// For an operator's command: the SDK's default chain (profiles, SSO, environment,
    /// instance roles…) and its default, patient, retries.
    pub fn default_chain() -> Self {
        Self::with_loader(Box::new(|| Box::pin(aws_config::defaults(BehaviorVersion::latest()).load())))
    }

    /// An already built configuration (tests that pin the clock, say).
    pub fn preloaded(config: SdkConfig) -> Self {
        AwsConfig { load: Box::new(|| unreachable_loader()), config: OnceCell::from(config) }
    }

    fn with_loader(load: Loader) -> Self {
        AwsConfig { load, config: OnceCell::new() }
    }

    pub async fn get(&self) -> &SdkConfig {
        self.config.get_or_init(|| (self.load)()).await
    }
}

/// A preloaded configuration is never loaded again; should it be, an empty one (every call
/// then fails for want of a region or credentials) beats a panic.
fn unreachable_loader() -> Pin<Box<dyn Future<Output = SdkConfig> + Send>> {
    Box::pin(async { SdkConfig::builder().behavior_version(BehaviorVersion::latest()).build() })
}

fn lambda_config(endpoint_url: Option<String>) -> SdkConfig {
    let env = crate::settings::env_var;
    let mut builder = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .credentials_provider(SharedCredentialsProvider::new(EnvironmentVariableCredentialsProvider::new()))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(1))
                .operation_attempt_timeout(Duration::from_millis(1500))
                .operation_timeout(Duration::from_secs(3))
                .build(),
        )
        .retry_config(RetryConfig::standard().with_max_attempts(2))
        .sleep_impl(SharedAsyncSleep::new(TokioSleep::new()))
        .time_source(SharedTimeSource::new(SystemTimeSource::new()));
    if let Some(region) = env("AWS_REGION").or_else(|| env("AWS_DEFAULT_REGION")) {
        builder = builder.region(Region::new(region));
    }
    if let Some(url) = endpoint_url.or_else(|| env("AWS_ENDPOINT_URL")) {
        builder = builder.endpoint_url(url);
    }
    builder.build()
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
    pub fn new(secret_id: impl Into<String>, aws: AwsConfig) -> Self {
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

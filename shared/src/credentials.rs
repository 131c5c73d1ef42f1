//! Database credentials in AWS, where they change while a container lives: the RDS-managed
//! secret (rotated by Secrets Manager) or IAM authentication tokens (valid 15 minutes for
//! opening a connection). Both connect with TLS, verifying the server's certificate and host
//! name against the Amazon RDS CA bundle in `shared/certs/`.
//!
//! The pool is lazy and sqlx 0.8 cannot compute a password per connection, so before a
//! request uses the pool, [`ManagedCredentials::ready`] looks at it: when the next query may
//! have to open a connection (none is idle), it installs fresh connect options: the cached
//! secret, or a new token. A refused login means the secret was rotated (or the token
//! expired): [`ManagedCredentials::recover`] reads the secret again (or makes a new token)
//! and the store retries the operation once. Local runs use `DATABASE_URL` and never come
//! here.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_rds::auth_token::{AuthTokenGenerator, Config as TokenConfig};
use secrecy::{ExposeSecret, SecretString};
use sqlx::postgres::{PgConnectOptions, PgPool, PgSslMode};
use tokio::sync::Mutex;

use crate::aws::{AwsConfig, SecretStore, StoreError};
use crate::settings::{DEFAULT_PORT, DatabaseAuth, ManagedSettings};

/// The database, when neither `DB_NAME` nor the secret names one.
pub const DEFAULT_DATABASE: &str = "postgres";
/// An IAM token opens connections for 15 minutes; one older than this is replaced before
/// the pool could need it, so a connection the pool reopens on its own never carries an
/// expired token.
const TOKEN_REFRESH_AFTER: Duration = Duration::from_secs(10 * 60);
/// A refused login re-reads the secret at most this often: a password that is simply wrong
/// must not turn every request into a Secrets Manager call.
const SECRET_REREAD_INTERVAL: Duration = Duration::from_secs(2);

/// Why no credentials could be had. The text names what failed, never a password, a token
/// or the secret's content; it is logged, and callers get a plain 503.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error("reading the database secret: {0}")]
    SecretUnreadable(#[from] StoreError),
    #[error("the database secret is malformed: {0}")]
    SecretMalformed(&'static str),
    #[error("the database secret has no host and DB_HOST is not set")]
    NoHost,
    #[error("creating an IAM auth token: {0}")]
    Token(String),
}

/// The parts of the RDS-managed secret the connection needs. The password is a
/// `SecretString`: it prints as `[REDACTED]` and is zeroed when dropped.
#[derive(Debug, Clone)]
pub struct RdsSecret {
    pub username: String,
    pub password: SecretString,
    pub host: Option<String>,
    pub port: Option<u16>,
    pub dbname: Option<String>,
}

impl RdsSecret {
    /// Parses the secret's JSON (`{"username", "password", "host", "port", "dbname", ...}`;
    /// `port` may be a number or a string of digits). The errors name the field and never
    /// echo a value.
    pub fn parse(text: &str) -> Result<Self, CredentialError> {
        use serde_json::Value;
        let malformed = CredentialError::SecretMalformed;
        let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(text) else {
            let json = serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok();
            return Err(malformed(if json { "it is not a JSON object" } else { "it is not JSON" }));
        };
        // Absent or null: None. A non-empty string: the text. Anything else: `wrong`.
        let text = |name: &str, wrong: &'static str| match fields.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) if !text.is_empty() => Ok(Some(text.clone())),
            Some(_) => Err(malformed(wrong)),
        };
        let port = |wrong: &'static str| {
            let port = match fields.get("port") {
                None | Some(Value::Null) => return Ok(None),
                Some(Value::Number(n)) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
                Some(Value::String(s)) => s.trim().parse::<u16>().ok(),
                Some(_) => None,
            };
            port.filter(|&port| port > 0).map(Some).ok_or(malformed(wrong))
        };
        Ok(RdsSecret {
            username: text("username", "username is not a non-empty string")?.ok_or(malformed("no username"))?,
            password: text("password", "password is not a non-empty string")?.ok_or(malformed("no password"))?.into(),
            host: text("host", "host is not a non-empty string")?,
            port: port("port is not a port number")?,
            dbname: text("dbname", "dbname is not a non-empty string")?,
        })
    }
}

/// What the last refresh left behind.
#[derive(Default)]
struct Cache {
    secret: Option<(RdsSecret, Instant)>,
    token_issued: Option<Instant>,
}

/// Where the credentials come from, per mode.
enum Source {
    Secret(SecretStore),
    Iam { user: String },
}

/// Per-container credentials for one pool: the settings, the lazily loaded AWS
/// configuration, and what was last fetched.
pub struct ManagedCredentials {
    settings: ManagedSettings,
    aws: Arc<AwsConfig>,
    source: Source,
    cache: Mutex<Cache>,
}

impl std::fmt::Debug for ManagedCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ManagedCredentials").field("settings", &self.settings).finish_non_exhaustive()
    }
}

impl ManagedCredentials {
    /// Touches nothing: the AWS configuration is loaded on the first connection.
    pub fn new(settings: ManagedSettings) -> Self {
        Self::with_aws(settings, AwsConfig::lambda(None))
    }

    /// With a given AWS configuration (tests pin its clock or endpoint).
    pub fn with_aws(settings: ManagedSettings, aws: AwsConfig) -> Self {
        let aws = Arc::new(aws);
        let source = match &settings.auth {
            DatabaseAuth::SecretsManager { secret_id } => {
                Source::Secret(SecretStore::with_shared_config(secret_id.clone(), Arc::clone(&aws)))
            }
            DatabaseAuth::Iam { user } => Source::Iam { user: user.clone() },
        };
        ManagedCredentials { settings, aws, source, cache: Mutex::new(Cache::default()) }
    }

    /// Connect options that no connection is ever opened with: the pool is built lazily,
    /// and [`Self::ready`] installs real ones before its first connection.
    pub fn placeholder_options(&self) -> PgConnectOptions {
        let options = PgConnectOptions::new_without_pgpass().ssl_mode(PgSslMode::VerifyFull);
        match &self.settings.host {
            Some(host) => options.host(host),
            None => options,
        }
    }

    /// Before the pool is used: when the next query may have to open a connection (none is
    /// idle), installs options with current credentials: the cached secret (read now if
    /// never read), or a new IAM token. Does nothing (no lock, no call) while a connection
    /// is idle in the pool, and with IAM its token is still young.
    pub async fn ready(&self, pool: &PgPool) -> Result<(), sqlx::Error> {
        if !self.may_need_refresh(pool) {
            return Ok(());
        }
        let mut cache = self.cache.lock().await;
        if !(pool.num_idle() == 0 || token_is_stale(&cache)) {
            return Ok(()); // another request refreshed while this one waited
        }
        pool.set_connect_options(self.connect_options(&mut cache, false).await.map_err(configuration)?);
        Ok(())
    }

    /// After an operation failed with `error`: whether it is worth retrying because the
    /// credentials were just refreshed. Only a refused login qualifies: then the secret is
    /// read again (it was rotated), at most every [`SECRET_REREAD_INTERVAL`], or a new IAM
    /// token is made.
    pub async fn recover(&self, pool: &PgPool, error: &sqlx::Error) -> Result<bool, sqlx::Error> {
        if !is_authentication_failure(error) {
            return Ok(false);
        }
        let mut cache = self.cache.lock().await;
        if matches!(self.source, Source::Secret(_)) && !may_reread_secret(&cache) {
            return Ok(false);
        }
        tracing::warn!(cause = %error, "the database refused the login: refreshing the credentials and retrying once");
        pool.set_connect_options(self.connect_options(&mut cache, true).await.map_err(configuration)?);
        Ok(true)
    }

    /// The cheap test [`Self::ready`] starts with.
    pub fn may_need_refresh(&self, pool: &PgPool) -> bool {
        pool.num_idle() == 0 || self.token_is_stale_now()
    }

    fn token_is_stale_now(&self) -> bool {
        // Only IAM tokens age. A lock held elsewhere means a refresh is under way anyway.
        matches!(self.source, Source::Iam { .. })
            && self.cache.try_lock().map(|cache| token_is_stale(&cache)).unwrap_or(false)
    }

    /// Fresh options for the next connection: the cached secret (read now if there is none,
    /// or if `reread`), or a new IAM token.
    async fn connect_options(&self, cache: &mut Cache, reread: bool) -> Result<PgConnectOptions, CredentialError> {
        let settings = &self.settings;
        let (user, password, host, port, database) = match &self.source {
            Source::Secret(store) => {
                let secret = match &cache.secret {
                    Some((secret, _)) if !reread => secret.clone(),
                    _ => {
                        let secret = RdsSecret::parse(&store.read().await?)?;
                        tracing::info!(user = %secret.username, "read the database secret");
                        cache.secret = Some((secret.clone(), Instant::now()));
                        secret
                    }
                };
                let host = settings.host.clone().or(secret.host).ok_or(CredentialError::NoHost)?;
                (
                    secret.username,
                    secret.password.expose_secret().to_owned(),
                    host,
                    settings.port.or(secret.port).unwrap_or(DEFAULT_PORT),
                    settings.database.clone().or(secret.dbname),
                )
            }
            Source::Iam { user } => {
                let host = settings.host.clone().ok_or(CredentialError::NoHost)?;
                let port = settings.port.unwrap_or(DEFAULT_PORT);
                let token = self.iam_token(&host, port, user).await?;
                cache.token_issued = Some(Instant::now());
                (user.clone(), token, host, port, settings.database.clone())
            }
        };
        Ok(PgConnectOptions::new_without_pgpass()
            .host(&host)
            .port(port)
            .username(&user)
            .password(&password)
            .database(database.as_deref().unwrap_or(DEFAULT_DATABASE))
            .application_name(crate::db::APPLICATION_NAME)
            .ssl_mode(PgSslMode::VerifyFull)
            .ssl_root_cert_from_pem(settings.ca_bundle.0.clone()))
    }

    /// A new IAM auth token for `user` at `host:port`, signed with the SDK's credentials
    /// and region (in Lambda: the function's role, from its environment). No network call.
    pub async fn iam_token(&self, host: &str, port: u16, user: &str) -> Result<String, CredentialError> {
        let config = TokenConfig::builder()
            .hostname(host)
            .port(u64::from(port))
            .username(user)
            .build()
            .map_err(|error| CredentialError::Token(error.to_string()))?;
        let token = AuthTokenGenerator::new(config)
            .auth_token(self.aws.get().await)
            .await
            .map_err(|error| CredentialError::Token(error.to_string()))?;
        Ok(token.as_str().to_owned())
    }
}

fn may_reread_secret(cache: &Cache) -> bool {
    cache.secret.as_ref().is_none_or(|(_, read)| read.elapsed() >= SECRET_REREAD_INTERVAL)
}

fn token_is_stale(cache: &Cache) -> bool {
    cache.token_issued.is_some_and(|issued| issued.elapsed() >= TOKEN_REFRESH_AFTER)
}

fn configuration(error: CredentialError) -> sqlx::Error {
    sqlx::Error::Configuration(Box::new(error))
}

/// PostgreSQL's invalid_password (28P01) and invalid_authorization_specification (28000,
/// which RDS Proxy and pg_hba use for a refused login).
fn is_authentication_failure(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if matches!(db.code().as_deref(), Some("28P01" | "28000")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rds_managed_secret_is_parsed_with_a_numeric_or_text_port() {
        let secret = RdsSecret::parse(
            r#"{"engine":"postgres","username":"app","password":"p@ss:/w?rd","host":"db.example","port":5432,"dbname":"v3","dbInstanceIdentifier":"x"}"#,
        )
        .unwrap();
        assert_eq!(secret.username, "app");
        assert_eq!(secret.password.expose_secret(), "p@ss:/w?rd");
        assert_eq!(
            (secret.host.as_deref(), secret.port, secret.dbname.as_deref()),
            (Some("db.example"), Some(5432), Some("v3"))
        );
        let minimal = RdsSecret::parse(r#"{"username":"app","password":"pw","port":"6432"}"#).unwrap();
        assert_eq!((minimal.host, minimal.port, minimal.dbname), (None, Some(6432), None));
    }

    #[test]
    fn a_malformed_secret_is_refused_without_echoing_any_value() {
        let cases = [
            ("hunter2 is not json", "it is not JSON"),
            (r#"["hunter2"]"#, "it is not a JSON object"),
            (r#"{"password":"hunter2"}"#, "no username"),
            (r#"{"username":"app"}"#, "no password"),
            (r#"{"username":"app","password":42}"#, "password is not a non-empty string"),
            (r#"{"username":"app","password":""}"#, "password is not a non-empty string"),
            (r#"{"username":"app","password":"hunter2","port":"hunter2"}"#, "port is not a port number"),
            (r#"{"username":"app","password":"hunter2","port":70000}"#, "port is not a port number"),
            (r#"{"username":"app","password":"hunter2","host":7}"#, "host is not a non-empty string"),
        ];
        for (text, reason) in cases {
            let error = RdsSecret::parse(text).unwrap_err();
            assert!(matches!(error, CredentialError::SecretMalformed(r) if r == reason), "{text}: {error}");
            assert!(!error.to_string().contains("hunter2"), "{error}");
        }
    }

    #[test]
    fn a_secret_prints_without_its_password() {
        let secret = RdsSecret::parse(r#"{"username":"app","password":"hunter2"}"#).unwrap();
        assert!(!format!("{secret:?}").contains("hunter2"));
    }

    #[test]
    fn the_shipped_bundle_holds_the_rds_and_amazon_root_certificates() {
        let text = std::str::from_utf8(crate::settings::RDS_CA_BUNDLE).unwrap();
        let count = text.matches("-----BEGIN CERTIFICATE-----").count();
        assert!(count > 20, "{count} certificates");
        assert!(text.contains("Amazon RDS us-east-1 Root CA RSA2048 G1"));
        assert!(text.contains("Amazon Root CA 1"));
    }

    #[test]
    fn authentication_failures_are_told_apart_from_other_errors() {
        assert!(!is_authentication_failure(&sqlx::Error::PoolTimedOut));
        assert!(!is_authentication_failure(&sqlx::Error::Io(std::io::ErrorKind::ConnectionRefused.into())));
    }
}

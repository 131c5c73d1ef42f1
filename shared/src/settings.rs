//! Settings: the one place that reads the environment ([`env_var`]), and what it reads,
//! checked. There is no silent fallback to a local file, because a function that quietly served an empty SQLite database in production would
//! be worse than one that refuses to start.
//!
//! Which database, in order of precedence:
//! 1. `DATABASE_URL` (postgres://… or sqlite:…), used as it is: local runs, tests, and any
//!    deployment that prefers a fixed URL. `DB_AUTH_MODE` is then ignored.
//! 2. `DB_AUTH_MODE=secrets-manager`: PostgreSQL at `DB_HOST` (else the secret's host) with the
//!    username and password of the RDS-managed secret `DB_SECRET_ARN`.
//! 3. `DB_AUTH_MODE=iam`: PostgreSQL at `DB_HOST` as `DB_USER`, with IAM auth tokens.
//!
//! Modes 2 and 3 always use TLS with certificate and host verification (`verify-full`)
//! against the Amazon RDS CA bundle, or the PEM file `DB_CA_BUNDLE` names; see
//! [`crate::credentials`].
//!
//! Where MitACD's tables are in it: `DB_LAYOUT` (`mitacd`, the default: CONTRACT section 5's
//! names, as our migrations make them; `babelfish`: MitACD itself in Babelfish for Aurora
//! PostgreSQL, in schema `DB_SCHEMA`, default `mitacd_dbo`). See [`crate::layout`].
//!
//! Nothing here opens a connection or calls AWS; the database layer builds its pool from
//! [`DatabaseSettings`].

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use crate::layout::{DEFAULT_BABELFISH_SCHEMA, Layout, SchemaName};

/// A variable of the process's environment, trimmed; a blank one counts as unset (a template
/// parameter left empty). Every setting of the library and its tools is read through here.
pub fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().map(|value| value.trim().to_owned()).filter(|value| !value.is_empty())
}

/// The variables that say where MitACD's tables are (`crate::layout`); every mode reads them.
pub const LAYOUT_VARIABLES: [&str; 2] = ["DB_LAYOUT", "DB_SCHEMA"];

/// The values `DB_AUTH_MODE` accepts (the template's `DatabaseAuthMode` offers exactly these).
pub const AUTH_MODES: [&str; 2] = ["secrets-manager", "iam"];

/// Every variable the AWS modes read (the template passes each but `DB_CA_BUNDLE`, whose
/// default is the bundle compiled in). A test holds the reader to this list.
pub const MANAGED_VARIABLES: [&str; 7] =
    ["DB_AUTH_MODE", "DB_SECRET_ARN", "DB_HOST", "DB_USER", "DB_PORT", "DB_NAME", "DB_CA_BUNDLE"];

/// The certificates RDS and RDS Proxy present chain to one of these: the regional RDS CAs
/// (instances, Aurora clusters) and the Amazon roots (RDS Proxy's ACM certificates).
/// `scripts/rds-ca-bundle.sh` regenerates the file.
pub const RDS_CA_BUNDLE: &[u8] = include_bytes!("../certs/rds-ca-bundle.pem");

/// PostgreSQL's port, when neither `DB_PORT` nor the secret names one.
pub const DEFAULT_PORT: u16 = 5432;

/// How the functions log in to PostgreSQL in AWS (`DB_AUTH_MODE`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseAuth {
    /// `secrets-manager`: username and password from the RDS-managed secret (`DB_SECRET_ARN`).
    SecretsManager { secret_id: String },
    /// `iam`: `DB_USER` with an IAM auth token as the password.
    Iam { user: String },
}

/// Where and how to connect when the credentials are managed by AWS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedSettings {
    pub auth: DatabaseAuth,
    /// `DB_HOST` (the RDS Proxy endpoint). Required for IAM; with a secret, it wins over the
    /// secret's `host` (which names the instance behind the proxy).
    pub host: Option<String>,
    /// `DB_PORT`; else the secret's `port`; else 5432.
    pub port: Option<u16>,
    /// `DB_NAME`; else the secret's `dbname`; else `postgres`.
    pub database: Option<String>,
    /// PEM certificates trusted for the server (besides the usual web roots): the RDS bundle,
    /// or the file `DB_CA_BUNDLE` names.
    pub ca_bundle: CaBundle,
}

/// PEM certificates; `Debug` shows their size, not a wall of base64.
#[derive(Clone, PartialEq, Eq)]
pub struct CaBundle(pub Vec<u8>);

impl std::fmt::Debug for CaBundle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CaBundle({} bytes)", self.0.len())
    }
}

/// How a process pools its connections. Lambda runs one request at a time per process,
/// so the default is a single connection; the acquire timeout bounds how long a request
/// may wait for one, and the statement timeout how long PostgreSQL may run one statement
/// (a lock held elsewhere, a plan gone wrong), before it is answered 503 instead of hanging
/// until the function's own timeout.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
    /// PostgreSQL's `statement_timeout` for every connection; `None`: the server's own.
    pub statement_timeout: Option<Duration>,
    /// A pooled PostgreSQL connection idle for this long is pinged before it is used.
    pub idle_check: Duration,
}

/// `DB_STATEMENT_TIMEOUT_MS`'s default: with the 2 s acquire timeout, inside the functions'
/// 5 s timeout.
pub const DEFAULT_STATEMENT_TIMEOUT_MS: u64 = 2500;

/// `DB_IDLE_CHECK_MS`'s default: a function called more often than this pays no ping.
pub const DEFAULT_IDLE_CHECK_MS: u64 = 10_000;

impl Default for PoolSettings {
    fn default() -> Self {
        Self {
            max_connections: 1,
            acquire_timeout: Duration::from_millis(2000),
            statement_timeout: Some(Duration::from_millis(DEFAULT_STATEMENT_TIMEOUT_MS)),
            idle_check: Duration::from_millis(DEFAULT_IDLE_CHECK_MS),
        }
    }
}

/// Which database, how to pool its connections, and where MitACD's tables are in it.
#[derive(Debug, Clone)]
pub struct DatabaseSettings {
    pub source: DatabaseSource,
    pub pool: PoolSettings,
    pub layout: Layout,
}

/// What `serve` reads: where to listen, and the database (`DB_MAX_CONNECTIONS` defaulting
/// to twice the CPUs, at least 4: one process serves many requests at once).
#[derive(Debug, Clone)]
pub struct ServeSettings {
    pub host: IpAddr,
    pub port: u16,
    pub database: DatabaseSettings,
    /// Connections served at once (`SERVE_MAX_CONNECTIONS`, default 256); past it a new
    /// connection gets a 503 and is closed.
    pub max_connections: usize,
    /// Time to receive a request's line and headers, counted from when the connection starts
    /// waiting for them, so also how long a keep-alive connection may sit idle
    /// (`SERVE_HEADER_TIMEOUT_MS`, default 10 s).
    pub header_timeout: Duration,
    /// Time to receive a request's whole body once its headers are in (`SERVE_BODY_TIMEOUT_MS`,
    /// default 10 s): past it the answer is 408 and the connection closes.
    pub body_timeout: Duration,
}

#[derive(thiserror::Error)]
pub enum ConfigError {
    #[error(
        "no database is configured: set DATABASE_URL to a postgres://… or sqlite:… URL (the \
         embedded default is sqlite://.local/v3.db), or DB_AUTH_MODE to secrets-manager or iam \
         (in AWS); see README.md"
    )]
    MissingDatabaseUrl,
    #[error("{name} is not set: DB_AUTH_MODE={mode} needs it ({what})")]
    MissingSetting { name: &'static str, mode: &'static str, what: &'static str },
    #[error("DB_CA_BUNDLE names '{path}', which could not be read as PEM certificates: {reason}")]
    UnreadableCaBundle { path: String, reason: String },
    #[error("DATABASE_URL must start with postgres://, postgresql:// or sqlite: (got scheme '{0}')")]
    UnsupportedScheme(String),
    // The URL itself is never echoed: it may carry a password.
    #[error("DATABASE_URL could not be parsed as a {engine} URL: {reason}")]
    InvalidDatabaseUrl { engine: &'static str, reason: String },
    #[error("cannot create the folder {path} for the SQLite database: {reason}")]
    UncreatableFolder { path: String, reason: String },
    #[error("DB_LAYOUT={0} reads MitACD where Babelfish keeps it, in PostgreSQL: DATABASE_URL names SQLite")]
    LayoutNeedsPostgres(&'static str),
    #[error("{name} must be {rule} (got '{value}')")]
    InvalidSetting { name: &'static str, rule: &'static str, value: String },
}

/// A function's `main` returns this error, and Rust prints a returned error with `Debug`:
/// make that the sentence, not the variant name.
impl std::fmt::Debug for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

impl DatabaseSettings {
    /// The database settings (see the module's documentation), `DB_MAX_CONNECTIONS`
    /// (default 1) and `DB_ACQUIRE_TIMEOUT_MS` (default 2000).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(&env_var)
    }

    /// [`DatabaseSettings::from_env`] over any source of settings (tests pass a map). A
    /// blank value counts as unset.
    pub fn from_lookup(lookup: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let lookup = |name: &str| lookup(name).map(|value| value.trim().to_owned()).filter(|value| !value.is_empty());
        Self::with_pool(&lookup, 1)
    }

    fn with_pool(lookup: &impl Fn(&str) -> Option<String>, connections: u32) -> Result<Self, ConfigError> {
        let source = DatabaseSource::from_lookup(lookup)?;
        let layout = layout(lookup)?;
        if layout != Layout::MitAcd && matches!(&source, DatabaseSource::Url(url) if url.starts_with("sqlite:")) {
            return Err(ConfigError::LayoutNeedsPostgres(layout.name()));
        }
        Ok(Self { pool: pool_settings(lookup, connections)?, source, layout })
    }
}

/// Where MitACD's tables are, from the environment alone (`DB_LAYOUT`, `DB_SCHEMA`): for the
/// commands that load data, which refuse any layout whose schema is not ours.
pub fn layout_from_env() -> Result<Layout, ConfigError> {
    layout(&env_var)
}

/// `DB_LAYOUT` (`mitacd`, the default, or `babelfish`) and, for Babelfish, `DB_SCHEMA`
/// (default `mitacd_dbo`; `dbo` in Babelfish's single-db mode). See `crate::layout`.
fn layout(lookup: &impl Fn(&str) -> Option<String>) -> Result<Layout, ConfigError> {
    match lookup("DB_LAYOUT").as_deref() {
        None | Some("mitacd") => Ok(Layout::MitAcd),
        Some("babelfish") => {
            let schema = lookup("DB_SCHEMA").unwrap_or_else(|| DEFAULT_BABELFISH_SCHEMA.to_owned());
            let schema = SchemaName::parse(&schema).ok_or(ConfigError::InvalidSetting {
                name: "DB_SCHEMA",
                rule: SchemaName::RULE,
                value: schema,
            })?;
            Ok(Layout::Babelfish { schema })
        }
        Some(other) => {
            Err(ConfigError::InvalidSetting { name: "DB_LAYOUT", rule: "mitacd or babelfish", value: other.to_owned() })
        }
    }
}

impl ServeSettings {
    /// `HOST` (default 127.0.0.1: this machine only; 0.0.0.0 serves the network), `PORT`
    /// (default 8080), the connection limits and the database.
    pub fn from_env() -> Result<Self, ConfigError> {
        let cpus = std::thread::available_parallelism().map_or(2, |cpus| cpus.get());
        let host = match env_var("HOST") {
            None => IpAddr::V4(Ipv4Addr::LOCALHOST),
            Some(host) => host.parse().map_err(|_| ConfigError::InvalidSetting {
                name: "HOST",
                rule: "an IP address",
                value: host.clone(),
            })?,
        };
        Ok(Self {
            host,
            port: setting(&env_var, "PORT", 8080, 1..=65535, "a port number from 1 to 65535")?,
            database: DatabaseSettings::with_pool(&env_var, (cpus as u32 * 2).max(4))?,
            max_connections: setting(
                &env_var,
                "SERVE_MAX_CONNECTIONS",
                256,
                1..=65_536,
                "a whole number from 1 to 65536",
            )?,
            header_timeout: Duration::from_millis(setting(
                &env_var,
                "SERVE_HEADER_TIMEOUT_MS",
                10_000,
                100..=600_000,
                "milliseconds from 100 to 600000",
            )?),
            body_timeout: Duration::from_millis(setting(
                &env_var,
                "SERVE_BODY_TIMEOUT_MS",
                10_000,
                100..=600_000,
                "milliseconds from 100 to 600000",
            )?),
        })
    }
}

/// Where the database settings came from, once the precedence has been applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseSource {
    Url(String),
    Managed(ManagedSettings),
}

impl DatabaseSource {
    /// From settings whose blank values are already unset ([`env_var`]).
    fn from_lookup(lookup: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let text = |name: &str| lookup(name);
        if let Some(url) = text("DATABASE_URL") {
            return Ok(Self::Url(url));
        }
        let required = |name: &'static str, mode: &'static str, what: &'static str| {
            text(name).ok_or(ConfigError::MissingSetting { name, mode, what })
        };
        let auth = match text("DB_AUTH_MODE").as_deref() {
            None => return Err(ConfigError::MissingDatabaseUrl),
            Some(mode) if mode == AUTH_MODES[0] => DatabaseAuth::SecretsManager {
                secret_id: required("DB_SECRET_ARN", "secrets-manager", "the ARN of the RDS-managed secret")?,
            },
            Some(mode) if mode == AUTH_MODES[1] => {
                required("DB_HOST", "iam", "the RDS Proxy endpoint")?;
                DatabaseAuth::Iam { user: required("DB_USER", "iam", "the PostgreSQL user to log in as")? }
            }
            Some(other) => {
                return Err(ConfigError::InvalidSetting {
                    name: "DB_AUTH_MODE",
                    rule: "secrets-manager or iam",
                    value: other.to_owned(),
                });
            }
        };
        let port = match text("DB_PORT") {
            None => None,
            Some(_) => Some(setting(lookup, "DB_PORT", DEFAULT_PORT, 1..=65535, "a port number from 1 to 65535")?),
        };
        let ca_bundle = match text("DB_CA_BUNDLE") {
            None => CaBundle(RDS_CA_BUNDLE.to_vec()),
            Some(path) => CaBundle(read_ca_bundle(&path)?),
        };
        Ok(Self::Managed(ManagedSettings { auth, host: text("DB_HOST"), port, database: text("DB_NAME"), ca_bundle }))
    }
}

/// Reads a PEM file of CA certificates, refusing one with none in it (a typo'd path to some
/// other file would otherwise fail every connection with a TLS error).
fn read_ca_bundle(path: &str) -> Result<Vec<u8>, ConfigError> {
    let unreadable = |reason: String| ConfigError::UnreadableCaBundle { path: path.to_owned(), reason };
    let pem = std::fs::read(path).map_err(|error| unreadable(error.to_string()))?;
    if !pem.windows(27).any(|window| window == b"-----BEGIN CERTIFICATE-----") {
        return Err(unreadable("it holds no -----BEGIN CERTIFICATE----- block".to_owned()));
    }
    Ok(pem)
}

fn pool_settings(lookup: &impl Fn(&str) -> Option<String>, connections: u32) -> Result<PoolSettings, ConfigError> {
    Ok(PoolSettings {
        max_connections: setting(lookup, "DB_MAX_CONNECTIONS", connections, 1..=1000, "an integer from 1 to 1000")?,
        acquire_timeout: Duration::from_millis(setting(
            lookup,
            "DB_ACQUIRE_TIMEOUT_MS",
            2000,
            1..=60_000,
            "a number of milliseconds from 1 to 60000",
        )?),
        idle_check: Duration::from_millis(setting(
            lookup,
            "DB_IDLE_CHECK_MS",
            DEFAULT_IDLE_CHECK_MS,
            0..=3_600_000,
            "a number of milliseconds from 0 (ping every time) to 3600000",
        )?),
        statement_timeout: match setting(
            lookup,
            "DB_STATEMENT_TIMEOUT_MS",
            DEFAULT_STATEMENT_TIMEOUT_MS,
            0..=300_000,
            "a number of milliseconds from 0 (the server's own) to 300000",
        )? {
            0 => None,
            ms => Some(Duration::from_millis(ms)),
        },
    })
}

fn setting<T>(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: T,
    range: std::ops::RangeInclusive<T>,
    rule: &'static str,
) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd,
{
    match lookup(name) {
        None => Ok(default),
        Some(value) => match value.parse::<T>() {
            Ok(parsed) if range.contains(&parsed) => Ok(parsed),
            _ => Err(ConfigError::InvalidSetting { name, rule, value }),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Result<DatabaseSettings, ConfigError> {
        DatabaseSettings::from_lookup(&|name: &str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string()))
    }

    /// The pool the settings give (lazy: nothing connects).
    fn state(pairs: &[(&str, &str)]) -> Result<crate::db::Database, ConfigError> {
        crate::db::Database::open_lazy(&settings(pairs)?)
    }

    #[test]
    fn no_database_url_refuses_to_start_with_a_clear_message() {
        let error = state(&[]).unwrap_err();
        assert!(matches!(error, ConfigError::MissingDatabaseUrl));
        assert!(error.to_string().contains("set DATABASE_URL"));
        assert!(matches!(state(&[("DATABASE_URL", "  ")]).unwrap_err(), ConfigError::MissingDatabaseUrl));
    }

    #[test]
    fn unsupported_scheme_is_refused_without_echoing_the_url() {
        let error = state(&[("DATABASE_URL", "mysql://root:secret@db/x")]).unwrap_err();
        assert!(matches!(error, ConfigError::UnsupportedScheme(_)));
        assert!(!error.to_string().contains("secret"));
    }

    #[tokio::test]
    async fn database_url_selects_the_engine_without_connecting() {
        // Nothing listens on port 1: building the state must still succeed (lazy pool).
        let postgres = state(&[("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")]).unwrap();
        assert_eq!(postgres.engine(), "postgres");
        let sqlite = state(&[("DATABASE_URL", "sqlite:///nonexistent/dir/v3.db")]).unwrap();
        assert_eq!(sqlite.engine(), "sqlite");
    }

    #[test]
    fn pool_settings_are_validated() {
        let url = ("DATABASE_URL", "sqlite://x.db");
        assert!(matches!(
            state(&[url, ("DB_MAX_CONNECTIONS", "0")]).unwrap_err(),
            ConfigError::InvalidSetting { name: "DB_MAX_CONNECTIONS", .. }
        ));
        assert!(matches!(
            state(&[url, ("DB_ACQUIRE_TIMEOUT_MS", "soon")]).unwrap_err(),
            ConfigError::InvalidSetting { name: "DB_ACQUIRE_TIMEOUT_MS", .. }
        ));
    }

    fn source(pairs: &[(&str, &str)]) -> Result<DatabaseSource, ConfigError> {
        settings(pairs).map(|settings| settings.source)
    }

    fn managed(pairs: &[(&str, &str)]) -> ManagedSettings {
        match source(pairs).unwrap() {
            DatabaseSource::Managed(settings) => settings,
            other => panic!("expected managed settings, got {other:?}"),
        }
    }

    const SECRET_MODE: [(&str, &str); 2] = [("DB_AUTH_MODE", "secrets-manager"), ("DB_SECRET_ARN", "arn:db")];
    const IAM_MODE: [(&str, &str); 3] = [("DB_AUTH_MODE", "iam"), ("DB_USER", "api"), ("DB_HOST", "proxy.example")];

    #[test]
    fn database_url_wins_over_the_aws_modes() {
        let both = [("DATABASE_URL", "postgres://local/x"), SECRET_MODE[0], SECRET_MODE[1]];
        assert_eq!(source(&both).unwrap(), DatabaseSource::Url("postgres://local/x".into()));
        let url_and_iam = [("DATABASE_URL", "sqlite://x.db"), IAM_MODE[0], IAM_MODE[1], IAM_MODE[2]];
        assert_eq!(source(&url_and_iam).unwrap(), DatabaseSource::Url("sqlite://x.db".into()));
        // An empty DATABASE_URL (a template parameter left blank) counts as unset.
        assert!(matches!(
            source(&[("DATABASE_URL", " "), SECRET_MODE[0], SECRET_MODE[1]]).unwrap(),
            DatabaseSource::Managed(_)
        ));
    }

    #[test]
    fn secrets_manager_mode_needs_the_secret_and_takes_the_rest_from_it() {
        let settings = managed(&SECRET_MODE);
        assert_eq!(settings.auth, DatabaseAuth::SecretsManager { secret_id: "arn:db".into() });
        assert_eq!((settings.host, settings.port, settings.database), (None, None, None));
        assert_eq!(settings.ca_bundle.0, RDS_CA_BUNDLE);
        assert!(matches!(
            source(&[("DB_AUTH_MODE", "secrets-manager"), ("DB_SECRET_ARN", "")]).unwrap_err(),
            ConfigError::MissingSetting { name: "DB_SECRET_ARN", .. }
        ));
    }

    #[test]
    fn iam_mode_needs_a_user_and_the_proxy_endpoint() {
        let settings = managed(&[IAM_MODE[0], IAM_MODE[1], IAM_MODE[2], ("DB_PORT", "6432"), ("DB_NAME", "v3")]);
        assert_eq!(settings.auth, DatabaseAuth::Iam { user: "api".into() });
        assert_eq!(settings.host.as_deref(), Some("proxy.example"));
        assert_eq!((settings.port, settings.database.as_deref()), (Some(6432), Some("v3")));
        assert!(matches!(
            source(&[IAM_MODE[0], IAM_MODE[2]]).unwrap_err(),
            ConfigError::MissingSetting { name: "DB_USER", .. }
        ));
        assert!(matches!(
            source(&[IAM_MODE[0], IAM_MODE[1]]).unwrap_err(),
            ConfigError::MissingSetting { name: "DB_HOST", .. }
        ));
    }

    #[test]
    fn the_aws_modes_read_exactly_the_managed_variables() {
        let asked = std::cell::RefCell::new(std::collections::BTreeSet::<String>::new());
        for mode in AUTH_MODES {
            let values = [
                ("DB_AUTH_MODE", mode),
                SECRET_MODE[1],
                IAM_MODE[1],
                IAM_MODE[2],
                ("DB_PORT", "5432"),
                ("DB_NAME", "v3"),
                ("DB_LAYOUT", "babelfish"),
            ];
            let lookup = |name: &str| {
                asked.borrow_mut().insert(name.to_owned());
                values.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
            };
            DatabaseSettings::from_lookup(&lookup).unwrap();
        }
        let mut expected: std::collections::BTreeSet<String> =
            MANAGED_VARIABLES.iter().map(|v| v.to_string()).collect();
        expected.extend(
            [
                "DATABASE_URL",
                "DB_MAX_CONNECTIONS",
                "DB_ACQUIRE_TIMEOUT_MS",
                "DB_STATEMENT_TIMEOUT_MS",
                "DB_IDLE_CHECK_MS",
            ]
            .map(String::from),
        );
        expected.extend(LAYOUT_VARIABLES.map(String::from));
        assert_eq!(asked.into_inner(), expected);
    }

    fn layout_of(pairs: &[(&str, &str)]) -> Result<Layout, ConfigError> {
        settings(pairs).map(|settings| settings.layout)
    }

    #[test]
    fn the_layout_is_mitacd_unless_db_layout_says_babelfish() {
        let url = ("DATABASE_URL", "postgres://db/v3");
        assert_eq!(layout_of(&[url]).unwrap(), Layout::MitAcd);
        assert_eq!(layout_of(&[url, ("DB_LAYOUT", " ")]).unwrap(), Layout::MitAcd);
        assert_eq!(
            layout_of(&[url, ("DB_LAYOUT", "babelfish")]).unwrap(),
            Layout::Babelfish { schema: SchemaName::parse("mitacd_dbo").unwrap() }
        );
        assert_eq!(
            layout_of(&[url, ("DB_LAYOUT", "babelfish"), ("DB_SCHEMA", "dbo")]).unwrap(),
            Layout::Babelfish { schema: SchemaName::parse("dbo").unwrap() }
        );
    }

    #[test]
    fn a_bad_layout_or_schema_or_babelfish_on_sqlite_is_refused() {
        let url = ("DATABASE_URL", "postgres://db/v3");
        assert!(matches!(
            layout_of(&[url, ("DB_LAYOUT", "Babelfish")]).unwrap_err(),
            ConfigError::InvalidSetting { name: "DB_LAYOUT", .. }
        ));
        assert!(matches!(
            layout_of(&[url, ("DB_LAYOUT", "babelfish"), ("DB_SCHEMA", "x\"; DROP")]).unwrap_err(),
            ConfigError::InvalidSetting { name: "DB_SCHEMA", .. }
        ));
        let error = layout_of(&[("DATABASE_URL", "sqlite://x.db"), ("DB_LAYOUT", "babelfish")]).unwrap_err();
        assert!(matches!(error, ConfigError::LayoutNeedsPostgres("babelfish")), "{error}");
    }

    #[test]
    fn an_unknown_auth_mode_or_port_is_refused() {
        assert!(matches!(
            source(&[("DB_AUTH_MODE", "password")]).unwrap_err(),
            ConfigError::InvalidSetting { name: "DB_AUTH_MODE", .. }
        ));
        assert!(matches!(
            source(&[IAM_MODE[0], IAM_MODE[1], IAM_MODE[2], ("DB_PORT", "0")]).unwrap_err(),
            ConfigError::InvalidSetting { name: "DB_PORT", .. }
        ));
    }

    #[test]
    fn a_ca_bundle_file_replaces_the_shipped_one_and_must_hold_certificates() {
        let dir = std::env::temp_dir().join(format!("v3-config-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join("ca.pem");
        std::fs::write(&good, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n").unwrap();
        let not_pem = dir.join("notes.txt");
        std::fs::write(&not_pem, "hello").unwrap();
        let with = |path: &std::path::Path| {
            source(&[SECRET_MODE[0], SECRET_MODE[1], ("DB_CA_BUNDLE", path.to_str().unwrap())])
        };
        match with(&good).unwrap() {
            DatabaseSource::Managed(settings) => assert!(settings.ca_bundle.0.starts_with(b"-----BEGIN CERTIFICATE")),
            other => panic!("{other:?}"),
        }
        assert!(matches!(with(&not_pem).unwrap_err(), ConfigError::UnreadableCaBundle { .. }));
        assert!(matches!(with(&dir.join("missing.pem")).unwrap_err(), ConfigError::UnreadableCaBundle { .. }));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn the_aws_modes_build_a_postgres_pool_without_calling_anything() {
        let state = state(&IAM_MODE).unwrap();
        assert_eq!(state.engine(), "postgres");
        assert!(matches!(state, crate::db::Database::Postgres(_, crate::db::Credentials::Managed(_))));
    }
}

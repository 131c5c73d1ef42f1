//! The database handle: one of two real engines behind one small enum, so each store
//! function states its SQL once and runs it on whichever pool the configuration chose.
//! (sqlx's `Any` driver cannot carry timestamps, hence the enum.)

use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

use crate::config::ConfigError;
use crate::credentials::{ManagedCredentials, ManagedSettings};

/// How a process pools its connections. Lambda runs one request at a time per process,
/// so the default is a single connection; the acquire timeout bounds how long a request
/// may wait for one before it is answered 503 instead of hanging.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self { max_connections: 1, acquire_timeout: Duration::from_millis(2000) }
    }
}

/// How the API's sessions show in `pg_stat_activity`.
pub const APPLICATION_NAME: &str = "v3-api";

/// How long a SQLite writer waits for another process's write lock before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone)]
pub enum Database {
    Postgres(PgPool, Credentials),
    Sqlite(SqlitePool),
}

type BoxedRefresh<'a, T> = Pin<Box<dyn Future<Output = Result<T, sqlx::Error>> + Send + 'a>>;

/// Where a PostgreSQL pool's credentials come from.
#[derive(Debug, Clone)]
pub enum Credentials {
    /// Fixed in the connect options (`DATABASE_URL`).
    Fixed,
    /// Fetched from AWS and refreshed before the pool opens a connection.
    Managed(Arc<ManagedCredentials>),
}

/// Runs the same expression against whichever pool `$db` holds; the expression is
/// type-checked once per engine, so one SQL text serves both where the dialects agree.
#[macro_export]
macro_rules! with_pool {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::db::Database::Postgres($pool, _) => $body,
            $crate::db::Database::Sqlite($pool) => $body,
        }
    };
}

impl Database {
    /// Builds a lazy pool for `url` (postgres://, postgresql:// or sqlite:). Opens nothing.
    pub fn connect_lazy(url: &str, settings: &PoolSettings) -> Result<Self, ConfigError> {
        let scheme = url.split(':').next().unwrap_or_default();
        match scheme {
            "postgres" | "postgresql" => {
                let options = PgConnectOptions::from_str(url).map_err(|error| ConfigError::InvalidDatabaseUrl {
                    engine: "PostgreSQL",
                    reason: error.to_string(),
                })?;
                Ok(Self::postgres(options, settings))
            }
            "sqlite" => {
                let options = SqliteConnectOptions::from_str(url)
                    .map_err(|error| ConfigError::InvalidDatabaseUrl { engine: "SQLite", reason: error.to_string() })?;
                Ok(Self::sqlite(options, settings))
            }
            other => Err(ConfigError::UnsupportedScheme(other.chars().take(20).collect())),
        }
    }

    /// [`Database::connect_lazy`] for the commands that load data (`seed`, `import`): a SQLite
    /// file that does not exist yet is created, with its folder. The functions never create
    /// one: a missing file there is a misconfiguration, answered 503.
    pub fn connect_lazy_creating(url: &str, settings: &PoolSettings) -> Result<Self, ConfigError> {
        if !url.starts_with("sqlite:") {
            return Self::connect_lazy(url, settings);
        }
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|error| ConfigError::InvalidDatabaseUrl { engine: "SQLite", reason: error.to_string() })?
            .create_if_missing(true);
        if let Some(folder) = options.get_filename().parent().filter(|folder| !folder.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder).map_err(|error| ConfigError::UncreatableFolder {
                path: folder.display().to_string(),
                reason: error.to_string(),
            })?;
        }
        Ok(Self::sqlite(options, settings))
    }

    pub fn postgres(options: PgConnectOptions, settings: &PoolSettings) -> Self {
        Self::Postgres(postgres_pool(options, settings), Credentials::Fixed)
    }

    /// PostgreSQL with credentials from AWS (a secret or IAM tokens). Opens nothing and
    /// calls nothing until the first [`Database::ready`].
    pub fn managed(credentials: ManagedCredentials, settings: &PoolSettings) -> Self {
        let pool = postgres_pool(credentials.placeholder_options(), settings);
        Self::Postgres(pool, Credentials::Managed(Arc::new(credentials)))
    }

    /// [`Database::managed`] with the AWS configuration loaded on first use.
    pub fn managed_lazy(settings: ManagedSettings, pool: &PoolSettings) -> Self {
        Self::managed(ManagedCredentials::new(settings), pool)
    }

    /// Call before using the pool: with managed credentials, a connection the pool is
    /// about to open gets current ones (see [`crate::credentials`]). Otherwise, and while a
    /// connection is idle in the pool, does nothing.
    pub async fn ready(&self) -> Result<(), sqlx::Error> {
        match self {
            Self::Postgres(pool, Credentials::Managed(credentials)) if credentials.may_need_refresh(pool) => {
                // Boxed as a trait object: the AWS SDK's futures nested inside every store
                // call's would exceed the compiler's type-depth limit.
                let refresh: BoxedRefresh<'_, ()> = Box::pin(credentials.ready(pool));
                refresh.await
            }
            _ => Ok(()),
        }
    }

    /// After an operation failed with `error`: true when it is worth retrying it once,
    /// because the login was refused and managed credentials have just been refreshed.
    pub async fn recover(&self, error: &sqlx::Error) -> Result<bool, sqlx::Error> {
        match self {
            Self::Postgres(pool, Credentials::Managed(credentials)) => {
                let recover: BoxedRefresh<'_, bool> = Box::pin(credentials.recover(pool, error));
                recover.await
            }
            _ => Ok(false),
        }
    }

    pub fn sqlite(options: SqliteConnectOptions, settings: &PoolSettings) -> Self {
        // WAL lets readers run beside a writer; the busy timeout makes writers from several
        // processes (one per function under `cargo lambda watch`) queue instead of failing.
        let options = options
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(SQLITE_BUSY_TIMEOUT);
        let pool = SqlitePoolOptions::new()
            .max_connections(settings.max_connections)
            .min_connections(0)
            .acquire_timeout(settings.acquire_timeout)
            .test_before_acquire(false)
            .connect_lazy_with(options);
        Self::Sqlite(pool)
    }

    pub fn engine(&self) -> &'static str {
        match self {
            Self::Postgres(..) => "postgres",
            Self::Sqlite(_) => "sqlite",
        }
    }

    /// Applies this engine's migrations (PostgreSQL: under sqlx's advisory lock, so
    /// concurrent runs take turns). Versions the database has but this build does not know
    /// are accepted, so rolling back to older code does not fail on a newer schema.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        let mut migrator = match self {
            Self::Postgres(..) => postgres_migrator(),
            Self::Sqlite(_) => sqlite_migrator(),
        };
        migrator.set_ignore_missing(true);
        self.ready().await?;
        match with_pool!(self, pool => migrator.run(pool).await) {
            Err(sqlx::migrate::MigrateError::Execute(error)) if self.recover(&error).await? => {
                with_pool!(self, pool => migrator.run(pool).await)
            }
            other => other,
        }?;
        if let Self::Sqlite(pool) = self {
            photos_as_base64_text(pool).await?;
        }
        Ok(())
    }

    /// The newest migration applied to this database (0 when none).
    pub async fn schema_version(&self) -> Result<i64, sqlx::Error> {
        self.ready().await?;
        const SQL: &str = "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success";
        with_pool!(self, pool => sqlx::query_scalar::<_, i64>(SQL).fetch_one(pool).await)
    }

    pub async fn close(&self) {
        with_pool!(self, pool => pool.close().await)
    }
}

fn postgres_pool(options: PgConnectOptions, settings: &PoolSettings) -> PgPool {
    PgPoolOptions::new()
        .max_connections(settings.max_connections)
        .min_connections(0)
        .acquire_timeout(settings.acquire_timeout)
        // A ping before every query would double each request's round trips; a dead
        // connection is instead detected by the query itself (see `store::retry_read`).
        .test_before_acquire(false)
        .connect_lazy_with(options.application_name(APPLICATION_NAME))
}

pub fn postgres_migrator() -> sqlx::migrate::Migrator {
    sqlx::migrate!("migrations/postgres")
}

pub fn sqlite_migrator() -> sqlx::migrate::Migrator {
    sqlx::migrate!("migrations/sqlite")
}

/// The MitACD migration's one step SQLite's SQL cannot take: an `Agentes.Photo` stored as
/// bytes by the first schema becomes the base64 text the API printed for it (MitACD keeps a
/// `varchar(200)` there). Only rows still holding bytes are touched, so this is a no-op after
/// the first run; PostgreSQL's migration does the same in SQL.
async fn photos_as_base64_text(pool: &SqlitePool) -> Result<(), sqlx::Error> {
    use base64::Engine as _;
    let photos: Vec<(i64, Vec<u8>)> =
        sqlx::query_as(r#"SELECT "idAgente", "Photo" FROM "Agentes" WHERE typeof("Photo") = 'blob'"#)
            .fetch_all(pool)
            .await?;
    for (agent, bytes) in photos {
        sqlx::query(r#"UPDATE "Agentes" SET "Photo" = $1 WHERE "idAgente" = $2"#)
            .bind(base64::engine::general_purpose::STANDARD.encode(bytes))
            .bind(agent)
            .execute(pool)
            .await?;
    }
    Ok(())
}

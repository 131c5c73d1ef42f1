//! The database handle: one of two real engines behind one small enum, so each store
//! function states its SQL once and runs it on whichever pool the configuration chose.
//! (sqlx's `Any` driver cannot carry timestamps, hence the enum.) The stores see only
//! [`Database::fetch_optional`], [`Database::fetch_all`] and [`Database::execute_each`]:
//! SQL, its [`Param`]s, and a function that reads a row's [`Columns`] in SELECT order.

use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::query::Query;
use sqlx::sqlite::SqliteRow;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Decode, Encode, Postgres, Row, Sqlite, Type};

use crate::credentials::ManagedCredentials;
use crate::settings::{ConfigError, DatabaseSettings, DatabaseSource, ManagedSettings, PoolSettings};
use crate::timestamp::Timestamp;

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

impl Database {
    /// The database the settings name, as a lazy pool: opens nothing, calls no AWS service.
    pub fn open_lazy(settings: &DatabaseSettings) -> Result<Self, ConfigError> {
        match &settings.source {
            DatabaseSource::Url(url) => Self::connect_lazy(url, &settings.pool),
            DatabaseSource::Managed(managed) => Ok(Self::managed_lazy(managed.clone(), &settings.pool)),
        }
    }

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
    /// are accepted, so rolling back to older code does not fail on a newer schema. Then, on
    /// PostgreSQL, gives the functions' roles (`v3_reader`, `v3_writer`, whichever exist)
    /// exactly their grants on the API's tables ([`crate::roles::grant`]): after every run, so
    /// roles created after the schema get theirs on the next deploy. SQLite has no roles.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        let mut migrator = match self {
            Self::Postgres(..) => postgres_migrator(),
            Self::Sqlite(_) => sqlite_migrator(),
        };
        migrator.set_ignore_missing(true);
        self.ready().await?;
        let run = || async {
            match self {
                Self::Postgres(pool, _) => migrator.run(pool).await,
                Self::Sqlite(pool) => migrator.run(pool).await,
            }
        };
        match run().await {
            Err(sqlx::migrate::MigrateError::Execute(error)) if self.recover(&error).await? => run().await,
            other => other,
        }?;
        match self {
            Self::Postgres(pool, _) => {
                crate::roles::grant(pool, crate::roles::Roles::API).await?;
            }
            Self::Sqlite(pool) => photos_as_base64_text(pool).await?,
        }
        Ok(())
    }

    /// The newest migration applied to this database (0 when none).
    pub async fn schema_version(&self) -> Result<i64, sqlx::Error> {
        self.ready().await?;
        self.fetch_scalar("SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success").await
    }

    pub async fn close(&self) {
        match self {
            Self::Postgres(pool, _) => pool.close().await,
            Self::Sqlite(pool) => pool.close().await,
        }
    }

    /// The rows `sql` selects with `params` bound to `$1`, `$2`…, each read by `decode`; at
    /// most one is expected.
    pub async fn fetch_optional<T>(
        &self,
        sql: &str,
        params: &[Param<'_>],
        decode: Decoder<T>,
    ) -> Result<Option<T>, sqlx::Error> {
        match self.fetch_optional_row(sql, params).await? {
            None => Ok(None),
            Some(OwnedRow::Postgres(row)) => decode(&mut Columns::new(RowRef::Postgres(&row))).map(Some),
            Some(OwnedRow::Sqlite(row)) => decode(&mut Columns::new(RowRef::Sqlite(&row))).map(Some),
        }
    }

    /// The query itself, not generic over what the row becomes: sqlx's machinery is compiled
    /// once per function however many row types it decodes.
    async fn fetch_optional_row(&self, sql: &str, params: &[Param<'_>]) -> Result<Option<OwnedRow>, sqlx::Error> {
        Ok(match self {
            Self::Postgres(pool, _) => {
                bind(sqlx::query(sql), params).fetch_optional(pool).await?.map(OwnedRow::Postgres)
            }
            Self::Sqlite(pool) => bind(sqlx::query(sql), params).fetch_optional(pool).await?.map(OwnedRow::Sqlite),
        })
    }

    /// Every row `sql` selects with `params`, each read by `decode`.
    pub async fn fetch_all<T>(
        &self,
        sql: &str,
        params: &[Param<'_>],
        decode: Decoder<T>,
    ) -> Result<Vec<T>, sqlx::Error> {
        match self {
            Self::Postgres(pool, _) => {
                let rows = bind(sqlx::query(sql), params).fetch_all(pool).await?;
                rows.iter().map(|row| decode(&mut Columns::new(RowRef::Postgres(row)))).collect()
            }
            Self::Sqlite(pool) => {
                let rows = bind(sqlx::query(sql), params).fetch_all(pool).await?;
                rows.iter().map(|row| decode(&mut Columns::new(RowRef::Sqlite(row)))).collect()
            }
        }
    }

    /// The one value of the one row `sql` selects (no parameters: operators' and tests' queries).
    pub async fn fetch_scalar<T: ColumnValue + Send + Unpin>(&self, sql: &str) -> Result<T, sqlx::Error> {
        match self {
            Self::Postgres(pool, _) => sqlx::query_scalar(sql).fetch_one(pool).await,
            Self::Sqlite(pool) => sqlx::query_scalar(sql).fetch_one(pool).await,
        }
    }

    /// Runs `sql` once for each list of parameters, all in one transaction; returns the rows
    /// affected in all.
    pub async fn execute_each(&self, sql: &str, each: &[Vec<Param<'_>>]) -> Result<u64, sqlx::Error> {
        let mut affected = 0;
        match self {
            Self::Postgres(pool, _) => {
                let mut tx = pool.begin().await?;
                for params in each {
                    affected += bind(sqlx::query(sql), params).execute(&mut *tx).await?.rows_affected();
                }
                tx.commit().await?;
            }
            Self::Sqlite(pool) => {
                let mut tx = pool.begin().await?;
                for params in each {
                    affected += bind(sqlx::query(sql), params).execute(&mut *tx).await?.rows_affected();
                }
                tx.commit().await?;
            }
        }
        Ok(affected)
    }

    /// Runs one or several statements as they are, without parameters (operators' and tests'
    /// set-up); returns the rows affected.
    pub async fn execute_script(&self, sql: &str) -> Result<u64, sqlx::Error> {
        match self {
            Self::Postgres(pool, _) => sqlx::raw_sql(sql).execute(pool).await.map(|done| done.rows_affected()),
            Self::Sqlite(pool) => sqlx::raw_sql(sql).execute(pool).await.map(|done| done.rows_affected()),
        }
    }
}

/// A value bound to a statement's `$n`: the few kinds the API's statements take. A NULL
/// carries its kind, so that PostgreSQL accepts it for its column.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Param<'a> {
    Int(i32),
    BigInt(Option<i64>),
    Text(Option<&'a str>),
    Timestamp(Option<Timestamp>),
}

/// Binds `params` to `$1`, `$2`… of `query`, on either engine.
pub fn bind<'q, DB>(
    query: Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>,
    params: &[Param<'q>],
) -> Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>
where
    DB: sqlx::Database,
    i32: Encode<'q, DB> + Type<DB>,
    Option<i64>: Encode<'q, DB> + Type<DB>,
    Option<&'q str>: Encode<'q, DB> + Type<DB>,
    Option<Timestamp>: Encode<'q, DB> + Type<DB>,
{
    params.iter().fold(query, |query, param| match *param {
        Param::Int(value) => query.bind(value),
        Param::BigInt(value) => query.bind(value),
        Param::Text(value) => query.bind(value),
        Param::Timestamp(value) => query.bind(value),
    })
}

/// Reads one row, column by column in SELECT order (each store keeps its SELECT and its
/// decoder side by side). By position: looking every column up by name was the largest
/// single cost of serving a wide row.
pub type Decoder<T> = fn(&mut Columns<'_>) -> Result<T, sqlx::Error>;

/// A row of either engine, read in order by [`Columns::column`].
pub struct Columns<'r> {
    row: RowRef<'r>,
    next: usize,
}

enum OwnedRow {
    Postgres(PgRow),
    Sqlite(SqliteRow),
}

enum RowRef<'r> {
    Postgres(&'r PgRow),
    Sqlite(&'r SqliteRow),
}

impl<'r> Columns<'r> {
    fn new(row: RowRef<'r>) -> Self {
        Columns { row, next: 0 }
    }

    /// The next column's value.
    pub fn column<T: ColumnValue>(&mut self) -> Result<T, sqlx::Error> {
        let index = self.next;
        self.next += 1;
        match self.row {
            RowRef::Postgres(row) => row.try_get(index),
            RowRef::Sqlite(row) => row.try_get(index),
        }
    }
}

/// A Rust type both engines decode a column into.
pub trait ColumnValue:
    for<'r> Decode<'r, Postgres> + Type<Postgres> + for<'r> Decode<'r, Sqlite> + Type<Sqlite>
{
}

impl<T> ColumnValue for T where
    T: for<'r> Decode<'r, Postgres> + Type<Postgres> + for<'r> Decode<'r, Sqlite> + Type<Sqlite>
{
}

fn postgres_pool(options: PgConnectOptions, settings: &PoolSettings) -> PgPool {
    let idle_check = settings.idle_check;
    // A startup parameter, not a SET after connecting: no extra round trip on a cold start.
    let options = match settings.statement_timeout {
        Some(timeout) => options.options([("statement_timeout", timeout.as_millis().to_string())]),
        None => options,
    };
    PgPoolOptions::new()
        .max_connections(settings.max_connections)
        .min_connections(0)
        .acquire_timeout(settings.acquire_timeout)
        // A ping before every query would double each request's round trips: a connection in
        // steady use is trusted (a dead one fails its read, which `store::retry_read` runs
        // again). One idle for longer than `idle_check` (a frozen sandbox, a quiet hour, a
        // proxy's or server's idle timeout) is pinged first and replaced if dead, so that a
        // write, which is never retried, does not meet it.
        .test_before_acquire(false)
        .before_acquire(move |connection, meta| {
            Box::pin(async move {
                if meta.idle_for < idle_check {
                    return Ok(true);
                }
                Ok(sqlx::Connection::ping(connection).await.is_ok())
            })
        })
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

/// Whether `error` says a table or column does not exist: the database is not (yet) laid
/// out as the API needs, which is the operator's to fix, not the caller's fault.
pub fn is_missing_schema(error: &sqlx::Error) -> bool {
    match error {
        // PostgreSQL: undefined_table, undefined_column.
        sqlx::Error::Database(db) if matches!(db.code().as_deref(), Some("42P01" | "42703")) => true,
        // SQLite reports both as a generic error (code 1) with this text.
        sqlx::Error::Database(db)
            if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() && db.code().as_deref() == Some("1") =>
        {
            db.message().starts_with("no such table") || db.message().starts_with("no such column")
        }
        _ => false,
    }
}

/// Why the database could not serve the request, if that is what `error` means (the API
/// answers 503 then): no connection could be had, or the schema lacks what the API needs.
pub fn unavailable_reason(error: &sqlx::Error) -> Option<&'static str> {
    match error {
        sqlx::Error::PoolTimedOut => Some("no connection within the acquire timeout (unreachable or pool exhausted)"),
        sqlx::Error::PoolClosed => Some("pool closed"),
        sqlx::Error::Io(_) => Some("connection I/O error"),
        sqlx::Error::Tls(_) => Some("TLS handshake failed"),
        sqlx::Error::Configuration(cause) if cause.is::<crate::credentials::CredentialError>() => {
            Some("database credentials could not be obtained")
        }
        error if is_missing_schema(error) => Some("a table or column the API needs is missing (see the schema check)"),
        sqlx::Error::Database(db) => {
            let code = db.code()?;
            // By engine, not by the code's look: PostgreSQL's SQLSTATEs may be all digits too.
            if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                // SQLite result codes: the primary code is the low byte of the extended one.
                return match code.parse::<i32>().ok()? & 0xff {
                    5 | 6 => Some("database locked beyond the busy timeout"),
                    14 => Some("cannot open the database file"),
                    _ => None,
                };
            }
            match &*code {
                "57014" => Some("statement timed out (DB_STATEMENT_TIMEOUT_MS) or was cancelled"),
                "28P01" | "28000" => Some("authentication refused"),
                "53300" => Some("too many connections"),
                "57P01" | "57P02" | "57P03" => Some("server shutting down or starting up"),
                "3D000" => Some("database does not exist"),
                class if class.starts_with("08") => Some("connection failure"),
                _ => None,
            }
        }
        _ => None,
    }
}

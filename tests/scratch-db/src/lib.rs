//! A database of the test's own, on either engine: a new SQLite file, or a new schema in the
//! PostgreSQL at `TEST_DATABASE_URL` (reached through `search_path`). Nothing is migrated or
//! seeded here; the file or schema is removed when the value is dropped. Tests never touch a
//! database they did not create.

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use shared::db::Database;
use shared::settings::PoolSettings;
use sqlx::Connection;
use sqlx::postgres::PgConnectOptions;
use sqlx::sqlite::SqliteConnectOptions;

static NEXT: AtomicU32 = AtomicU32::new(0);

fn unique(prefix: &str) -> String {
    format!("{prefix}_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

fn settings() -> PoolSettings {
    PoolSettings { max_connections: 1, acquire_timeout: Duration::from_secs(10), ..PoolSettings::default() }
}

enum Backing {
    Sqlite { path: PathBuf },
    Postgres { url: String, schema: String },
}

pub struct ScratchDatabase {
    /// A pool over it, as a function process would hold one.
    pub db: Database,
    backing: Backing,
}

impl ScratchDatabase {
    /// A new, empty SQLite file named after `prefix`.
    pub fn sqlite(prefix: &str) -> Self {
        let path = std::env::temp_dir().join(format!("{}.db", unique(prefix)));
        Self { db: open_sqlite(&path, true), backing: Backing::Sqlite { path } }
    }

    /// A new, empty PostgreSQL schema named after `prefix`. `None` (the test is skipped) when
    /// `TEST_DATABASE_URL` is unset, except under `CI=true`, where a missing PostgreSQL fails
    /// the test: CI must never skip it.
    pub async fn postgres(prefix: &str) -> Option<Self> {
        let url = test_database_url()?;
        let schema = unique(prefix);
        let mut admin = sqlx::PgConnection::connect(&url)
            .await
            .unwrap_or_else(|error| panic!("TEST_DATABASE_URL is set but PostgreSQL is unreachable: {error}"));
        sqlx::query(&format!("CREATE SCHEMA {schema}")).execute(&mut admin).await.expect("create test schema");
        admin.close().await.ok();
        Some(Self { db: open_postgres(&url, &schema), backing: Backing::Postgres { url, schema } })
    }

    /// A URL that names this database, for a command run against it (`options[search_path]`
    /// selects the PostgreSQL schema).
    pub fn url(&self) -> String {
        match &self.backing {
            Backing::Sqlite { path } => format!("sqlite://{}", path.display()),
            Backing::Postgres { url, schema } => {
                let separator = if url.contains('?') { '&' } else { '?' };
                format!("{url}{separator}options[search_path]={schema}")
            }
        }
    }

    /// Another pool over the same database (another function process).
    pub fn another_pool(&self) -> Database {
        match &self.backing {
            Backing::Sqlite { path } => open_sqlite(path, false),
            Backing::Postgres { url, schema } => open_postgres(url, schema),
        }
    }
}

/// `TEST_DATABASE_URL`, the PostgreSQL the tests may create databases and schemas in. `None`
/// (the test is skipped) when it is unset, except under `CI=true`, where a missing PostgreSQL
/// fails the test: CI must never skip it.
pub fn test_database_url() -> Option<String> {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|ci| ci == "true") => {
            panic!("CI=true but TEST_DATABASE_URL is not set: the PostgreSQL tests must run in CI, not skip")
        }
        _ => {
            eprintln!("TEST_DATABASE_URL is not set: skipping the PostgreSQL variant of this test");
            None
        }
    }
}

fn open_sqlite(path: &std::path::Path, create: bool) -> Database {
    Database::sqlite(SqliteConnectOptions::new().filename(path).create_if_missing(create), &settings())
}

fn open_postgres(url: &str, schema: &str) -> Database {
    let options = PgConnectOptions::from_str(url).expect("TEST_DATABASE_URL parses").options([("search_path", schema)]);
    Database::postgres(options, &settings())
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        match &self.backing {
            Backing::Sqlite { path } => {
                for suffix in ["", "-wal", "-shm"] {
                    let mut file = path.clone().into_os_string();
                    file.push(suffix);
                    let _ = std::fs::remove_file(file);
                }
            }
            Backing::Postgres { url, schema } => {
                let (url, schema) = (url.clone(), schema.clone());
                // Drop runs inside the test's runtime: clean up from a thread of its own.
                let _ = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                    runtime.block_on(async {
                        if let Ok(mut admin) = sqlx::PgConnection::connect(&url).await {
                            let _ = sqlx::query(&format!("DROP SCHEMA {schema} CASCADE")).execute(&mut admin).await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

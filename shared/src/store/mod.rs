//! SQL, one module per table the routes read (the full-interaction join lives with
//! `Interacciones`), `rows` for writing whole rows of any table (demo data, import), and
//! `check` for what the database lacks. In each module a query and the function that decodes
//! its row sit side by side. The statements are built from `crate::schema` (one column list
//! per table, so the columns, their order and their casts cannot drift from MitACD's) and
//! spelled as the database's `crate::layout` says; each is rendered once, on its first use
//! ([`Statements`]), written with `$n` binds, which both engines accept, and run through
//! `Database`'s few methods. Statements are prepared and cached per connection by sqlx, so PostgreSQL
//! plans each one once per connection rather than once per request.

pub mod agents;
pub mod campaigns;
pub mod check;
pub mod interactions;
pub mod parameters;
pub mod rows;

use std::future::Future;
use std::sync::{Arc, OnceLock};

use tokio::sync::OnceCell;

use crate::db::Database;
use crate::layout::Layout;
use crate::models::Direction;

/// The database and the statements the routes run on it, rendered for its layout.
#[derive(Debug, Clone)]
pub struct Store {
    db: Database,
    sql: Arc<Statements>,
    /// Babelfish layout: whether the first request has run the schema check (see [`check`]).
    checked: Arc<OnceCell<()>>,
}

/// Every statement a route runs, as the layout spells it, each rendered on first use: a
/// function renders (and links) only its own route's statements.
#[derive(Debug)]
pub struct Statements {
    layout: Layout,
    find_agent: OnceLock<String>,
    find_campaign: OnceLock<String>,
    find_interaction: OnceLock<String>,
    find_full_interaction: OnceLock<String>,
    list_incoming: OnceLock<String>,
    list_outgoing: OnceLock<String>,
    upsert_outgoing: OnceLock<String>,
}

impl Statements {
    pub fn for_layout(layout: &Layout) -> Self {
        Self {
            layout: layout.clone(),
            find_agent: OnceLock::new(),
            find_campaign: OnceLock::new(),
            find_interaction: OnceLock::new(),
            find_full_interaction: OnceLock::new(),
            list_incoming: OnceLock::new(),
            list_outgoing: OnceLock::new(),
            upsert_outgoing: OnceLock::new(),
        }
    }

    pub fn find_agent(&self) -> &str {
        self.find_agent.get_or_init(|| agents::find_sql(&self.layout))
    }

    pub fn find_campaign(&self) -> &str {
        self.find_campaign.get_or_init(|| campaigns::find_sql(&self.layout))
    }

    pub fn find_interaction(&self) -> &str {
        self.find_interaction.get_or_init(|| interactions::find_sql(&self.layout))
    }

    pub fn find_full_interaction(&self) -> &str {
        self.find_full_interaction.get_or_init(|| interactions::find_full_sql(&self.layout))
    }

    pub fn list_incoming(&self) -> &str {
        self.list_incoming.get_or_init(|| parameters::list_sql(&self.layout, Direction::Incoming))
    }

    pub fn list_outgoing(&self) -> &str {
        self.list_outgoing.get_or_init(|| parameters::list_sql(&self.layout, Direction::Outgoing))
    }

    pub fn upsert_outgoing(&self) -> &str {
        self.upsert_outgoing.get_or_init(|| parameters::upsert_outgoing_sql(&self.layout))
    }
}

impl Store {
    /// The store over `db` in `layout`. The settings refuse a Babelfish layout on SQLite; this
    /// holds it too, so no statement for one engine is ever sent to the other.
    pub fn new(db: Database, layout: Layout) -> Self {
        assert!(
            layout == Layout::MitAcd || matches!(db, Database::Postgres(..)),
            "the {} layout needs PostgreSQL",
            layout.name()
        );
        let sql = Arc::new(Statements::for_layout(&layout));
        Self { db, sql, checked: Arc::new(OnceCell::new()) }
    }

    pub fn db(&self) -> &Database {
        &self.db
    }

    pub fn layout(&self) -> &Layout {
        &self.sql.layout
    }

    pub fn statements(&self) -> &Statements {
        &self.sql
    }

    /// Runs a read, and runs it once more if it failed because its pooled connection had
    /// died (see [`retry_read`]).
    pub(crate) async fn read<'s, T, F, Fut>(&'s self, read: F) -> Result<T, sqlx::Error>
    where
        F: Fn(&'s Database) -> Fut,
        Fut: Future<Output = Result<T, sqlx::Error>>,
    {
        self.with_schema_check(retry_read(&self.db, || read(&self.db)).await).await
    }

    /// Runs a write (see [`write`]).
    pub(crate) async fn write<'s, T, F, Fut>(&'s self, operation: F) -> Result<T, sqlx::Error>
    where
        F: Fn(&'s Database) -> Fut,
        Fut: Future<Output = Result<T, sqlx::Error>>,
    {
        self.with_schema_check(write(&self.db, || operation(&self.db)).await).await
    }

    /// In the Babelfish layout the schema is MitACD's, not ours: after a function's first
    /// request that reached the database, the store checks the schema and logs every table
    /// and column the API needs that it lacks (a request that needed one answers 503, its
    /// cause naming it). Our own layout needs no such check (`migrate` made it), so the
    /// default path pays no extra round trip.
    async fn with_schema_check<T>(&self, outcome: Result<T, sqlx::Error>) -> Result<T, sqlx::Error> {
        if *self.layout() == Layout::MitAcd || self.checked.initialized() {
            return outcome;
        }
        if let Err(error) = &outcome
            && crate::db::unavailable_reason(error).is_some()
            && !crate::db::is_missing_schema(error)
        {
            return outcome; // the database was not reached: check on a later request
        }
        let _ = self
            .checked
            .get_or_try_init(|| async {
                let missing = check::missing(self).await.inspect_err(|error| {
                    tracing::warn!(cause = %error, "schema check could not run; trying again on the next request")
                })?;
                if missing.is_empty() {
                    tracing::info!(layout = self.layout().name(), "schema check: the database has every table and column the API needs");
                } else {
                    tracing::error!(
                        layout = self.layout().name(),
                        missing = %check::describe(&missing),
                        "schema check: the database lacks tables or columns the API needs; requests that need them answer 503"
                    );
                }
                Ok::<(), sqlx::Error>(())
            })
            .await;
        outcome
    }
}

/// Runs a read, and runs it once more if it failed because its pooled connection had died
/// (the server restarted, or a proxy closed it while the Lambda sandbox was frozen). The
/// pool does not ping before each query (that would double every request's round trips),
/// so this is where a dead connection is noticed. Only idempotent reads come through here.
async fn retry_read<T, F, Fut>(db: &Database, read: F) -> Result<T, sqlx::Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, sqlx::Error>>,
{
    timed(with_retries(db, Operation::Read, read)).await
}

/// Runs a write. It is retried only after a refused login (nothing was written then).
async fn write<T, F, Fut>(db: &Database, write: F) -> Result<T, sqlx::Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, sqlx::Error>>,
{
    timed(with_retries(db, Operation::Write, write)).await
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Operation {
    Read,
    Write,
}

/// Gives the pool current credentials first ([`Database::ready`], a no-op with
/// `DATABASE_URL`), then runs `operation`, retrying it at most once per cause: a dead
/// connection (reads only) and a refused login after the credentials were refreshed
/// ([`Database::recover`]: a rotated secret, an expired token).
async fn with_retries<T, F, Fut>(db: &Database, kind: Operation, mut operation: F) -> Result<T, sqlx::Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, sqlx::Error>>,
{
    db.ready().await?;
    let (mut may_retry_dead, mut may_retry_login) = (kind == Operation::Read, true);
    loop {
        let error = match operation().await {
            Ok(value) => return Ok(value),
            Err(error) => error,
        };
        if may_retry_dead && is_dead_connection(&error) {
            tracing::info!(cause = %error, "pooled connection was dead; retrying the read on a new one");
            may_retry_dead = false;
            db.ready().await?;
        } else if may_retry_login && db.recover(&error).await? {
            may_retry_login = false;
        } else {
            return Err(error);
        }
    }
}

/// Runs one database operation and records its time (the `DatabaseMs` metric).
pub(crate) async fn timed<T>(operation: impl Future<Output = T>) -> T {
    let started = std::time::Instant::now();
    let result = operation.await;
    metrics::histogram!(crate::telemetry::DATABASE_MS).record(started.elapsed().as_secs_f64() * 1e3);
    result
}

fn is_dead_connection(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_) => true,
        // admin_shutdown: the server terminated this connection (restart, failover).
        sqlx::Error::Database(db) => db.code().as_deref() == Some("57P01"),
        _ => false,
    }
}

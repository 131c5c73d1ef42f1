//! SQL, one module per table the routes read (the full-interaction join lives with
//! `Interacciones`), and `rows` for writing whole rows of any table (demo data, import). In
//! each module a query and the function that decodes its row sit side by side. SELECTs of
//! whole rows are built from `crate::schema` (one column list per table, so the columns, their
//! order and their casts cannot drift from MitACD's); joins and writes are written out. Each
//! statement is written once with `$n` binds, which both engines accept, and runs through
//! `Database`'s few methods. Statements are prepared and cached per connection by sqlx, so
//! PostgreSQL plans each one once per connection rather than once per request.

pub mod agents;
pub mod campaigns;
pub mod interactions;
pub mod parameters;
pub mod rows;

use std::future::Future;

use crate::db::Database;

/// Runs a read, and runs it once more if it failed because its pooled connection had died
/// (the server restarted, or a proxy closed it while the Lambda sandbox was frozen). The
/// pool does not ping before each query (that would double every request's round trips),
/// so this is where a dead connection is noticed. Only idempotent reads come through here.
pub(crate) async fn retry_read<T, F, Fut>(db: &Database, read: F) -> Result<T, sqlx::Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, sqlx::Error>>,
{
    timed(with_retries(db, Operation::Read, read)).await
}

/// Runs a write. It is retried only after a refused login (nothing was written then).
pub(crate) async fn write<T, F, Fut>(db: &Database, write: F) -> Result<T, sqlx::Error>
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

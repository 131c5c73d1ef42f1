//! SQL, one module per table (the full-interaction join lives with `Interacciones`). Each
//! statement is written once with `$n` binds, which both engines accept, and runs through
//! [`crate::with_pool!`]. Statements are prepared and cached per connection by sqlx, so
//! PostgreSQL plans each one once per connection rather than once per request.

pub mod agents;
pub mod campaigns;
pub mod interactions;
pub mod lookups;
pub mod parameters;

use std::future::Future;

/// Runs a read, and runs it once more if it failed because its pooled connection had died
/// (the server restarted, or a proxy closed it while the Lambda sandbox was frozen). The
/// pool does not ping before each query (that would double every request's round trips),
/// so this is where a dead connection is noticed. Only idempotent reads come through here.
pub(crate) async fn retry_read<T, F, Fut>(mut read: F) -> Result<T, sqlx::Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, sqlx::Error>>,
{
    timed(async {
        match read().await {
            Err(error) if is_dead_connection(&error) => {
                tracing::info!(cause = %error, "pooled connection was dead; retrying the read on a new one");
                read().await
            }
            other => other,
        }
    })
    .await
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

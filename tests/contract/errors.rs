//! CONTRACT 6: database failures are 503 with Retry-After, never a hang; nothing internal
//! (SQL, driver text, connection strings) reaches an error body.

use std::time::{Duration, Instant};

use shared::AppState;
use shared::db::Database;
use shared::http::routes;
use shared::settings::PoolSettings;
use sqlx::Connection;

use crate::support::{Event, TestApi, invoke_with, on_both_engines};

on_both_engines!(a_missing_table_is_503_with_no_sql_or_driver_text, seeding_twice_changes_nothing);

const LEAKS: [&str; 12] = [
    "SELECT",
    "select",
    "Agentes",
    "relation",
    "table",
    "sqlx",
    "postgres",
    "sqlite",
    "SQLITE",
    "error returned",
    "42P01",
    "stack",
];

/// The schema is the operator's to fix (a migration not run, a copy missing a table): 503
/// with Retry-After, the cause (naming the table) in the log only.
async fn a_missing_table_is_503_with_no_sql_or_driver_text(api: &TestApi) {
    api.execute(r#"DROP TABLE "Agentes""#).await;
    let reply = api.invoke(&routes::GET_AGENT, &Event::load("get-agent")).await;
    let detail = reply.problem(503);
    assert_eq!(reply.header("retry-after"), Some("1"));
    for leak in LEAKS {
        assert!(!reply.body.contains(leak), "{leak} in {}", reply.body);
    }
    assert_eq!(detail, "the database is unavailable; retry later");
}

async fn seeding_twice_changes_nothing(api: &TestApi) {
    // Every table, and the one the POST below writes to in particular.
    let count = || {
        api.count(
            r#"SELECT (SELECT COUNT(*) FROM "ParametrosTareaSalida") + (SELECT COUNT(*) FROM "ParametrosTareaEntrada")
                    + (SELECT COUNT(*) FROM "Interacciones") + (SELECT COUNT(*) FROM "Agentes")
                    + (SELECT COUNT(*) FROM "Campanias")"#,
        )
    };
    api.invoke(&routes::PUT_OUTGOING_PARAMETERS, &Event::load("put-outgoing-parameters")).await;
    let before = count().await;
    shared::demo::seed(api.state.db()).await.expect("second seed");
    assert_eq!(count().await, before);
    // A row written since the first seed is kept, not overwritten.
    let list = api.invoke(&routes::GET_OUTGOING_PARAMETERS, &Event::load("get-outgoing-parameters")).await;
    assert!(list.body.contains("alexitos4"));
}

fn unreachable(db: Database) -> AppState {
    AppState::new(db)
}

async fn assert_fast_503(state: &AppState, timeout: Duration) {
    for (route, file) in [
        (&routes::GET_AGENT, "get-agent"),
        (&routes::GET_FULL_INTERACTION, "get-full-interaction"),
        (&routes::GET_OUTGOING_PARAMETERS, "get-outgoing-parameters"),
        (&routes::PUT_OUTGOING_PARAMETERS, "put-outgoing-parameters"),
    ] {
        let started = Instant::now();
        let reply = invoke_with(state, route, &Event::load(file)).await;
        let elapsed = started.elapsed();
        reply.problem(503);
        assert_eq!(reply.header("retry-after"), Some("1"));
        assert_eq!(reply.header("x-request-id"), Some("c6af9ac6-7b61-11e6-9a41-93e8deadbeef"));
        for leak in ["127.0.0.1", "nobody", "secret", "refused", "/nonexistent"] {
            assert!(!reply.body.contains(leak), "{leak} in {}", reply.body);
        }
        // Bounded by the acquire timeout (and at most one retry of a read), never a hang.
        assert!(elapsed < timeout * 3 + Duration::from_secs(2), "{file}: {elapsed:?}");
    }
}

#[tokio::test]
async fn unreachable_postgres_is_503_with_retry_after_within_the_acquire_timeout() {
    let timeout = Duration::from_millis(300);
    let settings = PoolSettings { max_connections: 1, acquire_timeout: timeout, ..PoolSettings::default() };
    let db = Database::connect_lazy("postgres://nobody:secret@127.0.0.1:1/none", &settings).unwrap();
    assert_fast_503(&unreachable(db), timeout).await;
}

/// A statement PostgreSQL cannot finish in time (here: it waits on a lock another session
/// holds) is cancelled by the connection's statement timeout: 503, never the function's own
/// timeout. The POST too: the lock blocks the write, and nothing is written.
#[tokio::test]
async fn a_statement_past_the_statement_timeout_is_503_with_retry_after() {
    let Some(api) = TestApi::postgres().await else { return };
    let mut holder = sqlx::PgConnection::connect(&api.url()).await.unwrap();
    sqlx::raw_sql(r#"BEGIN; LOCK TABLE "Agentes", "Interacciones", "ParametrosTareaSalida" IN ACCESS EXCLUSIVE MODE"#)
        .execute(&mut holder)
        .await
        .unwrap();
    let timeout = Duration::from_millis(300);
    let settings = PoolSettings { statement_timeout: Some(timeout), ..PoolSettings::default() };
    let state = AppState::new(Database::connect_lazy(&api.url(), &settings).unwrap());
    assert_fast_503(&state, timeout).await;
    sqlx::raw_sql("ROLLBACK").execute(&mut holder).await.unwrap();
    let written = api.count(r#"SELECT COUNT(*) FROM "ParametrosTareaSalida" WHERE "Valor" = '42sdfe'"#).await;
    assert_eq!(written, 0, "the timed-out POST wrote nothing");
}

/// After a freeze (or a quiet spell) the server or a proxy may have closed the pooled
/// connection. Writes are never retried, so the pool pings a connection idle past
/// `idle_check` and replaces it if dead: the POST still lands.
#[tokio::test]
async fn a_post_after_the_server_closed_the_idle_connection_succeeds() {
    let Some(api) = TestApi::postgres().await else { return };
    let settings = PoolSettings { idle_check: Duration::from_millis(100), ..PoolSettings::default() };
    let state = AppState::new(Database::connect_lazy(&api.url(), &settings).unwrap());
    let pid: i32 = state.db().fetch_scalar("SELECT pg_backend_pid()").await.unwrap();
    let mut admin = sqlx::PgConnection::connect(&api.url()).await.unwrap();
    sqlx::query("SELECT pg_terminate_backend($1)").bind(pid).execute(&mut admin).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let reply = invoke_with(&state, &routes::PUT_OUTGOING_PARAMETERS, &Event::load("put-outgoing-parameters")).await;
    assert!(matches!(reply.status, 200 | 201), "{} {}", reply.status, reply.body);
    let again: i32 = state.db().fetch_scalar("SELECT pg_backend_pid()").await.unwrap();
    assert_ne!(again, pid, "a new connection replaced the dead one");
}

#[tokio::test]
async fn unopenable_sqlite_file_is_503_with_retry_after() {
    let timeout = Duration::from_millis(300);
    let settings = PoolSettings { max_connections: 1, acquire_timeout: timeout, ..PoolSettings::default() };
    let db = Database::connect_lazy("sqlite:///nonexistent/dir/v3.db", &settings).unwrap();
    assert_fast_503(&unreachable(db), timeout).await;
}

//! `DB_LAYOUT=babelfish`: MitACD read and written where Babelfish for Aurora PostgreSQL keeps
//! it. No package registry has Babelfish, so CI runs these on a PostgreSQL database laid out
//! as Babelfish lays MitACD out (`tests/babelfish.sh` runs the same checks against a real one
//! when `BABELFISH_PG_URL` is set): the tables in `mitacd_dbo`, names lowercased, typed with
//! stand-ins for Babelfish's `sys.varchar`, `sys.datetime` and `sys.tinyint`
//! (`fixtures/babelfish-types.postgres.sql`, which says what they cannot copy). Its
//! rows are the demo rows, copied column by column from a default-layout database, so both
//! layouts must answer every request with the same bytes.

use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};

use shared::AppState;
use shared::db::Database;
use shared::http::routes;
use shared::layout::{Layout, SchemaName};
use shared::schema::{SqlType, TABLES};
use shared::settings::PoolSettings;
use shared::store::{Store, check};
use sqlx::Connection;
use sqlx::postgres::PgConnectOptions;

use crate::query_plans::assert_index_lookups;
use crate::support::{Event, TestApi, every_demo_response, invoke_with};

static NEXT: AtomicU32 = AtomicU32::new(0);

/// A database of the test's own, laid out as Babelfish lays out MitACD, holding the demo rows.
pub struct BabelfishStandIn {
    pub state: AppState,
    admin_url: String,
    name: String,
}

/// The Babelfish type of a MitACD column, as a table made over TDS shows on the PostgreSQL
/// side (`int` and `bigint` are PostgreSQL's own).
fn babelfish_type(sql_type: SqlType) -> &'static str {
    match sql_type {
        SqlType::Int => "integer",
        SqlType::BigInt => "bigint",
        SqlType::TinyInt => "sys.tinyint",
        SqlType::VarChar(_) | SqlType::Text => "sys.varchar", // the length is not what is tested
        SqlType::DateTime => "sys.datetime",
    }
}

impl BabelfishStandIn {
    /// `None` (skipped) without `TEST_DATABASE_URL`, as every PostgreSQL test; CI sets it.
    pub async fn new() -> Option<Self> {
        let admin_url = scratch_db::test_database_url()?;
        let name = format!("v3bf_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        let mut admin = sqlx::PgConnection::connect(&admin_url).await.expect("PostgreSQL is reachable");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .expect("create the stand-in database");
        admin.close().await.ok();
        let options = PgConnectOptions::from_str(&admin_url).unwrap().database(&name);
        let db = Database::postgres(options, &PoolSettings::default());
        // The demo rows in the default layout first (our migrations, in `public`)…
        shared::demo::seed(&db).await.expect("seed the default layout");
        // …then MitACD as Babelfish keeps it, the same rows copied in, and the originals gone.
        db.execute_script(&Self::babelfish_copy()).await.expect("lay the database out as Babelfish does");
        let layout = Layout::Babelfish { schema: SchemaName::parse("mitacd_dbo").unwrap() };
        Some(Self { state: AppState { store: Store::new(db, layout) }, admin_url, name })
    }

    fn babelfish_copy() -> String {
        let mut sql = String::from(include_str!("fixtures/babelfish-types.postgres.sql"));
        sql.push_str("CREATE SCHEMA mitacd_dbo;\n");
        for table in TABLES {
            let lower = |name: &str| name.to_lowercase();
            let columns: Vec<String> = table
                .columns
                .iter()
                .map(|column| {
                    let null = if column.nullable { "" } else { " NOT NULL" };
                    format!("{} {}{null}", lower(column.name), babelfish_type(column.sql_type))
                })
                .collect();
            let keys: Vec<String> = table.primary_key.iter().map(|key| lower(key)).collect();
            let targets: Vec<String> = table.columns.iter().map(|column| lower(column.name)).collect();
            let sources: Vec<String> = table.columns.iter().map(|column| format!("\"{}\"", column.name)).collect();
            sql.push_str(&format!(
                "CREATE TABLE mitacd_dbo.{table} ({columns}, CONSTRAINT pk_{table} PRIMARY KEY ({keys}));
                 INSERT INTO mitacd_dbo.{table} ({targets}) SELECT {sources} FROM public.\"{name}\";\n",
                table = lower(table.name),
                name = table.name,
                columns = columns.join(", "),
                keys = keys.join(", "),
                targets = targets.join(", "),
                sources = sources.join(", "),
            ));
        }
        for table in TABLES.iter().rev() {
            sql.push_str(&format!("DROP TABLE public.\"{}\";\n", table.name));
        }
        sql.push_str("DROP TABLE public._sqlx_migrations;\n");
        sql
    }

    /// How to reach the stand-in's database (as the test server's admin; set another user to
    /// log in as a role).
    pub fn options(&self) -> PgConnectOptions {
        PgConnectOptions::from_str(&self.admin_url).unwrap().database(&self.name)
    }

    pub async fn execute(&self, sql: &str) {
        self.state.db().execute_script(sql).await.unwrap_or_else(|error| panic!("{sql}: {error}"));
    }
}

impl Drop for BabelfishStandIn {
    fn drop(&mut self) {
        let (url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop runs inside the test's runtime: clean up from a thread of its own.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async {
                if let Ok(mut admin) = sqlx::PgConnection::connect(&url).await {
                    let _ =
                        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin).await;
                }
            });
        })
        .join();
    }
}

#[tokio::test]
async fn the_babelfish_layout_answers_every_demo_request_byte_for_byte_as_the_default_layout() {
    let Some(ours) = TestApi::postgres().await else { return };
    let babelfish = BabelfishStandIn::new().await.unwrap();
    let (expected, served) = (every_demo_response(&ours.state).await, every_demo_response(&babelfish.state).await);
    assert!(expected.len() > 10);
    assert_eq!(served, expected);
    // And the misses: a well-formed id with no row is 404 in both.
    for file in
        ["get-agent-not-found", "get-campaign-not-found", "get-interaction-not-found", "get-full-interaction-not-found"]
    {
        let route = routes::ALL.iter().find(|route| file.starts_with(route.function)).unwrap();
        let (a, b) = (
            ours.invoke(route, &Event::load(file)).await,
            invoke_with(&babelfish.state, route, &Event::load(file)).await,
        );
        assert_eq!((b.status, &b.body), (a.status, &a.body), "{file}");
    }
}

#[tokio::test]
async fn a_post_in_the_babelfish_layout_upserts_on_mitacds_primary_key() {
    let Some(babelfish) = BabelfishStandIn::new().await else { return };
    let post = |body: &str| Event::load("put-outgoing-parameters").with_body(body);
    let body = r#"[{"task_id":4242,"key":"ruta","value":"a"},{"task_id":4242,"key":"otra","value":"c"}]"#;
    let created = invoke_with(&babelfish.state, &routes::PUT_OUTGOING_PARAMETERS, &post(body)).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let replaced = invoke_with(
        &babelfish.state,
        &routes::PUT_OUTGOING_PARAMETERS,
        &post(r#"{"task_id":4242,"key":"ruta","value":"b"}"#),
    )
    .await;
    assert_eq!(replaced.status, 200, "{}", replaced.body);
    let list = Event::load("get-outgoing-parameters").with_path_parameter("task_id", "4242");
    let listed = invoke_with(&babelfish.state, &routes::GET_OUTGOING_PARAMETERS, &list).await;
    assert_eq!(listed.status, 200);
    assert!(
        listed.body.contains(r#""ParametroTareaSalida_NombreParametro":"ruta","ParametroTareaSalida_Valor":"b""#),
        "{}",
        listed.body
    );
    // Written where MitACD keeps it, as the legacy applications will read it.
    let stored: Vec<(i32, String, String)> = sqlx::query_as(
        "SELECT idtarea, nombreparametro::text, valor::text FROM mitacd_dbo.parametrostareasalida WHERE idtarea = 4242 ORDER BY 2",
    )
    .fetch_all(postgres_pool(&babelfish))
    .await
    .unwrap();
    assert_eq!(stored, [(4242, "otra".to_owned(), "c".to_owned()), (4242, "ruta".to_owned(), "b".to_owned())]);
}

#[tokio::test]
async fn every_lookup_in_the_babelfish_layout_is_an_index_lookup() {
    let Some(babelfish) = BabelfishStandIn::new().await else { return };
    let mut connection = postgres_pool(&babelfish).acquire().await.unwrap();
    assert_index_lookups(&mut connection, babelfish.state.store.statements()).await;
}

#[tokio::test]
async fn the_schema_check_names_every_missing_table_and_column() {
    let Some(babelfish) = BabelfishStandIn::new().await else { return };
    assert_eq!(check::missing(&babelfish.state.store).await.unwrap(), []);
    babelfish.execute("DROP TABLE mitacd_dbo.grupos CASCADE; ALTER TABLE mitacd_dbo.agentes DROP COLUMN rol").await;
    let missing = check::missing(&babelfish.state.store).await.unwrap();
    assert_eq!(check::describe(&missing), "table mitacd_dbo.grupos, column mitacd_dbo.agentes.rol");
}

#[tokio::test]
async fn a_missing_table_in_the_babelfish_layout_is_503_and_leaks_nothing() {
    let Some(babelfish) = BabelfishStandIn::new().await else { return };
    babelfish.execute("DROP TABLE mitacd_dbo.agentes CASCADE").await;
    let reply = invoke_with(&babelfish.state, &routes::GET_AGENT, &Event::load("get-agent")).await;
    reply.problem(503);
    assert_eq!(reply.header("retry-after"), Some("1"));
    for leak in ["agentes", "relation", "mitacd_dbo", "SELECT", "42P01"] {
        assert!(!reply.body.contains(leak), "{leak} in {}", reply.body);
    }
}

fn postgres_pool(babelfish: &BabelfishStandIn) -> &sqlx::PgPool {
    let Database::Postgres(pool, _) = babelfish.state.db() else { unreachable!("the stand-in is PostgreSQL") };
    pool
}

/// The real Babelfish `tests/babelfish.py` built over TDS (`BABELFISH_PG_URL`, and
/// `BABELFISH_SCHEMA` for the T-SQL database it made), in the Babelfish layout.
fn real_babelfish() -> AppState {
    let url = std::env::var("BABELFISH_PG_URL").expect("BABELFISH_PG_URL: run through tests/babelfish.py");
    let schema = std::env::var("BABELFISH_SCHEMA").expect("BABELFISH_SCHEMA: run through tests/babelfish.py");
    let options = PgConnectOptions::from_str(&url).expect("BABELFISH_PG_URL parses");
    let layout = Layout::Babelfish { schema: SchemaName::parse(&schema).expect("a Babelfish schema name") };
    AppState { store: Store::new(Database::postgres(options, &PoolSettings::default()), layout) }
}

#[tokio::test]
#[ignore = "needs a real Babelfish: tests/babelfish.py runs it when BABELFISH_TDS_URL and BABELFISH_PG_URL are set"]
async fn real_babelfish_answers_every_demo_request_byte_for_byte_as_the_default_layout() {
    let ours = TestApi::postgres().await.expect("TEST_DATABASE_URL for the default layout to compare with");
    let babelfish = real_babelfish();
    assert_eq!(check::missing(&babelfish.store).await.unwrap(), []);
    assert_eq!(every_demo_response(&babelfish).await, every_demo_response(&ours.state).await);
}

#[tokio::test]
#[ignore = "needs a real Babelfish: tests/babelfish.py runs it when BABELFISH_TDS_URL and BABELFISH_PG_URL are set"]
async fn real_babelfish_every_lookup_is_an_index_lookup() {
    let babelfish = real_babelfish();
    let Database::Postgres(pool, _) = babelfish.db() else { unreachable!() };
    let mut connection = pool.acquire().await.unwrap();
    assert_index_lookups(&mut connection, babelfish.store.statements()).await;
}

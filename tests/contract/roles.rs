//! Issue 11: a database role per kind of function, on the real PostgreSQL (SQLite has no
//! roles). The GET functions log in as `v3_reader`, the POST function as `v3_writer`, `migrate`
//! as the owner; `Database::migrate` grants to the two roles after every run
//! (`shared::roles`), and `docs/database-roles.sql` holds the one-time SQL (the roles, and the
//! Babelfish layout's grants). Roles are the cluster's, shared by every test running at once:
//! each test creates the two it needs unless they exist, and never drops them; a test that
//! needs roles of its own names them after itself and drops them.

use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};

use shared::AppState;
use shared::db::Database;
use shared::http::routes;
use shared::layout::{Layout, SchemaName};
use shared::roles::{self, READER, Roles, WRITER};
use shared::schema::{PARAMETROS_TAREA_SALIDA, TABLES, Table};
use shared::settings::PoolSettings;
use shared::store::{Store, check};
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};

use crate::babelfish::BabelfishStandIn;
use crate::support::{Event, TestApi, every_demo_response, invoke_with};

const DOCS_SQL: &str = include_str!("../../docs/database-roles.sql");
const ROLES_PART: &str = "-- ---- 1. The roles";
const BABELFISH_PART: &str = "-- ---- 2. The grants, Babelfish layout only";

static NEXT: AtomicU32 = AtomicU32::new(0);

/// Creates `role` (LOGIN, no password: the test server trusts local logins) unless it exists.
/// Tests run in parallel: another may create it meanwhile (duplicate_object, or
/// unique_violation when both got past the check).
async fn ensure_role(role: &str) {
    let admin_url = scratch_db::test_database_url().expect("TEST_DATABASE_URL");
    let mut admin = PgConnection::connect(&admin_url).await.expect("PostgreSQL is reachable");
    match sqlx::query(&format!("CREATE ROLE {role} LOGIN")).execute(&mut admin).await {
        Ok(_) => {}
        Err(sqlx::Error::Database(error)) if matches!(error.code().as_deref(), Some("42710" | "23505")) => {}
        Err(error) => panic!("CREATE ROLE {role}: {error}"),
    }
    admin.close().await.ok();
}

/// A seeded database of the test's own whose migration ran with both API roles present, so
/// it granted to them. `None` (skipped) without `TEST_DATABASE_URL`, except under `CI=true`.
async fn with_roles() -> Option<TestApi> {
    scratch_db::test_database_url()?;
    ensure_role(READER).await;
    ensure_role(WRITER).await;
    TestApi::postgres().await
}

/// `url`'s database, logged in as `role`.
fn as_role(url: &str, role: &str) -> PgConnectOptions {
    PgConnectOptions::from_str(url).expect("the test database URL parses").username(role)
}

async fn connect(options: &PgConnectOptions) -> PgConnection {
    PgConnection::connect_with(options).await.unwrap_or_else(|error| panic!("log in as {:?}: {error}", options))
}

/// A function process's state over `options` in `layout`, as `main` builds one.
fn state(options: PgConnectOptions, layout: Layout) -> AppState {
    AppState { store: Store::new(Database::postgres(options, &PoolSettings::default()), layout) }
}

fn babelfish_layout() -> Layout {
    Layout::Babelfish { schema: SchemaName::parse("mitacd_dbo").unwrap() }
}

/// Asserts `sql` is refused for want of a privilege (42501) and nothing else.
async fn refused(connection: &mut PgConnection, sql: &str) {
    match sqlx::raw_sql(sql).execute(&mut *connection).await {
        Err(sqlx::Error::Database(error)) if error.code().as_deref() == Some("42501") => {}
        other => panic!("{sql}: expected permission denied (42501), got {other:?}"),
    }
}

async fn allowed(connection: &mut PgConnection, sql: &str) {
    if let Err(error) = sqlx::raw_sql(sql).execute(&mut *connection).await {
        panic!("{sql}: {error}");
    }
}

/// Statements that write `table` in every way SQL has (each refused before any row is read:
/// privileges are checked before constraints).
fn writes(table: &str, first_column: &str) -> [String; 4] {
    [
        format!("INSERT INTO {table} DEFAULT VALUES"),
        format!("UPDATE {table} SET {first_column} = {first_column}"),
        format!("DELETE FROM {table}"),
        format!("TRUNCATE {table}"),
    ]
}

fn quoted(table: &Table) -> (String, String) {
    (format!("\"{}\"", table.name), format!("\"{}\"", table.columns[0].name))
}

fn post(body: &str) -> Event {
    Event::load("put-outgoing-parameters").with_body(body)
}

/// Every privilege anyone holds in the database's current schema, as text: the schema's ACL,
/// each relation's, and each column's (system columns included).
const PRIVILEGES: &str = "SELECT concat_ws(E'\\n',
    (SELECT 'schema ' || coalesce(nspacl::text, '-') FROM pg_namespace WHERE nspname = current_schema()),
    (SELECT string_agg(c.relname || ' ' || coalesce(c.relacl::text, '-'), E'\\n' ORDER BY c.relname)
       FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'),
    (SELECT string_agg(c.relname || '.' || a.attname || ' ' || a.attacl::text, E'\\n' ORDER BY c.relname, a.attnum)
       FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
      WHERE c.relnamespace = current_schema()::regnamespace AND a.attacl IS NOT NULL))";

async fn privileges(api: &TestApi) -> String {
    api.state.db().fetch_scalar::<String>(PRIVILEGES).await.expect("read the privileges")
}

fn pool(db: &Database) -> &sqlx::PgPool {
    let Database::Postgres(pool, _) = db else { unreachable!("PostgreSQL") };
    pool
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reader_cannot_insert_update_or_delete_any_table() {
    let Some(api) = with_roles().await else { return };
    let mut reader = connect(&as_role(&api.url(), READER)).await;
    for table in TABLES {
        let (name, first_column) = quoted(table);
        allowed(&mut reader, &format!("SELECT count(*) FROM {name}")).await;
        for write in writes(&name, &first_column) {
            refused(&mut reader, &write).await;
        }
    }
    for write in writes("_sqlx_migrations", "version") {
        refused(&mut reader, &write).await;
    }
    refused(&mut reader, "CREATE TABLE \"Intrusa\" (x integer)").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reader_reads_only_the_columns_a_response_carries_never_the_stored_passwords() {
    let Some(api) = with_roles().await else { return };
    let mut reader = connect(&as_role(&api.url(), READER)).await;
    let mut withheld = 0;
    for table in TABLES {
        let (name, _) = quoted(table);
        for column in table.columns {
            let select = format!("SELECT \"{}\" FROM {name}", column.name);
            if column.returned {
                allowed(&mut reader, &select).await;
            } else {
                refused(&mut reader, &select).await;
                withheld += 1;
            }
        }
        // `SELECT *` names every column: refused wherever one is withheld.
        let star = format!("SELECT * FROM {name} WHERE false");
        if table.columns.iter().all(|column| column.returned) {
            allowed(&mut reader, &star).await;
        } else {
            refused(&mut reader, &star).await;
        }
    }
    // Agentes.Password, PasswordLoginId, passwordMIM and Campanias.idEmpresa at least.
    assert!(withheld >= 4, "{withheld}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_writer_cannot_read_agentes_nor_any_table_but_the_outgoing_parameters() {
    let Some(api) = with_roles().await else { return };
    let mut writer = connect(&as_role(&api.url(), WRITER)).await;
    refused(&mut writer, r#"SELECT "Nombre", "Password" FROM "Agentes""#).await;
    refused(&mut writer, r#"SELECT "idAgente" FROM "Agentes""#).await;
    for table in TABLES.into_iter().filter(|table| **table != PARAMETROS_TAREA_SALIDA) {
        refused(&mut writer, &format!("SELECT count(*) FROM {}", quoted(table).0)).await;
    }
    refused(&mut writer, "SELECT count(*) FROM _sqlx_migrations").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_writer_cannot_touch_the_incoming_parameters_nor_any_other_table() {
    let Some(api) = with_roles().await else { return };
    let before = api.count(r#"SELECT count(*) FROM "ParametrosTareaEntrada""#).await;
    let mut writer = connect(&as_role(&api.url(), WRITER)).await;
    refused(&mut writer, r#"INSERT INTO "ParametrosTareaEntrada" VALUES (9001, 'clave', 'valor')"#).await;
    refused(&mut writer, r#"UPDATE "ParametrosTareaEntrada" SET "Valor" = 'x' WHERE "idTarea" = 1"#).await;
    for table in TABLES.into_iter().filter(|table| **table != PARAMETROS_TAREA_SALIDA) {
        let (name, first_column) = quoted(table);
        for write in writes(&name, &first_column) {
            refused(&mut writer, &write).await;
        }
    }
    refused(&mut writer, "CREATE TABLE \"Intrusa\" (x integer)").await;
    assert_eq!(api.count(r#"SELECT count(*) FROM "ParametrosTareaEntrada""#).await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_writer_cannot_delete_outgoing_parameters_nor_move_them_to_another_key() {
    let Some(api) = with_roles().await else { return };
    api.execute(r#"INSERT INTO "ParametrosTareaSalida" VALUES (9002, 'clave', 'valor')"#).await;
    let mut writer = connect(&as_role(&api.url(), WRITER)).await;
    refused(&mut writer, r#"DELETE FROM "ParametrosTareaSalida" WHERE "idTarea" = 9002"#).await;
    refused(&mut writer, r#"TRUNCATE "ParametrosTareaSalida""#).await;
    refused(&mut writer, r#"UPDATE "ParametrosTareaSalida" SET "idTarea" = 9003 WHERE "idTarea" = 9002"#).await;
    refused(&mut writer, r#"UPDATE "ParametrosTareaSalida" SET "NombreParametro" = 'otra' WHERE "idTarea" = 9002"#)
        .await;
    let kept = r#"SELECT count(*) FROM "ParametrosTareaSalida" WHERE "idTarea" = 9002 AND "NombreParametro" = 'clave' AND "Valor" = 'valor'"#;
    assert_eq!(api.count(kept).await, 1);
}

/// Runs the POST's upsert twice (an insert, then the same key replaced) as `role`, holding on
/// `ParametrosTareaSalida` just what `grants` give it; returns what each run said, or the
/// SQLSTATE that refused it.
async fn upsert_as(api: &TestApi, role: &str, grants: &str) -> Result<Vec<bool>, String> {
    let table = r#""ParametrosTareaSalida""#;
    api.execute(&format!(r#"REVOKE ALL ON {table} FROM {role}; DELETE FROM {table} WHERE "idTarea" = 9100; {grants}"#))
        .await;
    let upsert = shared::store::parameters::upsert_outgoing_sql(&Layout::MitAcd);
    let mut connection = connect(&as_role(&api.url(), role)).await;
    let mut created = Vec::new();
    for value in ["primero", "segundo"] {
        let outcome = sqlx::query_scalar::<_, bool>(&upsert)
            .bind(vec![9100_i32])
            .bind(vec!["clave"])
            .bind(vec![value])
            .fetch_all(&mut connection)
            .await;
        match outcome {
            Ok(rows) => created.extend(rows),
            Err(sqlx::Error::Database(error)) => return Err(error.code().unwrap_or_default().into_owned()),
            Err(other) => panic!("{other}"),
        }
    }
    connection.close().await.ok();
    Ok(created)
}

/// What PostgreSQL (15) requires of the upsert, found by granting less: INSERT; UPDATE of
/// "Valor"; SELECT of the conflict target's columns, of "Valor" (read through EXCLUDED) and of
/// the system column xmax (RETURNING). The writer's grants in `shared::roles` are that.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_upsert_needs_insert_update_of_valor_and_select_of_its_key_valor_and_xmax() {
    let Some(api) = with_roles().await else { return };
    let role = format!("v3_upsert_probe_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
    let _dropped = OwnRoles::create(&[&role]).await;
    let schema: String = api.state.db().fetch_scalar("SELECT current_schema()::text").await.unwrap();
    api.execute(&format!("GRANT USAGE ON SCHEMA {schema} TO {role}")).await;
    let on_table = |privileges: &str| format!(r#"GRANT {privileges} ON "ParametrosTareaSalida" TO {role}"#);
    let refused_with = [
        (r#"INSERT, UPDATE"#, "no SELECT at all"),
        (r#"INSERT, UPDATE, SELECT ("idTarea", "NombreParametro", "Valor")"#, "RETURNING reads xmax"),
        (r#"INSERT, UPDATE, SELECT ("NombreParametro", "Valor", xmax)"#, "the conflict target"),
        (r#"INSERT, UPDATE, SELECT ("idTarea", "Valor", xmax)"#, "the conflict target"),
        (r#"INSERT, UPDATE, SELECT ("idTarea", "NombreParametro", xmax)"#, "EXCLUDED.\"Valor\" is read"),
        (r#"INSERT, SELECT ("idTarea", "NombreParametro", "Valor", xmax)"#, "DO UPDATE"),
        (r#"UPDATE, SELECT ("idTarea", "NombreParametro", "Valor", xmax)"#, "INSERT"),
    ];
    for (privileges, needs) in refused_with {
        assert_eq!(
            upsert_as(&api, &role, &on_table(privileges)).await,
            Err("42501".to_owned()),
            "{privileges}: {needs}"
        );
    }
    let least = roles::writer_grants(&schema, &Layout::MitAcd, &role);
    assert_eq!(upsert_as(&api, &role, &least).await, Ok(vec![true, false]), "{least}");
    // SELECT on the whole table works too, but is not needed.
    assert_eq!(upsert_as(&api, &role, &on_table("INSERT, UPDATE, SELECT")).await, Ok(vec![true, false]));
    api.execute(&format!(
        r#"REVOKE ALL ON "ParametrosTareaSalida" FROM {role}; REVOKE ALL ON SCHEMA {schema} FROM {role}"#
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_get_route_answers_under_the_reader_as_under_the_owner() {
    let Some(api) = with_roles().await else { return };
    let reader = state(as_role(&api.url(), READER), Layout::MitAcd);
    let (expected, served) = (every_demo_response(&api.state).await, every_demo_response(&reader).await);
    assert!(expected.len() > 10);
    assert_eq!(served, expected);
    for file in
        ["get-agent-not-found", "get-campaign-not-found", "get-interaction-not-found", "get-full-interaction-not-found"]
    {
        let route = routes::ALL.iter().find(|route| file.starts_with(route.function)).unwrap();
        assert_eq!(invoke_with(&reader, route, &Event::load(file)).await.status, 404, "{file}");
    }
    reader.db().close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_post_creates_201_and_replaces_200_under_the_writer() {
    let Some(api) = with_roles().await else { return };
    let writer = state(as_role(&api.url(), WRITER), Layout::MitAcd);
    let created = invoke_with(
        &writer,
        &routes::PUT_OUTGOING_PARAMETERS,
        &post(r#"[{"task_id":9200,"key":"ruta","value":"a"},{"task_id":9200,"key":"otra","value":"c"}]"#),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let replaced =
        invoke_with(&writer, &routes::PUT_OUTGOING_PARAMETERS, &post(r#"{"task_id":9200,"key":"ruta","value":"b"}"#))
            .await;
    assert_eq!(replaced.status, 200, "{}", replaced.body);
    let stored = r#"SELECT count(*) FROM "ParametrosTareaSalida" WHERE "idTarea" = 9200
                     AND (("NombreParametro", "Valor") IN (('ruta', 'b'), ('otra', 'c')))"#;
    assert_eq!(api.count(stored).await, 2);
    writer.db().close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_post_under_the_reader_writes_nothing() {
    let Some(api) = with_roles().await else { return };
    let reader = state(as_role(&api.url(), READER), Layout::MitAcd);
    let reply =
        invoke_with(&reader, &routes::PUT_OUTGOING_PARAMETERS, &post(r#"{"task_id":9300,"key":"ruta","value":"a"}"#))
            .await;
    reply.problem(500);
    assert!(!reply.body.contains("permission") && !reply.body.contains("42501"), "{}", reply.body);
    assert_eq!(api.count(r#"SELECT count(*) FROM "ParametrosTareaSalida" WHERE "idTarea" = 9300"#).await, 0);
    reader.db().close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_grants_step_is_idempotent_and_migrate_still_works_under_the_owner() {
    let Some(api) = with_roles().await else { return };
    let first = privileges(&api).await;
    for role in [READER, WRITER] {
        assert!(first.contains(&format!("{role}=")), "{role} granted by the first migration: {first}");
    }
    api.state.db().migrate().await.expect("migrate again");
    api.state.db().migrate().await.expect("and again");
    assert_eq!(privileges(&api).await, first);
    let again = roles::grant(pool(api.state.db()), Roles::API).await.unwrap();
    assert_eq!(again.granted, [READER, WRITER]);
    assert_eq!(privileges(&api).await, first);
    assert_eq!(api.state.db().schema_version().await.unwrap(), 20261203000000);
    let writer = state(as_role(&api.url(), WRITER), Layout::MitAcd);
    let reply =
        invoke_with(&writer, &routes::PUT_OUTGOING_PARAMETERS, &post(r#"{"task_id":9400,"key":"k","value":"v"}"#))
            .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    writer.db().close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_created_after_the_first_migration_get_their_grants_on_the_next_run() {
    let Some(api) = with_roles().await else { return };
    let n = format!("{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
    let (reader_role, writer_role) = (format!("v3_late_reader_{n}"), format!("v3_late_writer_{n}"));
    let late = Roles { reader: &reader_role, writer: &writer_role };

    let before = roles::grant(pool(api.state.db()), late).await.expect("a missing role is skipped, not an error");
    assert_eq!((before.granted.len(), before.missing), (0, vec![reader_role.clone(), writer_role.clone()]));

    let _dropped = OwnRoles::create(&[&reader_role, &writer_role]).await;
    let reader = state(as_role(&api.url(), &reader_role), Layout::MitAcd);
    let writer = state(as_role(&api.url(), &writer_role), Layout::MitAcd);
    let get = Event::load("get-agent");
    // Nothing granted yet: without USAGE on the schema its tables are invisible to the role,
    // answered as a missing table is (503).
    assert_eq!(invoke_with(&reader, &routes::GET_AGENT, &get).await.status, 503, "nothing granted yet");

    let after = roles::grant(pool(api.state.db()), late).await.unwrap();
    assert_eq!(after.granted, [reader_role.clone(), writer_role.clone()]);
    assert!(after.missing.is_empty());
    let got = invoke_with(&reader, &routes::GET_AGENT, &get).await;
    assert_eq!(got.status, 200, "{}", got.body);
    let posted =
        invoke_with(&writer, &routes::PUT_OUTGOING_PARAMETERS, &post(r#"{"task_id":9500,"key":"k","value":"v"}"#))
            .await;
    assert_eq!(posted.status, 201, "{}", posted.body);
    reader.db().close().await;
    writer.db().close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_grants_step_revokes_nothing_from_the_owner_nor_more_than_it_grants() {
    let Some(api) = with_roles().await else { return };
    let owner: String = api.state.db().fetch_scalar("SELECT current_user::text").await.unwrap();
    let first = privileges(&api).await;
    // A role that is the migrator itself is left alone, whatever it is named after.
    let report = roles::grant(pool(api.state.db()), Roles { reader: &owner, writer: WRITER }).await.unwrap();
    assert_eq!((report.owners, report.granted), (vec![owner.clone()], vec![WRITER.to_owned()]));
    assert_eq!(privileges(&api).await, first);
    // A privilege given by hand beyond the grants is taken back on the next run.
    api.execute(&format!(
        r#"GRANT DELETE ON "ParametrosTareaSalida" TO {WRITER}; GRANT SELECT ON "Agentes" TO {WRITER}"#
    ))
    .await;
    assert_ne!(privileges(&api).await, first);
    api.state.db().migrate().await.unwrap();
    assert_eq!(privileges(&api).await, first);
}

/// Roles of the test's own (LOGIN, no password), dropped with their privileges at the end.
struct OwnRoles(Vec<String>);

impl OwnRoles {
    async fn create(names: &[&str]) -> Self {
        let admin_url = scratch_db::test_database_url().expect("TEST_DATABASE_URL");
        let mut admin = PgConnection::connect(&admin_url).await.unwrap();
        for name in names {
            sqlx::query(&format!("CREATE ROLE {name} LOGIN")).execute(&mut admin).await.unwrap();
        }
        admin.close().await.ok();
        Self(names.iter().map(|name| (*name).to_owned()).collect())
    }
}

impl Drop for OwnRoles {
    fn drop(&mut self) {
        let names = self.0.join(", ");
        // Drop runs inside the test's runtime: clean up from a thread of its own.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async {
                let Some(url) = scratch_db::test_database_url() else { return };
                if let Ok(mut admin) = PgConnection::connect(&url).await {
                    let _ =
                        sqlx::raw_sql(&format!("DROP OWNED BY {names}; DROP ROLE {names}")).execute(&mut admin).await;
                }
            });
        })
        .join();
    }
}

// --- docs/database-roles.sql: the one-time SQL README points at ---

fn docs_part(marker: &str) -> &'static str {
    let start = DOCS_SQL.find(marker).unwrap_or_else(|| panic!("docs/database-roles.sql has a part {marker}"));
    let rest = &DOCS_SQL[start..];
    let end = rest[marker.len()..].find("-- ---- ").map_or(rest.len(), |end| end + marker.len());
    &rest[..end]
}

#[test]
fn the_docs_babelfish_grants_are_what_the_code_renders_from_the_schema() {
    let rendered = roles::grant_sql("mitacd_dbo", &babelfish_layout(), Roles::API);
    assert!(
        docs_part(BABELFISH_PART).ends_with(&rendered),
        "docs/database-roles.sql part 2 must end with:\n{rendered}"
    );
    assert!(docs_part(ROLES_PART).contains("CREATE ROLE v3_reader LOGIN"));
    assert!(docs_part(ROLES_PART).contains("CREATE ROLE v3_writer LOGIN"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_docs_sql_creates_both_roles_with_login() {
    let Some(admin_url) = scratch_db::test_database_url() else { return };
    let n = format!("{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
    // Under names of the test's own, in a transaction rolled back: the cluster keeps none.
    let sql = docs_part(ROLES_PART)
        .replace("v3_reader", &format!("v3_docs_reader_{n}"))
        .replace("v3_writer", &format!("v3_docs_writer_{n}"));
    let mut admin = PgConnection::connect(&admin_url).await.unwrap();
    let mut tx = admin.begin().await.unwrap();
    sqlx::raw_sql(&sql).execute(&mut *tx).await.unwrap_or_else(|error| panic!("{sql}: {error}"));
    let created: i64 = sqlx::query_scalar(&format!(
        "SELECT count(*) FROM pg_roles WHERE rolname LIKE 'v3_docs_%{n}' AND rolcanlogin AND NOT rolsuper"
    ))
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    assert_eq!(created, 2);
    tx.rollback().await.unwrap();
}

/// The Babelfish stand-in with the docs' part 2 run on it, as the DBA would run it.
async fn babelfish_with_roles() -> Option<BabelfishStandIn> {
    scratch_db::test_database_url()?;
    ensure_role(READER).await;
    ensure_role(WRITER).await;
    let babelfish = BabelfishStandIn::new().await?;
    babelfish.execute(docs_part(BABELFISH_PART)).await;
    Some(babelfish)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_the_babelfish_layout_the_docs_grants_serve_every_get_to_the_reader_and_the_post_to_the_writer() {
    let Some(babelfish) = babelfish_with_roles().await else { return };
    let reader = state(babelfish.options().username(READER), babelfish_layout());
    // The first request's schema check reads the catalog, which every role may.
    assert_eq!(check::missing(&reader.store).await.unwrap(), []);
    assert_eq!(every_demo_response(&reader).await, every_demo_response(&babelfish.state).await);
    let writer = state(babelfish.options().username(WRITER), babelfish_layout());
    assert_eq!(check::missing(&writer.store).await.unwrap(), []);
    let created = invoke_with(
        &writer,
        &routes::PUT_OUTGOING_PARAMETERS,
        &post(r#"[{"task_id":4343,"key":"ruta","value":"a"},{"task_id":4343,"key":"otra","value":"c"}]"#),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let replaced =
        invoke_with(&writer, &routes::PUT_OUTGOING_PARAMETERS, &post(r#"{"task_id":4343,"key":"ruta","value":"b"}"#))
            .await;
    assert_eq!(replaced.status, 200, "{}", replaced.body);
    let listed = invoke_with(
        &reader,
        &routes::GET_OUTGOING_PARAMETERS,
        &Event::load("get-outgoing-parameters").with_path_parameter("task_id", "4343"),
    )
    .await;
    assert!(listed.body.contains(r#""ParametroTareaSalida_NombreParametro":"ruta","ParametroTareaSalida_Valor":"b""#));
    reader.db().close().await;
    writer.db().close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_the_babelfish_layout_the_reader_cannot_write_and_the_writer_cannot_read_agentes() {
    let Some(babelfish) = babelfish_with_roles().await else { return };
    let mut reader = connect(&babelfish.options().username(READER)).await;
    for table in TABLES {
        let name = format!("mitacd_dbo.{}", table.name.to_lowercase());
        allowed(&mut reader, &format!("SELECT count(*) FROM {name}")).await;
        for write in writes(&name, &table.columns[0].name.to_lowercase()) {
            refused(&mut reader, &write).await;
        }
    }
    refused(&mut reader, "CREATE TABLE mitacd_dbo.intrusa (x integer)").await;
    let mut writer = connect(&babelfish.options().username(WRITER)).await;
    refused(&mut writer, "SELECT nombre FROM mitacd_dbo.agentes").await;
    for table in TABLES.into_iter().filter(|table| **table != PARAMETROS_TAREA_SALIDA) {
        let name = format!("mitacd_dbo.{}", table.name.to_lowercase());
        refused(&mut writer, &format!("SELECT count(*) FROM {name}")).await;
        for write in writes(&name, &table.columns[0].name.to_lowercase()) {
            refused(&mut writer, &write).await;
        }
    }
    refused(&mut writer, "DELETE FROM mitacd_dbo.parametrostareasalida").await;
    refused(&mut writer, "UPDATE mitacd_dbo.parametrostareasalida SET idtarea = idtarea").await;
    reader.close().await.ok();
    writer.close().await.ok();
}

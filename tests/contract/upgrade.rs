//! CONTRACT 5: a database made by the first migration (the schema reconstructed from the seed's
//! examples) upgrades to MitACD's schema without losing a row, on both engines: every old row
//! is still served with its values, and a value MitACD's types cannot hold stops the upgrade
//! with a message, leaving the database as it was. Old rows are written with raw SQL, as the
//! first schema (and the API of the time) stored them.

use std::borrow::Cow;

use serde_json::Value;
use shared::db::{Database, postgres_migrator, sqlite_migrator};
use shared::http::routes::{self, Route};

use crate::support::{Event, TestApi, every_demo_response};

/// The demo rows of the first schema's time (the repository's demo file before MitACD).
const OLD_DEMO: &str = include_str!("fixtures/demo-data-v1.json");
const FIRST_MIGRATION: i64 = 20260101000000;

macro_rules! on_both_engines_unseeded {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    super::$test(&crate::support::TestApi::sqlite_unseeded()).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    if let Some(api) = crate::support::TestApi::postgres_unseeded().await {
                        super::$test(&api).await;
                    }
                }
            )*
        }
    };
}

on_both_engines_unseeded!(
    every_old_row_is_served_after_the_upgrade,
    old_values_are_converted_to_mitacd_types_as_the_api_printed_them,
    a_value_mitacd_cannot_hold_stops_the_upgrade_and_changes_nothing,
    the_upgraded_database_takes_the_new_demo_rows,
);

/// Migrates `db` with the first migration only, as the code of its time did.
async fn migrate_to_the_first_schema(db: &Database) {
    let mut migrator = match db {
        Database::Postgres(..) => postgres_migrator(),
        Database::Sqlite(_) => sqlite_migrator(),
    };
    let first: Vec<_> = migrator.migrations.iter().filter(|m| m.version == FIRST_MIGRATION).cloned().collect();
    assert_eq!(first.len(), 1);
    migrator.migrations = Cow::Owned(first);
    match db {
        Database::Postgres(pool, _) => migrator.run(pool).await,
        Database::Sqlite(pool) => migrator.run(pool).await,
    }
    .expect("first migration");
}

fn literal(value: &Value) -> String {
    match value {
        Value::Null => "NULL".into(),
        Value::Number(number) => number.to_string(),
        Value::String(text) => format!("'{}'", text.replace('\'', "''")),
        other => panic!("no such value in the demo file: {other}"),
    }
}

/// The old demo rows, with raw SQL into the first schema's tables.
async fn load_old_demo_rows(api: &TestApi) {
    let old: serde_json::Map<String, Value> = serde_json::from_str(OLD_DEMO).unwrap();
    for (table, rows) in old.iter().filter(|(name, _)| !name.starts_with('_')) {
        for row in rows.as_array().unwrap() {
            let row = row.as_object().unwrap();
            let columns: Vec<String> = row.keys().map(|column| format!("\"{column}\"")).collect();
            let values: Vec<String> = row.values().map(literal).collect();
            api.execute(&format!("INSERT INTO \"{table}\" ({}) VALUES ({})", columns.join(", "), values.join(", ")))
                .await;
        }
    }
}

async fn old_database(api: &TestApi) {
    migrate_to_the_first_schema(api.state.db()).await;
    load_old_demo_rows(api).await;
}

async fn get(api: &TestApi, route: &Route, file: &str, parameter: &str, id: &str) -> String {
    let reply = api.invoke(route, &Event::load(file).with_path_parameter(parameter, id)).await;
    assert_eq!(reply.status, 200, "{file} {id}: {}", reply.body);
    reply.body
}

fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|error| panic!("{error}: {body}"))
}

async fn every_old_row_is_served_after_the_upgrade(api: &TestApi) {
    old_database(api).await;
    api.state.db().migrate().await.expect("upgrade to MitACD");
    // Each stored-row route prints exactly the old row's values (and key order is checked by
    // the byte-for-byte tests of the new demo rows).
    let old: serde_json::Map<String, Value> = serde_json::from_str(OLD_DEMO).unwrap();
    let stored = |table: &str| old[table].as_array().unwrap().clone();
    for row in stored("Interacciones") {
        let id = row["idInteraccion"].as_str().unwrap();
        let body = get(api, &routes::GET_INTERACTION, "get-interaction", "interaction_id", id).await;
        assert_eq!(json(&body), row);
    }
    for row in stored("Campanias") {
        let id = row["idCampania"].to_string();
        assert_eq!(json(&get(api, &routes::GET_CAMPAIGN, "get-campaign", "campaign_id", &id).await), row);
    }
    for row in stored("Agentes") {
        let id = row["idAgente"].to_string();
        assert_eq!(json(&get(api, &routes::GET_AGENT, "get-agent", "agent_id", &id).await), row);
    }
    for (table, route, file) in [
        ("ParametroTareaEntrada", &routes::GET_INCOMING_PARAMETERS, "get-incoming-parameters"),
        ("ParametroTareaSalida", &routes::GET_OUTGOING_PARAMETERS, "get-outgoing-parameters"),
    ] {
        for row in stored(table) {
            let task = row["idTarea"].to_string();
            let body = get(api, route, file, "task_id", &task).await;
            let name = row["NombreParametro"].as_str().unwrap();
            let value = row["Valor"].as_str().unwrap();
            let entry = format!(
                r#""{table}_idTarea":{task},"{table}_NombreParametro":{},"{table}_Valor":{}"#,
                Value::from(name),
                Value::from(value)
            );
            assert!(body.contains(&entry), "{entry} in {body}");
        }
    }
    // The analytics view of the old interaction: every lookup found, as before.
    let full =
        get(api, &routes::GET_FULL_INTERACTION, "get-full-interaction", "interaction_id", "210614222408193_ACD_00001")
            .await;
    assert_eq!(full, crate::interactions::FULL);
    for (table, rows) in [("ParametrosTareaEntrada", 26), ("ParametrosTareaSalida", 8), ("ModoCampania", 2)] {
        assert_eq!(api.count(&format!("SELECT COUNT(*) FROM \"{table}\"")).await, rows, "{table}");
    }
}

async fn old_values_are_converted_to_mitacd_types_as_the_api_printed_them(api: &TestApi) {
    old_database(api).await;
    let (photo, started) = match api.engine() {
        "postgres" => (r"'\xffd8ffe0'::bytea", "'2021-06-15T01:24:08.193456-03:00'::timestamptz"),
        _ => ("X'FFD8FFE0'", "'2021-06-15T04:24:08.193Z'"),
    };
    api.execute(&format!(
        r#"UPDATE "Agentes" SET "Photo" = {photo}, "Costo" = 12, "TieneFoto" = 1 WHERE "idAgente" = 3"#
    ))
    .await;
    api.execute(&format!(
        r#"UPDATE "Campanias" SET "Inicio" = {started}, "VinculoDefault" = ' 1 ' WHERE "idCampania" = 1"#
    ))
    .await;
    api.execute(r#"INSERT INTO "ResultadosGestion" ("idResultadoGestion", "Codigo", "Nombre") VALUES (5, 'OK', 'Venta'), (6, 'NN', NULL)"#)
        .await;
    api.execute(r#"UPDATE "Interacciones" SET "idResultadoGestion" = 5"#).await;
    api.state.db().migrate().await.expect("upgrade to MitACD");

    let agent = get(api, &routes::GET_AGENT, "get-agent", "agent_id", "3").await;
    // The bytes as the base64 text the API printed for them; the cost as the integer it was.
    assert!(agent.contains(r#","Photo":"/9j/4A==","#), "{agent}");
    assert!(agent.contains(r#","Costo":12,"#), "{agent}");
    let campaign = get(api, &routes::GET_CAMPAIGN, "get-campaign", "campaign_id", "1").await;
    // Inicio: the text the API printed for the timestamp (milliseconds, truncated), now varchar.
    assert!(campaign.contains(r#","Inicio":"2021-06-15T04:24:08.193Z","#), "{campaign}");
    assert!(campaign.contains(r#","VinculoDefault":1,"#), "{campaign}");
    let full =
        get(api, &routes::GET_FULL_INTERACTION, "get-full-interaction", "interaction_id", "210614222408193_ACD_00001")
            .await;
    // The old Codigo is MitACD's id; the old Nombre, the name the analytics view printed.
    assert!(full.contains(r#""result":{"id":5,"code":"OK","name":"Venta"}"#), "{full}");
    assert_eq!(api.count(r#"SELECT COUNT(*) FROM "ResultadosGestion" WHERE "Nombre" = '' AND "id" = 'NN'"#).await, 1);
}

async fn a_value_mitacd_cannot_hold_stops_the_upgrade_and_changes_nothing(api: &TestApi) {
    old_database(api).await;
    api.execute(r#"UPDATE "Agentes" SET "Costo" = 12.5 WHERE "idAgente" = 3"#).await;
    let error = api.state.db().migrate().await.expect_err("a fractional cost cannot become MitACD's int").to_string();
    assert!(error.contains("Agentes.Costo"), "{error}");
    // Rolled back whole: the first schema's tables, with their rows, and no new table.
    assert_eq!(api.count(r#"SELECT COUNT(*) FROM "ParametroTareaSalida""#).await, 8);
    assert_eq!(api.count(r#"SELECT COUNT(*) FROM "Agentes" WHERE "Costo" = 12.5"#).await, 1);
    let mitacd_tables = match api.engine() {
        "postgres" => {
            "SELECT COUNT(*) FROM pg_tables WHERE tablename = 'ParametrosTareaSalida' AND schemaname = current_schema()"
        }
        _ => "SELECT COUNT(*) FROM sqlite_master WHERE name = 'ParametrosTareaSalida'",
    };
    assert_eq!(api.count(mitacd_tables).await, 0);

    // Fixed, it upgrades.
    api.execute(r#"UPDATE "Agentes" SET "Costo" = 12 WHERE "idAgente" = 3"#).await;
    api.state.db().migrate().await.expect("upgrade once the row is fixed");
}

async fn the_upgraded_database_takes_the_new_demo_rows(api: &TestApi) {
    old_database(api).await;
    shared::demo::seed(api.state.db()).await.expect("upgrade and seed");
    // Same end state as a fresh database: every new demo response, passwords nowhere.
    let secrets = shared::demo::DemoData::load().never_returned_values();
    for body in every_demo_response(&api.state).await {
        assert!(secrets.iter().all(|secret| !body.contains(secret.as_str())), "{body}");
    }
    let fresh = TestApi::sqlite().await;
    for id in ["210615101500000_ACD_00002", "210616000000000_ACD_00003"] {
        let upgraded = get(api, &routes::GET_FULL_INTERACTION, "get-full-interaction", "interaction_id", id).await;
        assert_eq!(
            upgraded,
            get(&fresh, &routes::GET_FULL_INTERACTION, "get-full-interaction", "interaction_id", id).await
        );
    }
}

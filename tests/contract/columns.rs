//! CONTRACT 3.2, 3.4, 3.5: each stored column reaches the response under its own key. A row
//! is written with raw SQL giving every column a value no other column has (integers by
//! position, strings by column name, timestamps by day), then read back through its route:
//! two columns swapped anywhere between the table and the JSON would show here, even where the
//! demo rows hold equal values in them.

use serde_json::{Value, json};
use shared::http::routes;
use shared::schema::{AGENTES, CAMPANIAS, INTERACCIONES, SqlType, Table};

use crate::support::{Event, TestApi, on_both_engines};

on_both_engines!(every_column_is_read_into_its_own_key);

/// Inserts a row of `table` with key `key` and a distinct value in every other column;
/// returns the JSON each returned column must print.
async fn insert_distinct_row(api: &TestApi, table: &Table, key: &str) -> serde_json::Map<String, Value> {
    let (mut columns, mut values, mut expected) = (Vec::new(), Vec::new(), serde_json::Map::new());
    for (position, column) in table.columns.iter().enumerate() {
        let (literal, printed) = if table.primary_key.contains(&column.name) {
            match column.sql_type {
                SqlType::VarChar(_) => (format!("'{key}'"), json!(key)),
                _ => (key.to_owned(), json!(key.parse::<i64>().unwrap())),
            }
        } else {
            match column.sql_type {
                SqlType::Int | SqlType::TinyInt | SqlType::BigInt => {
                    let number = 100 + position as i64;
                    (number.to_string(), json!(number))
                }
                SqlType::VarChar(_) | SqlType::Text => (format!("'{}'", column.name), json!(column.name)),
                SqlType::DateTime => {
                    let at = format!("2020-01-{:02}T10:20:30.{:03}Z", position, position);
                    let literal = match api.engine() {
                        "postgres" => format!("'{}'::timestamp", at.trim_end_matches('Z')),
                        _ => format!("'{at}'"),
                    };
                    (literal, json!(at))
                }
            }
        };
        columns.push(format!("\"{}\"", column.name));
        values.push(literal);
        if column.returned {
            expected.insert(column.name.to_owned(), printed);
        }
    }
    api.execute(&format!("INSERT INTO \"{}\" ({}) VALUES ({})", table.name, columns.join(", "), values.join(", ")))
        .await;
    expected
}

async fn every_column_is_read_into_its_own_key(api: &TestApi) {
    for (table, route, file, parameter, key) in [
        (&AGENTES, &routes::GET_AGENT, "get-agent", "agent_id", "77"),
        (&CAMPANIAS, &routes::GET_CAMPAIGN, "get-campaign", "campaign_id", "77"),
        (&INTERACCIONES, &routes::GET_INTERACTION, "get-interaction", "interaction_id", "distinct_columns"),
    ] {
        let expected = insert_distinct_row(api, table, key).await;
        let reply = api.invoke(route, &Event::load(file).with_path_parameter(parameter, key)).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let served: serde_json::Map<String, Value> = serde_json::from_str(&reply.body).unwrap();
        let (served_keys, expected_keys): (Vec<_>, Vec<_>) = (served.keys().collect(), expected.keys().collect());
        assert_eq!(served_keys.len(), expected_keys.len(), "{}: {}", table.name, reply.body);
        for (name, value) in &expected {
            assert_eq!(served.get(name), Some(value), "{}.{name} in {}", table.name, reply.body);
        }
    }
}

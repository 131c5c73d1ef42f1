//! CONTRACT 4 and 8: `POST /v3/parameters/outgoing`.

use shared::http::routes;

use crate::support::{Event, TestApi, invoke_with, on_both_engines};

on_both_engines!(
    post_creates_with_201_and_a_get_through_another_function_sees_it,
    post_replacing_an_existing_key_is_200,
    batch_is_201_if_any_key_is_new,
    number_and_boolean_values_are_stored_as_their_literal_text,
    task_id_may_be_a_string_of_digits,
    same_key_twice_in_a_batch_keeps_the_last_value,
    keys_are_case_sensitive,
    batch_is_all_or_nothing,
    batch_of_100_is_accepted_and_101_is_400,
    key_and_value_length_limits_count_code_points,
    malformed_bodies_are_400_and_write_nothing,
    body_over_one_mebibyte_is_413,
    non_json_content_type_is_415,
    post_without_content_type_is_read_as_json,
    base64_encoded_body_is_decoded,
    concurrent_upserts_of_one_key_leave_one_row,
    a_thousand_concurrent_upserts_over_100_keys_leave_100_rows_each_with_a_written_value,
    a_thousand_concurrent_inserts_of_distinct_keys_leave_1000_rows,
);

async fn outgoing(api: &TestApi, task: &str) -> serde_json::Value {
    let event = Event::load("get-outgoing-parameters").with_path_parameter("task_id", task);
    api.invoke(&routes::GET_OUTGOING_PARAMETERS, &event).await.json()
}

fn value_of(list: &serde_json::Value, key: &str) -> Option<String> {
    list.as_array()?
        .iter()
        .find(|p| p["ParametroTareaSalida_NombreParametro"] == key)
        .map(|p| p["ParametroTareaSalida_Valor"].as_str().unwrap().to_owned())
}

fn post(body: &str) -> Event {
    Event::load("put-outgoing-parameters").with_body(body)
}

async fn rows(api: &TestApi) -> i64 {
    api.count(r#"SELECT COUNT(*) FROM "ParametrosTareaSalida""#).await
}

async fn post_creates_with_201_and_a_get_through_another_function_sees_it(api: &TestApi) {
    let reply = api.invoke(&routes::PUT_OUTGOING_PARAMETERS, &Event::load("put-outgoing-parameters")).await;
    assert_eq!((reply.status, reply.body.as_str()), (201, "ok"));
    assert_eq!(reply.header("content-type"), Some("text/plain; charset=utf-8"));
    // Another function process, with its own pool, reads the write.
    let reader = api.another_process();
    let event = Event::load("get-outgoing-parameters");
    let list = invoke_with(&reader, &routes::GET_OUTGOING_PARAMETERS, &event).await.json();
    assert_eq!(value_of(&list, "alexitos4").as_deref(), Some("42sdfe"));
}

async fn post_replacing_an_existing_key_is_200(api: &TestApi) {
    let before = rows(api).await;
    let reply = api
        .invoke(&routes::PUT_OUTGOING_PARAMETERS, &post(r#"{"task_id": 812, "key": "Flujo", "value": "PROMESA"}"#))
        .await;
    assert_eq!((reply.status, reply.body.as_str()), (200, "ok"));
    assert_eq!(value_of(&outgoing(api, "812").await, "Flujo").as_deref(), Some("PROMESA"));
    assert_eq!(rows(api).await, before, "a replace adds no row");
    // Retrying the same write is safe: still 200, still one row.
    let again = api
        .invoke(&routes::PUT_OUTGOING_PARAMETERS, &post(r#"{"task_id": 812, "key": "Flujo", "value": "PROMESA"}"#))
        .await;
    assert_eq!(again.status, 200);
    assert_eq!(rows(api).await, before);
}

async fn batch_is_201_if_any_key_is_new(api: &TestApi) {
    let reply = api.invoke(&routes::PUT_OUTGOING_PARAMETERS, &Event::load("put-outgoing-parameters-batch")).await;
    assert_eq!(reply.status, 201, "monto and contactado are new");
    let replay = api.invoke(&routes::PUT_OUTGOING_PARAMETERS, &Event::load("put-outgoing-parameters-batch")).await;
    assert_eq!(replay.status, 200, "every key exists now");
}

async fn number_and_boolean_values_are_stored_as_their_literal_text(api: &TestApi) {
    let body = r#"[{"task_id":9,"key":"int","value":43},{"task_id":9,"key":"float","value":43.0},
                   {"task_id":9,"key":"exp","value":1e3},{"task_id":9,"key":"neg","value":-0.5},
                   {"task_id":9,"key":"yes","value":true},{"task_id":9,"key":"no","value":false}]"#;
    assert_eq!(api.invoke(&routes::PUT_OUTGOING_PARAMETERS, &post(body)).await.status, 201);
    let list = outgoing(api, "9").await;
    for (key, stored) in
        [("int", "43"), ("float", "43.0"), ("exp", "1e3"), ("neg", "-0.5"), ("yes", "true"), ("no", "false")]
    {
        assert_eq!(value_of(&list, key).as_deref(), Some(stored), "{key}");
    }
    assert!(list.to_string().contains(r#""ParametroTareaSalida_Valor":"43""#), "read back as a JSON string");
}

async fn task_id_may_be_a_string_of_digits(api: &TestApi) {
    let reply =
        api.invoke(&routes::PUT_OUTGOING_PARAMETERS, &post(r#"{"task_id": "0815", "key": "k", "value": "v"}"#)).await;
    assert_eq!(reply.status, 201);
    assert_eq!(value_of(&outgoing(api, "815").await, "k").as_deref(), Some("v"));
}

async fn same_key_twice_in_a_batch_keeps_the_last_value(api: &TestApi) {
    let body = r#"[{"task_id":7,"key":"k","value":"first"},{"task_id":7,"key":"k","value":"last"}]"#;
    assert_eq!(api.invoke(&routes::PUT_OUTGOING_PARAMETERS, &post(body)).await.status, 201);
    let list = outgoing(api, "7").await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(value_of(&list, "k").as_deref(), Some("last"));
    // Both occurrences name an existing key now: 200.
    assert_eq!(api.invoke(&routes::PUT_OUTGOING_PARAMETERS, &post(body)).await.status, 200);
}

async fn keys_are_case_sensitive(api: &TestApi) {
    let reply =
        api.invoke(&routes::PUT_OUTGOING_PARAMETERS, &post(r#"{"task_id": 812, "key": "flujo", "value": "x"}"#)).await;
    assert_eq!(reply.status, 201, "'flujo' is not 'Flujo'");
    let list = outgoing(api, "812").await;
    assert_eq!(value_of(&list, "Flujo").as_deref(), Some("NORMAL"));
    assert_eq!(value_of(&list, "flujo").as_deref(), Some("x"));
}

async fn batch_is_all_or_nothing(api: &TestApi) {
    let before = rows(api).await;
    let body = r#"[{"task_id":6,"key":"a","value":"1"},{"task_id":6,"key":"b","value":"2"},{"task_id":6,"key":"c","value":null}]"#;
    let reply = api.invoke(&routes::PUT_OUTGOING_PARAMETERS, &post(body)).await;
    assert!(reply.problem(400).starts_with("[2].value "));
    assert_eq!(rows(api).await, before, "nothing written");
    assert_eq!(outgoing(api, "6").await, serde_json::json!([]));
}

async fn batch_of_100_is_accepted_and_101_is_400(api: &TestApi) {
    let items = |n: usize| {
        let items: Vec<String> = (0..n).map(|i| format!(r#"{{"task_id":4,"key":"k{i:03}","value":"{i}"}}"#)).collect();
        format!("[{}]", items.join(","))
    };
    let before = rows(api).await;
    assert!(
        api.invoke(&routes::PUT_OUTGOING_PARAMETERS, &post(&items(101))).await.problem(400).contains("1 to 100 items")
    );
    assert_eq!(rows(api).await, before);
    assert!(api.invoke(&routes::PUT_OUTGOING_PARAMETERS, &post("[]")).await.problem(400).contains("1 to 100 items"));
    assert_eq!(api.invoke(&routes::PUT_OUTGOING_PARAMETERS, &post(&items(100))).await.status, 201);
    assert_eq!(rows(api).await, before + 100);
}

async fn key_and_value_length_limits_count_code_points(api: &TestApi) {
    let key100 = "ñ".repeat(100);
    let value4000 = "€".repeat(4000);
    let ok = format!(r#"{{"task_id": 3, "key": "{key100}", "value": "{value4000}"}}"#);
    assert_eq!(api.invoke(&routes::PUT_OUTGOING_PARAMETERS, &post(&ok)).await.status, 201);
    assert_eq!(value_of(&outgoing(api, "3").await, &key100).map(|v| v.chars().count()), Some(4000));
    let long_key = format!(r#"{{"task_id": 3, "key": "{}", "value": "v"}}"#, "ñ".repeat(101));
    assert!(api.invoke(&routes::PUT_OUTGOING_PARAMETERS, &post(&long_key)).await.problem(400).starts_with("key "));
    let long_value = format!(r#"{{"task_id": 3, "key": "k", "value": "{}"}}"#, "€".repeat(4001));
    assert!(api.invoke(&routes::PUT_OUTGOING_PARAMETERS, &post(&long_value)).await.problem(400).starts_with("value "));
    let long_number = format!(r#"{{"task_id": 3, "key": "k", "value": 1{}}}"#, "0".repeat(4000));
    assert!(api.invoke(&routes::PUT_OUTGOING_PARAMETERS, &post(&long_number)).await.problem(400).starts_with("value "));
}

async fn malformed_bodies_are_400_and_write_nothing(api: &TestApi) {
    let before = rows(api).await;
    let reply =
        api.invoke(&routes::PUT_OUTGOING_PARAMETERS, &Event::load("put-outgoing-parameters-malformed-body")).await;
    assert!(reply.problem(400).starts_with("body must be a JSON object"));
    for (body, field) in [
        ("", "body"),
        ("null", "body"),
        (r#""text""#, "body"),
        (r#"{"key": "k", "value": "v"}"#, "task_id"),
        (r#"{"task_id": -1, "key": "k", "value": "v"}"#, "task_id"),
        (r#"{"task_id": 2147483648, "key": "k", "value": "v"}"#, "task_id"),
        (r#"{"task_id": 1.5, "key": "k", "value": "v"}"#, "task_id"),
        (r#"{"task_id": 1, "value": "v"}"#, "key"),
        (r#"{"task_id": 1, "key": "", "value": "v"}"#, "key"),
        (r#"{"task_id": 1, "key": 5, "value": "v"}"#, "key"),
        (r#"{"task_id": 1, "key": "a\u0001b", "value": "v"}"#, "key"),
        (r#"{"task_id": 1, "key": "k"}"#, "value"),
        (r#"{"task_id": 1, "key": "k", "value": null}"#, "value"),
        (r#"{"task_id": 1, "key": "k", "value": {"a": 1}}"#, "value"),
        (r#"{"task_id": 1, "key": "k", "value": [1]}"#, "value"),
        (r#"{"task_id": 1, "key": "k", "value": "a\u0000b"}"#, "value"),
        (r#"[{"task_id": 1, "key": "k", "value": "v"}, "x"]"#, "[1]"),
    ] {
        let detail = api.invoke(&routes::PUT_OUTGOING_PARAMETERS, &post(body)).await.problem(400);
        assert!(detail.starts_with(field), "{body}: {detail}");
    }
    assert_eq!(rows(api).await, before);
}

async fn body_over_one_mebibyte_is_413(api: &TestApi) {
    let padding = " ".repeat(1024 * 1024);
    let body = format!(r#"{{"task_id": 1, "key": "k", "value": "v"}}{padding}"#);
    api.invoke(&routes::PUT_OUTGOING_PARAMETERS, &post(&body)).await.problem(413);
    assert_eq!(value_of(&outgoing(api, "1").await, "k"), None);
}

async fn non_json_content_type_is_415(api: &TestApi) {
    let reply = api.invoke(&routes::PUT_OUTGOING_PARAMETERS, &Event::load("put-outgoing-parameters-not-json")).await;
    reply.problem(415);
    let text = post(r#"{"task_id": 1, "key": "k", "value": "v"}"#).with_header("content-type", "text/plain");
    api.invoke(&routes::PUT_OUTGOING_PARAMETERS, &text).await.problem(415);
    assert_eq!(value_of(&outgoing(api, "1").await, "k"), None);
}

async fn post_without_content_type_is_read_as_json(api: &TestApi) {
    let event = post(r#"{"task_id": 1, "key": "k", "value": "v"}"#).without_header("content-type");
    assert_eq!(api.invoke(&routes::PUT_OUTGOING_PARAMETERS, &event).await.status, 201);
}

async fn base64_encoded_body_is_decoded(api: &TestApi) {
    // {"task_id":1,"key":"b64","value":"ok"}
    let event =
        Event::load("put-outgoing-parameters").with_base64_body("eyJ0YXNrX2lkIjoxLCJrZXkiOiJiNjQiLCJ2YWx1ZSI6Im9rIn0=");
    assert_eq!(api.invoke(&routes::PUT_OUTGOING_PARAMETERS, &event).await.status, 201);
    assert_eq!(value_of(&outgoing(api, "1").await, "b64").as_deref(), Some("ok"));
}

async fn concurrent_upserts_of_one_key_leave_one_row(api: &TestApi) {
    // Eight function processes, each with its own one-connection pool, write one key 25 times.
    let mut writers = Vec::new();
    for process in 0..8 {
        let state = api.another_process();
        writers.push(tokio::spawn(async move {
            let mut statuses = Vec::new();
            for attempt in 0..25 {
                let body = format!(r#"{{"task_id": 31, "key": "race", "value": "p{process}-{attempt}"}}"#);
                statuses.push(invoke_with(&state, &routes::PUT_OUTGOING_PARAMETERS, &post(&body)).await.status);
            }
            statuses
        }));
    }
    let mut statuses = Vec::new();
    for writer in writers {
        statuses.extend(writer.await.unwrap());
    }
    assert!(statuses.iter().all(|status| *status == 200 || *status == 201), "{statuses:?}");
    assert_eq!(statuses.iter().filter(|status| **status == 201).count(), 1, "exactly one write created the row");
    assert_eq!(api.count(r#"SELECT COUNT(*) FROM "ParametrosTareaSalida" WHERE "idTarea" = 31"#).await, 1);
    let value = value_of(&outgoing(api, "31").await, "race").unwrap();
    assert!(value.starts_with('p') && value.contains('-'), "one of the written values: {value}");
}

/// `count` writes spread over 16 function processes (each its own one-connection pool),
/// all in flight at once; `write(i)` is the body of the i-th. Returns the statuses.
async fn concurrently(api: &TestApi, count: usize, write: impl Fn(usize) -> String) -> Vec<u16> {
    let processes: Vec<std::sync::Arc<shared::AppState>> =
        (0..16).map(|_| std::sync::Arc::new(api.another_process())).collect();
    let mut tasks = Vec::with_capacity(count);
    for i in 0..count {
        let state = processes[i % processes.len()].clone();
        let event = post(&write(i));
        tasks.push(tokio::spawn(
            async move { invoke_with(&state, &routes::PUT_OUTGOING_PARAMETERS, &event).await.status },
        ));
    }
    let mut statuses = Vec::with_capacity(count);
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    statuses
}

async fn a_thousand_concurrent_upserts_over_100_keys_leave_100_rows_each_with_a_written_value(api: &TestApi) {
    let statuses =
        concurrently(api, 1000, |i| format!(r#"{{"task_id": 50, "key": "key{:03}", "value": "write{i}"}}"#, i % 100))
            .await;
    assert!(statuses.iter().all(|s| *s == 200 || *s == 201), "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 100, "each key created exactly once");
    let list = outgoing(api, "50").await;
    let rows = list.as_array().unwrap();
    assert_eq!(rows.len(), 100);
    for row in rows {
        let key: usize = row["ParametroTareaSalida_NombreParametro"].as_str().unwrap()[3..].parse().unwrap();
        let value: usize = row["ParametroTareaSalida_Valor"].as_str().unwrap()[5..].parse().unwrap();
        assert_eq!(value % 100, key, "key{key:03} holds a value written to it, not to another key");
    }
}

async fn a_thousand_concurrent_inserts_of_distinct_keys_leave_1000_rows(api: &TestApi) {
    let statuses =
        concurrently(api, 1000, |i| format!(r#"{{"task_id": 51, "key": "key{i:04}", "value": "{i}"}}"#)).await;
    assert!(statuses.iter().all(|s| *s == 201), "every insert creates: {statuses:?}");
    assert_eq!(api.count(r#"SELECT COUNT(*) FROM "ParametrosTareaSalida" WHERE "idTarea" = 51"#).await, 1000);
}

//! CONTRACT 3.1: `GET /v3/parameters/outgoing/{task_id}` and `.../incoming/{task_id}`.

use shared::http::routes;

use crate::support::{Event, TestApi, on_both_engines};

on_both_engines!(
    outgoing_parameters_match_the_seed_bytes,
    incoming_parameters_match_the_seed_bytes,
    only_rows_of_exactly_that_task_are_listed,
    unknown_task_is_200_with_an_empty_array,
    parameters_sort_case_insensitively_with_underscore_before_letters,
    task_id_allows_leading_zeros,
    each_malformed_task_id_is_400,
);

const SEED_OUTGOING_812: &str = concat!(
    r#"[{"ParametroTareaSalida_idTarea":812,"ParametroTareaSalida_NombreParametro":"alex","ParametroTareaSalida_Valor":"43"},"#,
    r#"{"ParametroTareaSalida_idTarea":812,"ParametroTareaSalida_NombreParametro":"Fecha_credito","ParametroTareaSalida_Valor":"21/04/2022"},"#,
    r#"{"ParametroTareaSalida_idTarea":812,"ParametroTareaSalida_NombreParametro":"Fecha_proceso","ParametroTareaSalida_Valor":"202207"},"#,
    r#"{"ParametroTareaSalida_idTarea":812,"ParametroTareaSalida_NombreParametro":"Fecha_vigencia","ParametroTareaSalida_Valor":"21/04/2022"},"#,
    r#"{"ParametroTareaSalida_idTarea":812,"ParametroTareaSalida_NombreParametro":"Flujo","ParametroTareaSalida_Valor":"NORMAL"},"#,
    r#"{"ParametroTareaSalida_idTarea":812,"ParametroTareaSalida_NombreParametro":"resultado","ParametroTareaSalida_Valor":"INDEFINIDO"},"#,
    r#"{"ParametroTareaSalida_idTarea":812,"ParametroTareaSalida_NombreParametro":"resultado_gestion","ParametroTareaSalida_Valor":"0"}]"#
);

async fn outgoing_parameters_match_the_seed_bytes(api: &TestApi) {
    let reply = api.invoke(&routes::GET_OUTGOING_PARAMETERS, &Event::load("get-outgoing-parameters")).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("application/json; charset=utf-8"));
    assert_eq!(reply.body, SEED_OUTGOING_812);
}

async fn incoming_parameters_match_the_seed_bytes(api: &TestApi) {
    let reply = api.invoke(&routes::GET_INCOMING_PARAMETERS, &Event::load("get-incoming-parameters")).await;
    assert_eq!(reply.status, 200);
    // The seed document's own response, byte for byte (it is already in contract order).
    let seed = include_str!("../../shared/data/demo-data.json");
    let seed: serde_json::Value = serde_json::from_str(seed).unwrap();
    let expected: Vec<String> = seed["ParametrosTareaEntrada"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            format!(
                r#"{{"ParametroTareaEntrada_idTarea":{},"ParametroTareaEntrada_NombreParametro":{},"ParametroTareaEntrada_Valor":{}}}"#,
                row["idTarea"], row["NombreParametro"], row["Valor"]
            )
        })
        .collect();
    assert_eq!(reply.body, format!("[{}]", expected.join(",")));
    assert!(reply.body.contains(r#""ParametroTareaEntrada_Valor":"4781,91""#), "values are kept byte for byte");
}

async fn only_rows_of_exactly_that_task_are_listed(api: &TestApi) {
    let reply = api.invoke(&routes::GET_OUTGOING_PARAMETERS, &Event::load("get-outgoing-parameters")).await;
    assert!(!reply.body.contains("8123") && !reply.body.contains("alexito2"), "task 8123 is not task 812");
    let other = Event::load("get-outgoing-parameters").with_path_parameter("task_id", "8123");
    let reply = api.invoke(&routes::GET_OUTGOING_PARAMETERS, &other).await;
    assert_eq!(
        reply.body,
        r#"[{"ParametroTareaSalida_idTarea":8123,"ParametroTareaSalida_NombreParametro":"alexito2","ParametroTareaSalida_Valor":"42sdf2"}]"#
    );
}

async fn unknown_task_is_200_with_an_empty_array(api: &TestApi) {
    let reply =
        api.invoke(&routes::GET_OUTGOING_PARAMETERS, &Event::load("get-outgoing-parameters-unknown-task")).await;
    assert_eq!((reply.status, reply.body.as_str()), (200, "[]"));
    let incoming = Event::load("get-incoming-parameters").with_path_parameter("task_id", "2147483647");
    let reply = api.invoke(&routes::GET_INCOMING_PARAMETERS, &incoming).await;
    assert_eq!((reply.status, reply.body.as_str()), (200, "[]"));
}

async fn parameters_sort_case_insensitively_with_underscore_before_letters(api: &TestApi) {
    api.execute(
        r#"INSERT INTO "ParametrosTareaSalida" ("idTarea", "NombreParametro", "Valor") VALUES
           (5, 'b', '1'), (5, 'A_b', '2'), (5, 'Ab', '3'), (5, 'a', '4'), (5, 'B', '5'), (5, 'a_', '6')"#,
    )
    .await;
    let event = Event::load("get-outgoing-parameters").with_path_parameter("task_id", "5");
    let names: Vec<String> = api
        .invoke(&routes::GET_OUTGOING_PARAMETERS, &event)
        .await
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["ParametroTareaSalida_NombreParametro"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["a", "a_", "A_b", "Ab", "B", "b"]);
}

async fn task_id_allows_leading_zeros(api: &TestApi) {
    let event = Event::load("get-outgoing-parameters").with_path_parameter("task_id", "000812");
    let reply = api.invoke(&routes::GET_OUTGOING_PARAMETERS, &event).await;
    assert_eq!(reply.body, SEED_OUTGOING_812);
}

async fn each_malformed_task_id_is_400(api: &TestApi) {
    let reply =
        api.invoke(&routes::GET_OUTGOING_PARAMETERS, &Event::load("get-outgoing-parameters-malformed-id")).await;
    assert!(reply.problem(400).starts_with("task_id must be a decimal integer"));
    for bad in ["abc", "1.5", "1e3", "0x1F", "+812", "%20812", "812%20", "2147483648", "99999999999"] {
        for route in [&routes::GET_OUTGOING_PARAMETERS, &routes::GET_INCOMING_PARAMETERS] {
            let file = if route == &routes::GET_OUTGOING_PARAMETERS {
                "get-outgoing-parameters"
            } else {
                "get-incoming-parameters"
            };
            let event = Event::load(file).with_path_parameter("task_id", bad);
            let detail = api.invoke(route, &event).await.problem(400);
            assert!(detail.starts_with("task_id "), "{bad}: {detail}");
        }
    }
}

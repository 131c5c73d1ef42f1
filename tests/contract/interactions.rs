//! CONTRACT 3.2 and 3.3: the interaction as stored, and mapped for analytics.

use shared::http::routes;

use crate::support::{Event, TestApi, on_both_engines};

on_both_engines!(
    stored_interaction_matches_the_contract_bytes,
    full_interaction_matches_the_contract_bytes,
    interaction_with_a_management_result_matches_the_contract_bytes,
    interaction_with_null_in_every_column_prints_nulls,
    timestamps_print_utc_with_milliseconds_and_z,
    unknown_interaction_is_404,
    interactions_full_without_id_asks_for_the_interaction_named_full,
    each_malformed_interaction_id_is_400,
    interaction_id_is_percent_decoded_once,
    missing_lookups_keep_the_stored_id_and_null_the_rest,
    result_name_is_empty_string_when_unknown,
    duration_is_a_64_bit_integer,
);

const STORED: &str = concat!(
    r#"{"idInteraccion":"210614222408193_ACD_00001","Inicio":"2021-06-15T01:24:08.193Z","idNumero":0,"idCRM":null,"#,
    r#""Cliente":null,"DNIS":null,"ANI":null,"idResultadoGestion":null,"CausaTerminacion":27,"CausaQ850":136,"#,
    r#""OrigenCorte":0,"idCampania":1,"idAgente":3,"segmentos":1,"Contexto":null,"idMensaje":0,"idCaso":0,"#,
    r#""idCliente":null,"CerradaPorTiempoMaxACW":null,"Duracion":18631194,"idTarea":0}"#
);

/// The seed interaction mapped for analytics (CONTRACT 3.3), byte for byte.
pub(crate) const FULL: &str = include_str!("fixtures/full-interaction-seed.json");

// An invented row with every column filled, a management result and a termination cause
// with no lookup row (16).
const STORED_2: &str = concat!(
    r#"{"idInteraccion":"210615101500000_ACD_00002","Inicio":"2021-06-15T13:15:00.003Z","idNumero":3,"idCRM":"CRM-7781","#,
    r#""Cliente":"JANIA ALBORNOZ","DNIS":"5411","ANI":"925989416","idResultadoGestion":5,"CausaTerminacion":16,"#,
    r#""CausaQ850":16,"OrigenCorte":1,"idCampania":3,"idAgente":15,"segmentos":2,"#,
    r#""Contexto":"{\"canal\":\"voz\",\"intento\":2}","idMensaje":0,"idCaso":4410,"idCliente":"18157658","#,
    r#""CerradaPorTiempoMaxACW":0,"Duracion":95310,"idTarea":812}"#
);

const FULL_2: &str = concat!(
    r#"{"id":"210615101500000_ACD_00002","started_at":"2021-06-15T13:15:00.003Z","crm_id":"CRM-7781","#,
    r#""client":{"id":"18157658","name":"JANIA ALBORNOZ","phone_number_id":3},"dnis":"5411","ani":"925989416","#,
    r#""result":{"id":5,"code":"PRM","name":"Contactado > Promesa de pago"},"#,
    r#""termination_cause":{"id":16,"description":null,"default_score":null,"default_time":null},"#,
    r#""q850_cause_id":16,"cut_origin":{"id":1,"description":"Cliente"},"#,
    r#""campaign":{"id":3,"name":"Cobranza Temprana","mode":"Predictivo"},"#,
    r#""agent":{"id":15,"name":"Lucía Peña","group_id":2,"group_name":"Cobranzas","supervisor_id":3,"supervisor_name":"inno1"},"#,
    r#""segments":2,"context":"{\"canal\":\"voz\",\"intento\":2}","message_id":0,"case_id":4410,"#,
    r#""closed_by_max_acw_time":0,"duration":95310,"task_id":812}"#
);

const STORED_3: &str = concat!(
    r#"{"idInteraccion":"210616000000000_ACD_00003","Inicio":null,"idNumero":null,"idCRM":null,"Cliente":null,"#,
    r#""DNIS":null,"ANI":null,"idResultadoGestion":null,"CausaTerminacion":null,"CausaQ850":null,"OrigenCorte":null,"#,
    r#""idCampania":null,"idAgente":null,"segmentos":null,"Contexto":null,"idMensaje":null,"idCaso":null,"#,
    r#""idCliente":null,"CerradaPorTiempoMaxACW":null,"Duracion":null,"idTarea":null}"#
);

const FULL_3: &str = concat!(
    r#"{"id":"210616000000000_ACD_00003","started_at":null,"crm_id":null,"#,
    r#""client":{"id":null,"name":null,"phone_number_id":null},"dnis":null,"ani":null,"#,
    r#""result":{"id":null,"code":null,"name":""},"#,
    r#""termination_cause":{"id":null,"description":null,"default_score":null,"default_time":null},"#,
    r#""q850_cause_id":null,"cut_origin":{"id":null,"description":null},"#,
    r#""campaign":{"id":null,"name":null,"mode":null},"#,
    r#""agent":{"id":null,"name":null,"group_id":null,"group_name":null,"supervisor_id":null,"supervisor_name":null},"#,
    r#""segments":null,"context":null,"message_id":null,"case_id":null,"closed_by_max_acw_time":null,"duration":null,"task_id":null}"#
);

async fn interaction_with_a_management_result_matches_the_contract_bytes(api: &TestApi) {
    let id = "210615101500000_ACD_00002";
    let event = Event::load("get-interaction").with_path_parameter("interaction_id", id);
    assert_eq!(api.invoke(&routes::GET_INTERACTION, &event).await.body, STORED_2);
    let event = Event::load("get-full-interaction").with_path_parameter("interaction_id", id);
    assert_eq!(api.invoke(&routes::GET_FULL_INTERACTION, &event).await.body, FULL_2);
}

async fn interaction_with_null_in_every_column_prints_nulls(api: &TestApi) {
    let id = "210616000000000_ACD_00003";
    let event = Event::load("get-interaction").with_path_parameter("interaction_id", id);
    let reply = api.invoke(&routes::GET_INTERACTION, &event).await;
    assert_eq!((reply.status, reply.body.as_str()), (200, STORED_3));
    let event = Event::load("get-full-interaction").with_path_parameter("interaction_id", id);
    let reply = api.invoke(&routes::GET_FULL_INTERACTION, &event).await;
    assert_eq!((reply.status, reply.body.as_str()), (200, FULL_3));
}

async fn stored_interaction_matches_the_contract_bytes(api: &TestApi) {
    let reply = api.invoke(&routes::GET_INTERACTION, &Event::load("get-interaction")).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("application/json; charset=utf-8"));
    assert_eq!(reply.body, STORED);
}

async fn full_interaction_matches_the_contract_bytes(api: &TestApi) {
    let reply = api.invoke(&routes::GET_FULL_INTERACTION, &Event::load("get-full-interaction")).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, FULL);
}

async fn timestamps_print_utc_with_milliseconds_and_z(api: &TestApi) {
    // Stored from a non-UTC offset: printed in UTC, milliseconds, Z.
    insert_interaction(api, "ts_check", "2024-02-29T23:59:59.999-03:00", "NULL", "NULL", "NULL").await;
    let event = Event::load("get-interaction").with_path_parameter("interaction_id", "ts_check");
    assert_eq!(api.invoke(&routes::GET_INTERACTION, &event).await.json()["Inicio"], "2024-03-01T02:59:59.999Z");
    let event = Event::load("get-full-interaction").with_path_parameter("interaction_id", "ts_check");
    assert_eq!(
        api.invoke(&routes::GET_FULL_INTERACTION, &event).await.json()["started_at"],
        "2024-03-01T02:59:59.999Z"
    );
}

async fn unknown_interaction_is_404(api: &TestApi) {
    let reply = api.invoke(&routes::GET_INTERACTION, &Event::load("get-interaction-not-found")).await;
    assert_eq!(reply.problem(404), "no interaction with id '210614222408193_ACD_99999'");
    let reply = api.invoke(&routes::GET_FULL_INTERACTION, &Event::load("get-full-interaction-not-found")).await;
    assert_eq!(reply.problem(404), "no interaction with id 'nope'");
}

async fn interactions_full_without_id_asks_for_the_interaction_named_full(api: &TestApi) {
    let event = Event::load("get-interaction").with_path_parameter("interaction_id", "full");
    assert_eq!(event.0["rawPath"], "/v3/interactions/full");
    let reply = api.invoke(&routes::GET_INTERACTION, &event).await;
    assert_eq!(reply.problem(404), "no interaction with id 'full'");
}

async fn each_malformed_interaction_id_is_400(api: &TestApi) {
    let reply = api.invoke(&routes::GET_INTERACTION, &Event::load("get-interaction-malformed-id")).await;
    assert!(reply.problem(400).starts_with("interaction_id must be 1 to 64 characters"));
    let too_long = "a".repeat(65);
    for bad in ["bad id", "a%2Fb", "%27abc", "abc'", "ñandú", "a%", "%zz", "x%00", too_long.as_str()] {
        for (route, file) in
            [(&routes::GET_INTERACTION, "get-interaction"), (&routes::GET_FULL_INTERACTION, "get-full-interaction")]
        {
            let event = Event::load(file).with_path_parameter("interaction_id", bad);
            let detail = api.invoke(route, &event).await.problem(400);
            assert!(detail.starts_with("interaction_id "), "{bad}: {detail}");
        }
    }
}

async fn interaction_id_is_percent_decoded_once(api: &TestApi) {
    let event = Event::load("get-interaction").with_path_parameter("interaction_id", "210614222408193%5FACD%5F00001");
    assert_eq!(api.invoke(&routes::GET_INTERACTION, &event).await.body, STORED);
    // %255F decodes once to "%5F", which is not a valid id.
    let event = Event::load("get-interaction").with_path_parameter("interaction_id", "210614222408193%255FACD_00001");
    api.invoke(&routes::GET_INTERACTION, &event).await.problem(400);
}

async fn missing_lookups_keep_the_stored_id_and_null_the_rest(api: &TestApi) {
    // Campaign 42, agent 77 and termination cause 5 have no rows; cut origin is null.
    insert_interaction(api, "dangling", "2022-01-01T00:00:00Z", "42", "77", "5").await;
    let event = Event::load("get-full-interaction").with_path_parameter("interaction_id", "dangling");
    let reply = api.invoke(&routes::GET_FULL_INTERACTION, &event).await;
    assert_eq!(reply.status, 200);
    let json = reply.json();
    assert_eq!(json["campaign"], serde_json::json!({"id": 42, "name": null, "mode": null}));
    assert_eq!(
        json["agent"],
        serde_json::json!({"id": 77, "name": null, "group_id": null, "group_name": null, "supervisor_id": null, "supervisor_name": null})
    );
    assert_eq!(
        json["termination_cause"],
        serde_json::json!({"id": 5, "description": null, "default_score": null, "default_time": null})
    );
    assert_eq!(json["cut_origin"], serde_json::json!({"id": null, "description": null}));
    assert_eq!(json["result"], serde_json::json!({"id": null, "code": null, "name": ""}));
    assert!(reply.body.contains(r#""campaign":{"id":42,"name":null,"mode":null}"#), "nulls are written out");
}

async fn result_name_is_empty_string_when_unknown(api: &TestApi) {
    api.execute(
        r#"INSERT INTO "ResultadosGestion" ("idResultadoGestion", "Nombre", "id", "NombreCompleto")
           VALUES (1, 'Venta', 'OK', 'Ventas > Venta'), (2, 'Sin nombre', 'NN', NULL)"#,
    )
    .await;
    for (id, result, expected) in [
        ("with_result", "1", r#"{"id":1,"code":"OK","name":"Ventas > Venta"}"#),
        ("null_name", "2", r#"{"id":2,"code":"NN","name":""}"#),
        ("no_row", "3", r#"{"id":3,"code":null,"name":""}"#),
    ] {
        insert_interaction(api, id, "2022-01-01T00:00:00Z", "1", "3", "27").await;
        api.execute(&format!(
            r#"UPDATE "Interacciones" SET "idResultadoGestion" = {result} WHERE "idInteraccion" = '{id}'"#
        ))
        .await;
        let event = Event::load("get-full-interaction").with_path_parameter("interaction_id", id);
        let body = api.invoke(&routes::GET_FULL_INTERACTION, &event).await.body;
        assert!(body.contains(&format!(r#""result":{expected}"#)), "{id}: {body}");
    }
}

async fn duration_is_a_64_bit_integer(api: &TestApi) {
    insert_interaction(api, "long_call", "2022-01-01T00:00:00Z", "1", "3", "27").await;
    api.execute(r#"UPDATE "Interacciones" SET "Duracion" = 9007199254740993 WHERE "idInteraccion" = 'long_call'"#)
        .await;
    let event = Event::load("get-interaction").with_path_parameter("interaction_id", "long_call");
    assert!(api.invoke(&routes::GET_INTERACTION, &event).await.body.contains(r#""Duracion":9007199254740993,"#));
}

async fn insert_interaction(api: &TestApi, id: &str, started: &str, campaign: &str, agent: &str, cause: &str) {
    let started = shared::timestamp::Timestamp::parse(started).unwrap();
    let started = match api.engine() {
        "postgres" => format!("'{}'::timestamptz AT TIME ZONE 'UTC'", started.0.to_rfc3339()),
        _ => format!("'{started}'"),
    };
    api.execute(&format!(
        r#"INSERT INTO "Interacciones" ("idInteraccion", "Inicio", "idNumero", "idCampania", "idAgente", "CausaTerminacion",
                                        "segmentos", "idMensaje", "idCaso", "Duracion", "idTarea")
           VALUES ('{id}', {started}, 0, {campaign}, {agent}, {cause}, 1, 0, 0, 1000, 0)"#
    ))
    .await;
}

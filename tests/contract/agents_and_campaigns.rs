//! CONTRACT 3.4 and 3.5: campaigns and agents as stored.

use shared::Route;

use crate::support::{Event, TestApi, on_both_engines};

on_both_engines!(
    campaign_matches_the_seed_bytes,
    campaign_id_allows_leading_zeros,
    unknown_campaign_is_404,
    agent_matches_the_contract_bytes,
    cost_prints_as_an_integer_when_integral,
    photo_prints_as_base64,
    unknown_agent_is_404,
    each_malformed_numeric_id_is_400,
);

const CAMPAIGN_2: &str = concat!(
    r#"{"idCampania":2,"Nombre":"ChatBot","ModoCampania":4,"TipoContacto":5,"FechaCreacion":"2021-06-15T01:42:45.270Z","#,
    r#""Inicio":null,"Fin":null,"idCriterioRellamada":null,"idGrupoFeriado":1,"idBandaHoraria":2,"idGrupoRecursos":null,"#,
    r#""idGrupoResultadosGestion":1,"idGrupoWordSpottingOperador":null,"idGrupoWordSpottingCliente":null,"#,
    r#""idListaNoLlame":null,"idGrupoTiposBookmark":null,"DNIS":"ChatBot","Token":80,"VinculoDefault":null,"#,
    r#""idCuenta":null,"idGrupoPlantillasMensajes":null,"Activa":1,"ContextoInactiva":null}"#
);

// The seed's example, without its stray `,,`.
const AGENT_8: &str = concat!(
    r#"{"idAgente":8,"Nombre":"ippad1","idGrupo":1,"idPerfil":1,"Usuario":"pad1","Superusuario":1,"LoginId":"pad1","#,
    r#""idPerfilAgente":null,"Costo":0,"Legajo":null,"email":null,"Direccion":null,"TelefonoCasa":null,"#,
    r#""TelefonoCelular":null,"Activo":1,"TieneFoto":0,"UltimoCambioFoto":null,"FechaAlta":"2021-07-16T01:50:03.460Z","#,
    r#""FechaBaja":null,"ModoAutenticacion":0,"Token":1676,"rol":null,"Photo":null,"ContentType":null,"#,
    r#""usuarioMIM":"pad1","esUsuario":1,"esAgente":1,"Migrado":0}"#
);

async fn campaign_matches_the_seed_bytes(api: &TestApi) {
    let reply = api.invoke(Route::GetCampaign, &Event::load("get-campaign")).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("application/json; charset=utf-8"));
    assert_eq!(reply.body, CAMPAIGN_2);
}

async fn campaign_id_allows_leading_zeros(api: &TestApi) {
    assert_eq!(api.invoke(Route::GetCampaign, &Event::load("get-campaign-leading-zeros")).await.body, CAMPAIGN_2);
}

async fn unknown_campaign_is_404(api: &TestApi) {
    let reply = api.invoke(Route::GetCampaign, &Event::load("get-campaign-not-found")).await;
    assert_eq!(reply.problem(404), "no campaign with id 77");
}

async fn agent_matches_the_contract_bytes(api: &TestApi) {
    let reply = api.invoke(Route::GetAgent, &Event::load("get-agent")).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, AGENT_8);
}

async fn cost_prints_as_an_integer_when_integral(api: &TestApi) {
    assert!(api.invoke(Route::GetAgent, &Event::load("get-agent")).await.body.contains(r#","Costo":0,"#));
    api.execute(r#"UPDATE "Agentes" SET "Costo" = 12.5 WHERE "idAgente" = 3"#).await;
    let event = Event::load("get-agent").with_path_parameter("agent_id", "3");
    assert!(api.invoke(Route::GetAgent, &event).await.body.contains(r#","Costo":12.5,"#));
    api.execute(r#"UPDATE "Agentes" SET "Costo" = 7 WHERE "idAgente" = 3"#).await;
    assert!(api.invoke(Route::GetAgent, &event).await.body.contains(r#","Costo":7,"#));
}

async fn photo_prints_as_base64(api: &TestApi) {
    let bytes = match api.engine() {
        "postgres" => r"'\xffd8ffe0'::bytea",
        _ => "X'FFD8FFE0'",
    };
    api.execute(&format!(r#"UPDATE "Agentes" SET "Photo" = {bytes}, "TieneFoto" = 1 WHERE "idAgente" = 3"#)).await;
    let event = Event::load("get-agent").with_path_parameter("agent_id", "3");
    let body = api.invoke(Route::GetAgent, &event).await.body;
    assert!(body.contains(r#","Photo":"/9j/4A==","#), "{body}");
}

async fn unknown_agent_is_404(api: &TestApi) {
    let reply = api.invoke(Route::GetAgent, &Event::load("get-agent-not-found")).await;
    assert_eq!(reply.problem(404), "no agent with id 999");
}

async fn each_malformed_numeric_id_is_400(api: &TestApi) {
    let reply = api.invoke(Route::GetAgent, &Event::load("get-agent-malformed-id")).await;
    assert!(reply.problem(400).starts_with("agent_id must be a decimal integer from 0 to 2147483647"));
    for bad in ["-8", "+8", "8.0", "8e0", "0x8", " 8", "8%20", "eight", "2147483648", "%38%2E"] {
        let detail = api
            .invoke(Route::GetAgent, &Event::load("get-agent").with_path_parameter("agent_id", bad))
            .await
            .problem(400);
        assert!(detail.starts_with("agent_id "), "{bad}: {detail}");
        let event = Event::load("get-campaign").with_path_parameter("campaign_id", bad);
        let detail = api.invoke(Route::GetCampaign, &event).await.problem(400);
        assert!(detail.starts_with("campaign_id "), "{bad}: {detail}");
    }
}

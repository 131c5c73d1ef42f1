//! CONTRACT 3.4 and 3.5: campaigns and agents as stored.

use shared::http::routes;

use crate::support::{Event, TestApi, on_both_engines};

on_both_engines!(
    campaign_matches_the_seed_bytes,
    campaign_id_allows_leading_zeros,
    unknown_campaign_is_404,
    campaign_with_every_column_filled_matches_the_contract_bytes,
    campaign_with_null_in_every_column_prints_nulls,
    agent_matches_the_contract_bytes,
    agent_with_every_column_filled_matches_the_contract_bytes,
    agent_with_null_in_every_column_prints_nulls,
    stored_passwords_never_leave_the_database,
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

// Every column filled (an invented row): Inicio and Fin are MitACD's varchar(1024) text.
const CAMPAIGN_3: &str = concat!(
    r#"{"idCampania":3,"Nombre":"Cobranza Temprana","ModoCampania":2,"TipoContacto":1,"FechaCreacion":"2022-07-01T12:00:00.000Z","#,
    r#""Inicio":"08:00","Fin":"21:00","idCriterioRellamada":3,"idGrupoFeriado":1,"idBandaHoraria":2,"idGrupoRecursos":4,"#,
    r#""idGrupoResultadosGestion":1,"idGrupoWordSpottingOperador":7,"idGrupoWordSpottingCliente":8,"idListaNoLlame":2,"#,
    r#""idGrupoTiposBookmark":1,"DNIS":"08004455","Token":81,"VinculoDefault":1,"idCuenta":12,"idGrupoPlantillasMensajes":3,"#,
    r#""Activa":0,"ContextoInactiva":"Campaña pausada: fin de mes"}"#
);

const CAMPAIGN_4: &str = concat!(
    r#"{"idCampania":4,"Nombre":null,"ModoCampania":null,"TipoContacto":null,"FechaCreacion":null,"Inicio":null,"Fin":null,"#,
    r#""idCriterioRellamada":null,"idGrupoFeriado":null,"idBandaHoraria":null,"idGrupoRecursos":null,"#,
    r#""idGrupoResultadosGestion":null,"idGrupoWordSpottingOperador":null,"idGrupoWordSpottingCliente":null,"#,
    r#""idListaNoLlame":null,"idGrupoTiposBookmark":null,"DNIS":null,"Token":null,"VinculoDefault":null,"idCuenta":null,"#,
    r#""idGrupoPlantillasMensajes":null,"Activa":null,"ContextoInactiva":null}"#
);

// Every column filled (an invented row): Photo is MitACD's varchar(200) reference, as stored.
const AGENT_15: &str = concat!(
    r#"{"idAgente":15,"Nombre":"Lucía Peña","idGrupo":2,"idPerfil":2,"Usuario":"lpena","Superusuario":0,"LoginId":"lpena","#,
    r#""idPerfilAgente":4,"Costo":150,"Legajo":"L-0457","email":"lucia.pena@example.com","#,
    r#""Direccion":"Av. Corrientes 1234, CABA","TelefonoCasa":"011 4555-0101","TelefonoCelular":"11 5555-0199","#,
    r#""Activo":1,"TieneFoto":1,"UltimoCambioFoto":"2022-03-04T15:16:17.997Z","FechaAlta":"2021-09-01T11:00:00.000Z","#,
    r#""FechaBaja":null,"ModoAutenticacion":1,"Token":1702,"rol":"agente","Photo":"fotos/15.jpg","#,
    r#""ContentType":"image/jpeg","usuarioMIM":"lpena","esUsuario":1,"esAgente":1,"Migrado":1}"#
);

const AGENT_12: &str = concat!(
    r#"{"idAgente":12,"Nombre":null,"idGrupo":null,"idPerfil":null,"Usuario":null,"Superusuario":null,"LoginId":null,"#,
    r#""idPerfilAgente":null,"Costo":null,"Legajo":null,"email":null,"Direccion":null,"TelefonoCasa":null,"#,
    r#""TelefonoCelular":null,"Activo":null,"TieneFoto":null,"UltimoCambioFoto":null,"FechaAlta":null,"FechaBaja":null,"#,
    r#""ModoAutenticacion":null,"Token":null,"rol":null,"Photo":null,"ContentType":null,"usuarioMIM":null,"#,
    r#""esUsuario":null,"esAgente":null,"Migrado":null}"#
);

async fn campaign_matches_the_seed_bytes(api: &TestApi) {
    let reply = api.invoke(&routes::GET_CAMPAIGN, &Event::load("get-campaign")).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("application/json; charset=utf-8"));
    assert_eq!(reply.body, CAMPAIGN_2);
}

async fn campaign_id_allows_leading_zeros(api: &TestApi) {
    assert_eq!(api.invoke(&routes::GET_CAMPAIGN, &Event::load("get-campaign-leading-zeros")).await.body, CAMPAIGN_2);
}

async fn unknown_campaign_is_404(api: &TestApi) {
    let reply = api.invoke(&routes::GET_CAMPAIGN, &Event::load("get-campaign-not-found")).await;
    assert_eq!(reply.problem(404), "no campaign with id 77");
}

async fn agent_matches_the_contract_bytes(api: &TestApi) {
    let reply = api.invoke(&routes::GET_AGENT, &Event::load("get-agent")).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, AGENT_8);
}

async fn campaign_with_every_column_filled_matches_the_contract_bytes(api: &TestApi) {
    let event = Event::load("get-campaign").with_path_parameter("campaign_id", "3");
    assert_eq!(api.invoke(&routes::GET_CAMPAIGN, &event).await.body, CAMPAIGN_3);
}

async fn campaign_with_null_in_every_column_prints_nulls(api: &TestApi) {
    let event = Event::load("get-campaign").with_path_parameter("campaign_id", "4");
    let reply = api.invoke(&routes::GET_CAMPAIGN, &event).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, CAMPAIGN_4);
}

async fn agent_with_every_column_filled_matches_the_contract_bytes(api: &TestApi) {
    let event = Event::load("get-agent").with_path_parameter("agent_id", "15");
    assert_eq!(api.invoke(&routes::GET_AGENT, &event).await.body, AGENT_15);
}

async fn agent_with_null_in_every_column_prints_nulls(api: &TestApi) {
    let event = Event::load("get-agent").with_path_parameter("agent_id", "12");
    let reply = api.invoke(&routes::GET_AGENT, &event).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, AGENT_12);
}

/// CONTRACT 3.5: `Password`, `PasswordLoginId` and `passwordMIM` are stored and never sent,
/// whatever the route; nor is `Campanias.idEmpresa`. Every demo row, through every route.
async fn stored_passwords_never_leave_the_database(api: &TestApi) {
    let secrets = shared::demo::DemoData::load().never_returned_values();
    assert!(secrets.len() >= 9, "the demo rows hold the password values: {secrets:?}");
    for body in crate::support::every_demo_response(&api.state).await {
        for secret in &secrets {
            assert!(!body.contains(secret.as_str()), "a stored password ({secret}) in {body}");
        }
        for column in ["Password", "PasswordLoginId", "passwordMIM", "idEmpresa"] {
            assert!(!body.contains(&format!("\"{column}\"")), "{column} in {body}");
        }
    }
}

async fn unknown_agent_is_404(api: &TestApi) {
    let reply = api.invoke(&routes::GET_AGENT, &Event::load("get-agent-not-found")).await;
    assert_eq!(reply.problem(404), "no agent with id 999");
}

async fn each_malformed_numeric_id_is_400(api: &TestApi) {
    let reply = api.invoke(&routes::GET_AGENT, &Event::load("get-agent-malformed-id")).await;
    assert!(reply.problem(400).starts_with("agent_id must be a decimal integer from 0 to 2147483647"));
    for bad in ["-8", "+8", "8.0", "8e0", "0x8", " 8", "8%20", "eight", "2147483648", "%38%2E"] {
        let detail = api
            .invoke(&routes::GET_AGENT, &Event::load("get-agent").with_path_parameter("agent_id", bad))
            .await
            .problem(400);
        assert!(detail.starts_with("agent_id "), "{bad}: {detail}");
        let event = Event::load("get-campaign").with_path_parameter("campaign_id", bad);
        let detail = api.invoke(&routes::GET_CAMPAIGN, &event).await.problem(400);
        assert!(detail.starts_with("campaign_id "), "{bad}: {detail}");
    }
}

//! `import` on exports written by hand in each form SQL Server's tools write, on SQLite and
//! (with TEST_DATABASE_URL) PostgreSQL; rows are read back through the API's own stores.

mod support;

use shared::ids::{AgentId, CampaignId, InteractionId, TaskId};
use shared::models::Direction;
use shared::store::{agents, campaigns, interactions, parameters};
use support::{TestDb, on_both_engines};

on_both_engines!(
    ssms_export_with_header_in_any_column_order,
    bcp_export_without_header_in_schema_order,
    sqlcmd_export_with_the_line_under_its_header,
    datetime_in_sql_server_and_iso_8601_forms,
    rerun_is_an_idempotent_upsert_and_the_last_row_of_a_key_wins,
    a_large_file_keeps_the_last_row_of_each_key_across_batches,
    broken_file_loads_nothing_and_the_error_names_file_line_and_column,
    header_without_a_key_column_or_records_of_the_wrong_width_are_refused,
    invalid_utf8_is_an_error_naming_file_and_line,
    file_naming_no_table_is_refused_before_anything_is_imported,
    rows_read_back_through_the_api_stores_print_the_expected_json,
    command_prints_each_file_and_keeps_the_files_committed_before_a_failure,
);

async fn agent_json(t: &TestDb, id: i32) -> String {
    let agent = agents::find(&t.store, AgentId::parse(&id.to_string()).unwrap())
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("agent {id}"));
    serde_json::to_string(&agent).unwrap()
}

/// SSMS "Save Results As" CSV (with "quote strings containing list separators" on): a BOM,
/// CRLF, the header in the query's column order, `NULL` for NULL.
async fn ssms_export_with_header_in_any_column_order(t: &TestDb) {
    let csv = "\u{FEFF}Nombre,idAgente,Sucursal,Usuario,Password,email,Direccion,FechaAlta,Activo\r\n\
               \"Pérez, Juan \"\"JP\"\"\",8,Centro,jperez,s3cr3t,NULL,\"Calle 1\r\nPiso 2\",2021-06-15 01:24:08.193,1\r\n\
               \"\",9,,\"NULL\",,\"\",,NULL,\r\n";
    let file = t.write("dbo.Agentes.csv", csv);
    assert_eq!(t.import_ok(&[file]).await, [(2, 2)]);

    assert_eq!(
        agent_json(t, 8).await,
        r#"{"idAgente":8,"Nombre":"Pérez, Juan \"JP\"","idGrupo":null,"idPerfil":null,"Usuario":"jperez","Superusuario":null,"LoginId":null,"idPerfilAgente":null,"Costo":null,"Legajo":null,"email":null,"Direccion":"Calle 1\r\nPiso 2","TelefonoCasa":null,"TelefonoCelular":null,"Activo":1,"TieneFoto":null,"UltimoCambioFoto":null,"FechaAlta":"2021-06-15T01:24:08.193Z","FechaBaja":null,"ModoAutenticacion":null,"Token":null,"rol":null,"Photo":null,"ContentType":null,"usuarioMIM":null,"esUsuario":null,"esAgente":null,"Migrado":null}"#
    );
    // A quoted empty field is an empty string, a quoted NULL the text; unquoted empty is NULL.
    assert_eq!(
        agent_json(t, 9).await,
        r#"{"idAgente":9,"Nombre":"","idGrupo":null,"idPerfil":null,"Usuario":"NULL","Superusuario":null,"LoginId":null,"idPerfilAgente":null,"Costo":null,"Legajo":null,"email":"","Direccion":null,"TelefonoCasa":null,"TelefonoCelular":null,"Activo":null,"TieneFoto":null,"UltimoCambioFoto":null,"FechaAlta":null,"FechaBaja":null,"ModoAutenticacion":null,"Token":null,"rol":null,"Photo":null,"ContentType":null,"usuarioMIM":null,"esUsuario":null,"esAgente":null,"Migrado":null}"#
    );
    // The password is stored (as MitACD has it), never returned.
    assert_eq!(t.text(r#"SELECT "Password" FROM "Agentes" WHERE "idAgente" = 8"#).await.as_deref(), Some("s3cr3t"));
    assert_eq!(t.text(r#"SELECT "Password" FROM "Agentes" WHERE "idAgente" = 9"#).await, None);
}

/// `bcp MitACD.dbo.<Table> out <Table>.csv -c -t, -C 65001`: no header, every column in the
/// table's order, NULL as an empty field, an empty string as one NUL byte, LF or CRLF.
async fn bcp_export_without_header_in_schema_order(t: &TestDb) {
    let parameters =
        t.write("ParametrosTareaSalida.csv", "812,alexitos4,42sdfe\n812,vacio,\0\n812,nulo,\n813,otro,x\n");
    let interactions = t.write(
        "MitACD.dbo.Interacciones.csv",
        "210614222408193_ACD_00001,2021-06-15 01:24:08.193,5,,Cliente Uno,5550001,5550002,10,16,16,1,2,8,3,ctx,,,,0,3000000000,812\r\n",
    );
    assert_eq!(t.import_ok(&[parameters, interactions]).await, [(1, 1), (4, 4)], "Interacciones before parameters");

    let listed = parameters::list(&t.store, Direction::Outgoing, TaskId::parse("812").unwrap()).await.unwrap();
    assert_eq!(
        serde_json::to_string(&listed).unwrap(),
        r#"[{"ParametroTareaSalida_idTarea":812,"ParametroTareaSalida_NombreParametro":"alexitos4","ParametroTareaSalida_Valor":"42sdfe"},{"ParametroTareaSalida_idTarea":812,"ParametroTareaSalida_NombreParametro":"nulo","ParametroTareaSalida_Valor":null},{"ParametroTareaSalida_idTarea":812,"ParametroTareaSalida_NombreParametro":"vacio","ParametroTareaSalida_Valor":""}]"#
    );
    let interaction = interactions::find(&t.store, &InteractionId::parse("210614222408193_ACD_00001").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        serde_json::to_string(&interaction).unwrap(),
        r#"{"idInteraccion":"210614222408193_ACD_00001","Inicio":"2021-06-15T01:24:08.193Z","idNumero":5,"idCRM":null,"Cliente":"Cliente Uno","DNIS":"5550001","ANI":"5550002","idResultadoGestion":10,"CausaTerminacion":16,"CausaQ850":16,"OrigenCorte":1,"idCampania":2,"idAgente":8,"segmentos":3,"Contexto":"ctx","idMensaje":null,"idCaso":null,"idCliente":null,"CerradaPorTiempoMaxACW":0,"Duracion":3000000000,"idTarea":812}"#
    );
}

/// `sqlcmd -s"," -W`: a header, a line of dashes under it, `NULL` for NULL.
async fn sqlcmd_export_with_the_line_under_its_header(t: &TestDb) {
    let file =
        t.write("Grupos.csv", "idGrupo,Nombre,idSupervisor\n-------,------,------------\n1,Ventas,8\n2,NULL,NULL\n");
    assert_eq!(t.import_ok(&[file]).await, [(2, 2)]);
    assert_eq!(t.text(r#"SELECT "Nombre" FROM "Grupos" WHERE "idGrupo" = 1"#).await.as_deref(), Some("Ventas"));
    assert_eq!(t.text(r#"SELECT "Nombre" FROM "Grupos" WHERE "idGrupo" = 2"#).await, None);
}

async fn datetime_in_sql_server_and_iso_8601_forms(t: &TestDb) {
    let csv = "idInteraccion,Inicio\n\
               a,2021-06-15 01:24:08.193\n\
               b,2021-06-15T01:24:08.193\n\
               c,2021-06-15T01:24:08.193Z\n\
               d,2021-06-14T22:24:08.193-03:00\n\
               e,2021-06-15 01:24:08\n\
               f,2021-06-15\n";
    let file = t.write("Interacciones.csv", csv);
    assert_eq!(t.import_ok(&[file]).await, [(6, 6)]);
    for (id, expected) in [
        ("a", "2021-06-15T01:24:08.193Z"),
        ("b", "2021-06-15T01:24:08.193Z"),
        ("c", "2021-06-15T01:24:08.193Z"),
        ("d", "2021-06-15T01:24:08.193Z"),
        ("e", "2021-06-15T01:24:08.000Z"),
        ("f", "2021-06-15T00:00:00.000Z"),
    ] {
        let interaction = interactions::find(&t.store, &InteractionId::parse(id).unwrap()).await.unwrap().unwrap();
        assert_eq!(interaction.Inicio.map(|at| at.to_string()).as_deref(), Some(expected), "{id}");
    }
    // Stored as UTC without a zone, as the API's own writes store it.
    let stored = if t.is_postgres() {
        r#"SELECT CAST("Inicio" AS text) FROM "Interacciones" WHERE "idInteraccion" = 'd'"#
    } else {
        r#"SELECT "Inicio" FROM "Interacciones" WHERE "idInteraccion" = 'd'"#
    };
    let expected = if t.is_postgres() { "2021-06-15 01:24:08.193" } else { "2021-06-15T01:24:08.193Z" };
    assert_eq!(t.text(stored).await.as_deref(), Some(expected));
}

async fn campaign_name(t: &TestDb, id: i32) -> Option<String> {
    campaigns::find(&t.store, CampaignId::parse(&id.to_string()).unwrap())
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("campaign {id}"))
        .Nombre
}

async fn rerun_is_an_idempotent_upsert_and_the_last_row_of_a_key_wins(t: &TestDb) {
    t.import_ok(&[t.write("Campanias.csv", "idCampania,Nombre\n1,Kept\n")]).await;
    let file = t.write("Campanias.csv", "idCampania,Nombre,Activa\n5,First,1\n6,Six,1\n5,Last,0\n");
    let expected_written = if t.is_postgres() { 2 } else { 3 };
    for _ in 0..2 {
        assert_eq!(t.import_ok(std::slice::from_ref(&file)).await, [(3, expected_written)]);
        assert_eq!(t.count("Campanias").await, 3, "upserted, never duplicated; rows not in the file stay");
        assert_eq!(campaign_name(t, 5).await.as_deref(), Some("Last"));
        assert_eq!(
            campaigns::find(&t.store, CampaignId::parse(&5.to_string()).unwrap()).await.unwrap().unwrap().Activa,
            Some(0)
        );
        assert_eq!(campaign_name(t, 6).await.as_deref(), Some("Six"));
        assert_eq!(campaign_name(t, 1).await.as_deref(), Some("Kept"));
    }
    // A changed export replaces every column it carries.
    t.import_ok(&[t.write("Campanias.csv", "idCampania,Nombre,Activa\n6,Renamed,NULL\n")]).await;
    assert_eq!(campaign_name(t, 6).await.as_deref(), Some("Renamed"));
    assert_eq!(
        campaigns::find(&t.store, CampaignId::parse(&6.to_string()).unwrap()).await.unwrap().unwrap().Activa,
        None
    );
    assert_eq!(t.count("Campanias").await, 3);
}

/// More rows than one SQLite statement or one COPY chunk holds, each key six times.
async fn a_large_file_keeps_the_last_row_of_each_key_across_batches(t: &TestDb) {
    let filler = "x".repeat(200);
    let mut csv = String::from("idGrupo,Nombre,idSupervisor\n");
    for row in 0..6000 {
        csv.push_str(&format!("{},\"{row} {filler}\",{row}\n", row % 1000));
    }
    assert!(csv.len() > 1 << 20);
    let written = if t.is_postgres() { 1000 } else { 6000 };
    assert_eq!(t.import_ok(&[t.write("Grupos.csv", csv)]).await, [(6000, written)]);
    assert_eq!(t.count("Grupos").await, 1000);
    for key in [0, 1, 499, 500, 999] {
        let sql = format!(r#"SELECT CAST("idSupervisor" AS TEXT) FROM "Grupos" WHERE "idGrupo" = {key}"#);
        assert_eq!(t.text(&sql).await, Some((key + 5000).to_string()), "key {key}");
    }
}

async fn broken_file_loads_nothing_and_the_error_names_file_line_and_column(t: &TestDb) {
    let groups = t.write("Grupos.csv", "idGrupo,Nombre\n1,Ventas\n");
    let header = "idAgente,Nombre,Usuario,FechaAlta\n";
    let good = "1,Ana,ana,2021-06-15 01:24:08.193\n";
    for (bad, column, reason) in [
        ("3,Carla,carla,2021-06-15 01:24:08.193\n4x,Dora,dora,NULL\n", "idAgente", "'4x' is not an integer (int)"),
        (
            "3,Carla,carla,2021-06-15 01:24:08.193\n4,Dora,ñandú_tiene_un_usuario_la,NULL\n",
            "Usuario",
            "25 characters are more than varchar(24) holds",
        ),
        (
            "3,Carla,carla,2021-06-15 01:24:08.193\n4,Dora,dora,15/06/2021\n",
            "FechaAlta",
            "'15/06/2021' is not a datetime",
        ),
        // Line 5: the record before it spans two lines.
        ("3,\"Carla\nSegunda\",carla,NULL\n4,Dora,dora,2021-13-01\n", "FechaAlta", "'2021-13-01' is not a datetime"),
    ] {
        let agents = t.write("Agentes.csv", format!("{header}{good}{bad}"));
        let error = t.import(&[groups.clone(), agents.clone()]).await.expect_err("a bad row fails its file");
        // The header, the good rows, then the bad record on the file's last line.
        let line = 1 + good.lines().count() as u64 + bad.lines().count() as u64;
        assert_eq!(
            (error.path.as_path(), error.line, error.column.as_deref()),
            (agents.as_path(), Some(line), Some(column))
        );
        assert!(error.reason.contains(reason), "{}", error.reason);
        let message = error.to_string();
        assert!(message.starts_with(&format!("{}, line {line}, column {column}: ", agents.display())), "{message}");
        assert_eq!(t.count("Agentes").await, 0, "nothing of the broken file: {message}");
        assert_eq!(t.count("Grupos").await, 1, "the file committed before it stays");
    }
    // NULL where the table cannot hold it.
    let agents = t.write("Agentes.csv", "idAgente,Nombre\n1,Ana\nNULL,Bruno\n");
    let error = t.import(&[agents]).await.unwrap_err();
    assert_eq!((error.line, error.column.as_deref()), (Some(3), Some("idAgente")));
    assert!(error.reason.contains("cannot be NULL"), "{error}");
    assert_eq!(t.count("Agentes").await, 0);
}

async fn header_without_a_key_column_or_records_of_the_wrong_width_are_refused(t: &TestDb) {
    // A header that lacks the key is not a header: its line is read as data, and fails.
    let error = t.import(&[t.write("Agentes.csv", "Nombre,Usuario\nAna,ana\n")]).await.unwrap_err();
    assert_eq!(error.line, Some(1));
    assert!(error.reason.contains("if it is meant as a header, it must name the key column idAgente"), "{error}");
    // A NOT NULL column other than the key may not be left out either.
    let error = t.import(&[t.write("ResultadosGestion.csv", "idResultadoGestion,id\n1,x\n")]).await.unwrap_err();
    assert!(error.reason.contains("the header lacks Nombre, which cannot be NULL"), "{error}");
    // The same column twice.
    let error = t.import(&[t.write("Grupos.csv", "idGrupo,nombre,NOMBRE\n1,a,b\n")]).await.unwrap_err();
    assert!(error.reason.contains("names column Nombre twice"), "{error}");
    // Without a header every record holds every column.
    let error = t.import(&[t.write("Grupos.csv", "1,Ventas,8\n2,Cobranzas\n")]).await.unwrap_err();
    assert_eq!(error.line, Some(2));
    assert!(error.reason.contains("2 fields, but Grupos has 3 columns"), "{error}");
    let error = t.import(&[t.write("Grupos.csv", "idGrupo,Nombre\n1,Ventas,8\n")]).await.unwrap_err();
    assert!(error.reason.contains("3 fields, but the header has 2"), "{error}");
    assert_eq!(t.count("Grupos").await + t.count("Agentes").await + t.count("ResultadosGestion").await, 0);
}

async fn invalid_utf8_is_an_error_naming_file_and_line(t: &TestDb) {
    // "Peña" in Windows-1252, as bcp writes without -C 65001.
    let file = t.write("Grupos.csv", b"idGrupo,Nombre\n1,Ventas\n2,Pe\xF1a\n".as_slice());
    let error = t.import(std::slice::from_ref(&file)).await.unwrap_err();
    assert_eq!((error.path.as_path(), error.line, error.column.as_deref()), (file.as_path(), Some(3), Some("Nombre")));
    assert!(error.reason.contains("not valid UTF-8"), "{error}");
    assert_eq!(t.count("Grupos").await, 0);
    // UTF-16 (SSMS's "Unicode" encoding) is named as such.
    let file = t.write("OrigenesCorte.csv", b"\xFF\xFEi\0d\0".as_slice());
    let error = t.import(&[file]).await.unwrap_err();
    assert!(error.reason.contains("UTF-16"), "{error}");
}

async fn file_naming_no_table_is_refused_before_anything_is_imported(t: &TestDb) {
    let good = t.write("exports/Agentes.csv", "idAgente,Nombre\n1,Ana\n");
    t.write("exports/Agents.csv", "idAgente,Nombre\n2,Bruno\n");
    t.write("exports/notes.txt", "not an export: ignored, as the directory's other non-CSV files");
    let error = import::plan(&[t.dir.join("exports")]).unwrap_err();
    assert_eq!(error.problems.len(), 1, "{error}");
    assert!(error.problems[0].contains("Agents.csv: the name matches no MitACD table"), "{error}");
    // Explicit files too, and a table given twice; every problem is listed at once.
    let error =
        import::plan(&[good.clone(), t.write("dbo.AGENTES.csv", ""), t.write("Agentes.csv.bak", "")]).unwrap_err();
    assert_eq!(error.problems.len(), 2, "{error}");

    let output = t.command(&[&t.dir.join("exports")]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("nothing was imported") && stderr.contains("Agents.csv"), "{stderr}");
    assert_eq!(t.count("Agentes").await, 0);
}

/// Every column of each table the API reads, the withheld ones included: the stores' models
/// print exactly the contract's keys and values, and no password column reaches them.
async fn rows_read_back_through_the_api_stores_print_the_expected_json(t: &TestDb) {
    let agents = t.write(
        "Agentes.csv",
        "idAgente,Nombre,idGrupo,idPerfil,Usuario,Password,Superusuario,LoginId,PasswordLoginId,idPerfilAgente,Costo,Legajo,email,Direccion,TelefonoCasa,TelefonoCelular,Activo,TieneFoto,UltimoCambioFoto,FechaAlta,FechaBaja,ModoAutenticacion,Token,rol,Photo,ContentType,usuarioMIM,passwordMIM,esUsuario,esAgente,Migrado\n\
         8,Ana Gómez,3,2,agomez,pw-one,0,1001,pw-two,4,1500,L-17,ana@example.com,\"Av. Siempre Viva 742, Springfield\",011-4444-5555,11-5555-6666,1,1,2021-05-01 10:00:00.000,2020-01-02 03:04:05.678,NULL,1,77,supervisor,aGVsbG8=,image/png,agomezmim,pw-three,1,1,0\n",
    );
    let campaigns = t.write(
        "Campanias.csv",
        "idCampania,idEmpresa,Nombre,ModoCampania,TipoContacto,FechaCreacion,Inicio,Fin,idCriterioRellamada,idGrupoFeriado,idBandaHoraria,idGrupoRecursos,idGrupoResultadosGestion,idGrupoWordSpottingOperador,idGrupoWordSpottingCliente,idListaNoLlame,idGrupoTiposBookmark,DNIS,Token,VinculoDefault,idCuenta,idGrupoPlantillasMensajes,Activa,ContextoInactiva\n\
         2,99,Cobranzas,1,2,2021-01-01 00:00:00.000,2021-01-01T08:00:00.000Z,2021-12-31T20:00:00.000Z,3,4,5,6,7,8,9,10,11,5551234,12,1,13,14,1,NULL\n",
    );
    let interactions = t.write(
        "Interacciones.csv",
        "idInteraccion,Inicio,idNumero,idCRM,Cliente,DNIS,ANI,idResultadoGestion,CausaTerminacion,CausaQ850,OrigenCorte,idCampania,idAgente,segmentos,Contexto,idMensaje,idCaso,idCliente,CerradaPorTiempoMaxACW,Duracion,idTarea\n\
         210614222408193_ACD_00001,2021-06-15 01:24:08.193,5,crm-1,Cliente Uno,5550001,5550002,10,16,16,1,2,8,3,\"{\"\"k\"\": \"\"v\"\", \"\"n\"\": 1}\",NULL,NULL,cli-9,0,3000000000,812\n",
    );
    let incoming = t.write(
        "ParametrosTareaEntrada.csv",
        "idTarea,NombreParametro,Valor\n812,resultado,ok\n812,Flujo,\"a,b\"\n812,_vacio,\"\"\n812,nulo,NULL\n",
    );
    t.import_ok(&[agents, campaigns, interactions, incoming]).await;

    let agent = agent_json(t, 8).await;
    assert_eq!(
        agent,
        r#"{"idAgente":8,"Nombre":"Ana Gómez","idGrupo":3,"idPerfil":2,"Usuario":"agomez","Superusuario":0,"LoginId":"1001","idPerfilAgente":4,"Costo":1500,"Legajo":"L-17","email":"ana@example.com","Direccion":"Av. Siempre Viva 742, Springfield","TelefonoCasa":"011-4444-5555","TelefonoCelular":"11-5555-6666","Activo":1,"TieneFoto":1,"UltimoCambioFoto":"2021-05-01T10:00:00.000Z","FechaAlta":"2020-01-02T03:04:05.678Z","FechaBaja":null,"ModoAutenticacion":1,"Token":77,"rol":"supervisor","Photo":"aGVsbG8=","ContentType":"image/png","usuarioMIM":"agomezmim","esUsuario":1,"esAgente":1,"Migrado":0}"#
    );
    for withheld in ["pw-one", "pw-two", "pw-three", "Password", "passwordMIM"] {
        assert!(!agent.contains(withheld), "{withheld} in {agent}");
    }
    assert_eq!(
        t.text(r#"SELECT "passwordMIM" FROM "Agentes" WHERE "idAgente" = 8"#).await.as_deref(),
        Some("pw-three")
    );

    let campaign = serde_json::to_string(
        &campaigns::find(&t.store, CampaignId::parse(&2.to_string()).unwrap()).await.unwrap().unwrap(),
    )
    .unwrap();
    assert_eq!(
        campaign,
        r#"{"idCampania":2,"Nombre":"Cobranzas","ModoCampania":1,"TipoContacto":2,"FechaCreacion":"2021-01-01T00:00:00.000Z","Inicio":"2021-01-01T08:00:00.000Z","Fin":"2021-12-31T20:00:00.000Z","idCriterioRellamada":3,"idGrupoFeriado":4,"idBandaHoraria":5,"idGrupoRecursos":6,"idGrupoResultadosGestion":7,"idGrupoWordSpottingOperador":8,"idGrupoWordSpottingCliente":9,"idListaNoLlame":10,"idGrupoTiposBookmark":11,"DNIS":"5551234","Token":12,"VinculoDefault":1,"idCuenta":13,"idGrupoPlantillasMensajes":14,"Activa":1,"ContextoInactiva":null}"#
    );

    let interaction = interactions::find(&t.store, &InteractionId::parse("210614222408193_ACD_00001").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        serde_json::to_string(&interaction).unwrap(),
        r#"{"idInteraccion":"210614222408193_ACD_00001","Inicio":"2021-06-15T01:24:08.193Z","idNumero":5,"idCRM":"crm-1","Cliente":"Cliente Uno","DNIS":"5550001","ANI":"5550002","idResultadoGestion":10,"CausaTerminacion":16,"CausaQ850":16,"OrigenCorte":1,"idCampania":2,"idAgente":8,"segmentos":3,"Contexto":"{\"k\": \"v\", \"n\": 1}","idMensaje":null,"idCaso":null,"idCliente":"cli-9","CerradaPorTiempoMaxACW":0,"Duracion":3000000000,"idTarea":812}"#
    );

    let listed = parameters::list(&t.store, Direction::Incoming, TaskId::parse("812").unwrap()).await.unwrap();
    assert_eq!(
        serde_json::to_string(&listed).unwrap(),
        r#"[{"ParametroTareaEntrada_idTarea":812,"ParametroTareaEntrada_NombreParametro":"_vacio","ParametroTareaEntrada_Valor":""},{"ParametroTareaEntrada_idTarea":812,"ParametroTareaEntrada_NombreParametro":"Flujo","ParametroTareaEntrada_Valor":"a,b"},{"ParametroTareaEntrada_idTarea":812,"ParametroTareaEntrada_NombreParametro":"nulo","ParametroTareaEntrada_Valor":null},{"ParametroTareaEntrada_idTarea":812,"ParametroTareaEntrada_NombreParametro":"resultado","ParametroTareaEntrada_Valor":"ok"}]"#
    );
}

async fn command_prints_each_file_and_keeps_the_files_committed_before_a_failure(t: &TestDb) {
    let groups = t.write("run/Grupos.csv", "idGrupo,Nombre\n1,Ventas\n2,Cobranzas\n");
    t.write("run/ModoCampania.csv", "1,Predictivo\n");
    let output = t.command(&[&t.dir.join("run")]);
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    // Header, then each file in TABLES order: table, rows read, rows written, seconds, rows/s, file.
    let fields = |line: &str| line.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
    let modes_line = lines.iter().position(|line| line.starts_with("ModoCampania ")).expect(&stdout);
    let groups_line = lines.iter().position(|line| line.starts_with("Grupos ")).expect(&stdout);
    assert!(modes_line < groups_line, "{stdout}");
    let grupos = fields(lines[groups_line]);
    assert_eq!((grupos[1].as_str(), grupos[2].as_str()), ("2", "2"), "{stdout}");
    assert!(grupos[3].parse::<f64>().is_ok() && grupos[4].parse::<f64>().is_ok(), "{stdout}");
    assert_eq!(grupos[5], groups.display().to_string());

    t.write("run/Agentes.csv", "idAgente,Nombre\n1,Ana\n2,Bruno\nx,Carla\n");
    let output = t.command(&[&t.dir.join("run")]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("Agentes.csv, line 4, column idAgente: 'x' is not an integer"), "{stderr}");
    assert!(stderr.contains("nothing of") && stderr.contains("committed and stay: ModoCampania, Grupos"), "{stderr}");
    assert_eq!((t.count("Grupos").await, t.count("Agentes").await), (2, 0));
}

/// Whatever fails, the database URL (which may carry a password) is not printed.
#[test]
fn the_database_url_is_never_printed() {
    let dir = std::env::temp_dir().join(format!("v3import_url_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("Grupos.csv");
    std::fs::write(&file, "1,Ventas,8\n").unwrap();
    // Nothing listens on port 1: the connection is refused until the pool gives up.
    for (flag, url) in [
        (true, "postgres://importer:hunter2-secret@127.0.0.1:1/mitacd"),
        (false, "postgres://importer:hunter2-secret@127.0.0.1:notaport/mitacd"),
        (true, "mysql://importer:hunter2-secret@127.0.0.1/mitacd"),
        (false, "postgres://importer:hunter2-secret@127.0.0.1/mitacd?sslmode=bogus"),
    ] {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_import"));
        if flag {
            command.args(["--database-url", url]).env_remove("DATABASE_URL");
        } else {
            command.env("DATABASE_URL", url);
        }
        let output = command.arg(&file).output().unwrap();
        let printed = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        eprintln!("{url}: {printed}");
        assert!(!output.status.success(), "{printed}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(printed.starts_with("import: "), "{printed}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

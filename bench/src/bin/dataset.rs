//! `make dataset ROWS=N`: fills the database named by `DATABASE_URL` (PostgreSQL or SQLite)
//! with realistic scale data beside the demo rows: N interactions referencing 1,000
//! campaigns, 10,000 agents in 100 groups and the lookup tables, and N/25 tasks with 20 to 30
//! input and 20 to 30 output parameters each (about 2N parameters). Generated server-side
//! (`generate_series` / a recursive CTE), so a million rows take seconds, not a million
//! round trips. Ids never collide with the demo rows; rerunning adds nothing twice.
//! (`WHERE true` before each `ON CONFLICT`: SQLite's parser needs it after INSERT … SELECT.)

use std::process::ExitCode;
use std::time::Instant;

use shared::db::Database;
use shared::settings::PoolSettings;

/// SQL that differs between the engines.
struct Dialect {
    /// A row source `s(n)` for n in 1..=count.
    series: fn(i64) -> String,
    /// `expr` seconds after the Unix epoch, as the engine stores a timestamp.
    timestamp: &'static str,
    /// `expr` left-padded with zeros to 5 digits.
    pad5: &'static str,
}

const POSTGRES: Dialect = Dialect {
    series: |count| format!("generate_series(1, {count}) AS s(n)"),
    timestamp: "to_timestamp({})",
    pad5: "lpad(CAST({} AS TEXT), 5, '0')",
};

const SQLITE: Dialect = Dialect {
    series: |count| {
        format!(
            "(WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < {count}) SELECT n FROM r) AS s"
        )
    },
    timestamp: "strftime('%Y-%m-%dT%H:%M:%fZ', {}, 'unixepoch')",
    pad5: "printf('%05d', {})",
};

/// Parameter names as the dialer and bots use them (mixed case, underscores).
const NAMES: [&str; 30] = [
    "Celular",
    "Contuvo",
    "Cuotas_morosas",
    "Descuento",
    "Deuda_actual",
    "DV",
    "Email",
    "Entidad",
    "Fecha_credito",
    "Fecha_proceso",
    "Fecha_promesa",
    "Fecha_vigencia",
    "Flujo",
    "Genero",
    "Mes",
    "Moneda",
    "Monto_cuota",
    "Nombre",
    "Nombre_Asistente",
    "Normalizo",
    "Numero_al_que_se_deben_contactar",
    "Numero_operacion",
    "Producto",
    "RUT",
    "Salida_comercial",
    "Tipo_cliente",
    "alex",
    "resultado",
    "resultado_gestion",
    "canal",
];

const FIRST_TASK: i64 = 100_000;

fn statements(d: &Dialect, rows: i64) -> Vec<(&'static str, String)> {
    let tasks = (rows / 25).max(100);
    let series = d.series;
    let ts = |expr: &str| d.timestamp.replace("{}", expr);
    let pad5 = |expr: &str| d.pad5.replace("{}", expr);
    let names: Vec<String> = NAMES.iter().enumerate().map(|(i, name)| format!("({}, '{name}')", i + 1)).collect();
    let names = names.join(", ");
    let parameters = |table: &str, salt: i64| {
        format!(
            r#"INSERT INTO "{table}" ("idTarea", "NombreParametro", "Valor")
               SELECT {FIRST_TASK} + s.n, names.name, CAST((s.n * 7919 + names.k * {salt}) % 1000000 AS TEXT)
                 FROM {}
                 JOIN (SELECT column1 AS k, column2 AS name FROM (VALUES {names}) AS v) AS names ON names.k <= 20 + s.n % 11
               WHERE true ON CONFLICT DO NOTHING"#,
            series(tasks)
        )
    };
    vec![
        (
            "ModoCampania",
            format!(
                r#"INSERT INTO "ModoCampania" ("idModoCampania", "Descripcion") SELECT 100 + n, 'Modo ' || CAST(n AS TEXT) FROM {} WHERE true ON CONFLICT DO NOTHING"#,
                series(10)
            ),
        ),
        (
            "Grupos",
            format!(
                r#"INSERT INTO "Grupos" ("idGrupo", "Nombre", "idSupervisor") SELECT 100 + n, 'Grupo ' || CAST(n AS TEXT), 1000 + n FROM {} WHERE true ON CONFLICT DO NOTHING"#,
                series(100)
            ),
        ),
        (
            "CausasTerminacion",
            format!(
                r#"INSERT INTO "CausasTerminacion" ("CodigoTerminacion", "Descripcion", "PuntajeDefault", "TiempoDefault") SELECT 100 + n, 'Causa ' || CAST(n AS TEXT), n * 10, n % 60 FROM {} WHERE true ON CONFLICT DO NOTHING"#,
                series(100)
            ),
        ),
        (
            "OrigenesCorte",
            format!(
                r#"INSERT INTO "OrigenesCorte" ("idOrigenCorte", "Descripcion") SELECT 100 + n, 'Origen ' || CAST(n AS TEXT) FROM {} WHERE true ON CONFLICT DO NOTHING"#,
                series(10)
            ),
        ),
        (
            "ResultadosGestion",
            format!(
                r#"INSERT INTO "ResultadosGestion" ("idResultadoGestion", "Nombre", "id", "NombreCompleto", "Nivel", "EsResultado") SELECT 100 + n, 'Resultado ' || CAST(n AS TEXT), 'R' || CAST(n AS TEXT), CASE WHEN n % 10 = 0 THEN NULL ELSE 'Gestion > Resultado ' || CAST(n AS TEXT) END, 2, 1 FROM {} WHERE true ON CONFLICT DO NOTHING"#,
                series(500)
            ),
        ),
        (
            "Campanias",
            format!(
                r#"INSERT INTO "Campanias" ("idCampania", "Nombre", "ModoCampania", "TipoContacto", "FechaCreacion", "Inicio", "Fin", "idGrupoFeriado", "idBandaHoraria", "idGrupoResultadosGestion", "DNIS", "Token", "Activa")
               SELECT 1000 + n, 'Campania ' || CAST(n AS TEXT), 101 + n % 10, 1 + n % 5, {}, NULL, NULL, 1, 1 + n % 3, 1, 'DNIS' || CAST(n AS TEXT), n, n % 2
                 FROM {} WHERE true ON CONFLICT DO NOTHING"#,
                ts("1600000000 + n * 3600"),
                series(1000)
            ),
        ),
        (
            "Agentes",
            format!(
                r#"INSERT INTO "Agentes" ("idAgente", "Nombre", "idGrupo", "idPerfil", "Usuario", "Password", "Superusuario", "LoginId", "PasswordLoginId", "Costo", "Activo", "TieneFoto", "FechaAlta", "ModoAutenticacion", "Token", "usuarioMIM", "passwordMIM", "esUsuario", "esAgente", "Migrado")
               SELECT 1000 + n, 'agente' || CAST(n AS TEXT), 101 + n % 100, 2, 'user' || CAST(n AS TEXT), 'pw' || CAST(n AS TEXT), 0, 'login' || CAST(n AS TEXT), 'pl' || CAST(n AS TEXT), (n % 7) * 150, 1, 0, {}, 0, n, 'user' || CAST(n AS TEXT), 'mim' || CAST(n AS TEXT), 1, 1, 0
                 FROM {} WHERE true ON CONFLICT DO NOTHING"#,
                ts("1600000000 + n * 60"),
                series(10000)
            ),
        ),
        (
            "Interacciones",
            format!(
                r#"INSERT INTO "Interacciones" ("idInteraccion", "Inicio", "idNumero", "idCRM", "Cliente", "DNIS", "ANI", "idResultadoGestion", "CausaTerminacion", "CausaQ850", "OrigenCorte", "idCampania", "idAgente", "segmentos", "Contexto", "idMensaje", "idCaso", "idCliente", "CerradaPorTiempoMaxACW", "Duracion", "idTarea")
               SELECT '23' || {} || {} || '_ACD_' || {}, {}, n % 1000,
                      CASE WHEN n % 3 = 0 THEN 'CRM' || CAST(n AS TEXT) END, CASE WHEN n % 2 = 0 THEN 'Cliente ' || CAST(n AS TEXT) END,
                      'DNIS' || CAST(n % 1000 AS TEXT), '+54911' || CAST(10000000 + n AS TEXT),
                      CASE WHEN n % 4 = 0 THEN NULL ELSE 101 + n % 500 END, 101 + n % 100, 16, 101 + n % 10,
                      1001 + n % 1000, 1001 + n % 10000, 1 + n % 3, NULL, n % 100, n % 1000, CAST(n AS TEXT), n % 2,
                      n * 37 % 3600000, {FIRST_TASK} + 1 + n % {tasks}
                 FROM {} WHERE true ON CONFLICT DO NOTHING"#,
                pad5("n / 100000"),
                pad5("n % 100000"),
                pad5("n % 100000"),
                ts("1672531200 + n * 13"),
                series(rows)
            ),
        ),
        ("ParametrosTareaEntrada", parameters("ParametrosTareaEntrada", 31)),
        ("ParametrosTareaSalida", parameters("ParametrosTareaSalida", 17)),
    ]
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let Some(url) = shared::settings::env_var("DATABASE_URL") else {
        eprintln!("dataset: DATABASE_URL is not set");
        return ExitCode::FAILURE;
    };
    let rows: i64 = match shared::settings::env_var("ROWS").unwrap_or_else(|| "1000000".into()).replace('_', "").parse()
    {
        Ok(rows) if rows > 0 => rows,
        _ => {
            eprintln!("dataset: ROWS must be a positive number of interactions");
            return ExitCode::FAILURE;
        }
    };
    let settings = PoolSettings {
        max_connections: 1,
        acquire_timeout: std::time::Duration::from_secs(30),
        statement_timeout: None,
        ..PoolSettings::default()
    };
    let db = match Database::connect_lazy(&url, &settings) {
        Ok(db) => db,
        Err(error) => {
            eprintln!("dataset: {error}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(error) = db.migrate().await {
        eprintln!("dataset: migration failed: {error}");
        return ExitCode::FAILURE;
    }
    let dialect = if matches!(db, Database::Postgres(..)) { &POSTGRES } else { &SQLITE };
    let started = Instant::now();
    for (table, sql) in statements(dialect, rows) {
        let step = Instant::now();
        let result = db.execute_script(&sql).await;
        match result {
            Ok(added) => println!("dataset: {table:<22} +{added:>9} rows in {:>6.1} s", step.elapsed().as_secs_f64()),
            Err(error) => {
                eprintln!("dataset: {table}: {error}");
                return ExitCode::FAILURE;
            }
        }
    }
    // Fresh statistics, so the planner sees the tables as they now are.
    let analyzed = db.execute_script("ANALYZE").await;
    if let Err(error) = analyzed {
        eprintln!("dataset: ANALYZE: {error}");
        return ExitCode::FAILURE;
    }
    println!(
        "dataset: {} database filled for {rows} interactions in {:.1} s",
        db.engine(),
        started.elapsed().as_secs_f64()
    );
    db.close().await;
    ExitCode::SUCCESS
}

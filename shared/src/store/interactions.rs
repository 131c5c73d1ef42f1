//! `Interacciones`, and the one joined query that maps an interaction for analytics.

use crate::db::Database;
use crate::models::{FullInteractionRow, Interaction};
use crate::with_pool;

macro_rules! columns {
    () => {
        r#""idInteraccion", "Inicio", "idNumero", "idCRM", "Cliente", "DNIS", "ANI", "idResultadoGestion", "CausaTerminacion", "CausaQ850", "OrigenCorte", "idCampania", "idAgente", "segmentos", "Contexto", "idMensaje", "idCaso", "idCliente", "CerradaPorTiempoMaxACW", "Duracion", "idTarea""#
    };
}

pub const FIND: &str = concat!("SELECT ", columns!(), r#" FROM "Interacciones" WHERE "idInteraccion" = $1"#);

/// One round trip: the interaction and every lookup it references, each a primary-key
/// join. LEFT JOINs keep the interaction when a reference is null or dangling.
pub const FIND_FULL: &str = r#"
SELECT i."idInteraccion"          AS id,
       i."Inicio"                 AS started_at,
       i."idCRM"                  AS crm_id,
       i."idCliente"              AS client_id,
       i."Cliente"                AS client_name,
       i."idNumero"               AS phone_number_id,
       i."DNIS"                   AS dnis,
       i."ANI"                    AS ani,
       i."idResultadoGestion"     AS result_id,
       rg."Codigo"                AS result_code,
       rg."Nombre"                AS result_name,
       i."CausaTerminacion"       AS termination_cause_id,
       ct."Descripcion"           AS termination_cause_description,
       ct."PuntajeDefault"        AS termination_cause_default_score,
       ct."TiempoDefault"         AS termination_cause_default_time,
       i."CausaQ850"              AS q850_cause_id,
       i."OrigenCorte"            AS cut_origin_id,
       oc."Descripcion"           AS cut_origin_description,
       i."idCampania"             AS campaign_id,
       c."Nombre"                 AS campaign_name,
       mc."Descripcion"           AS campaign_mode,
       i."idAgente"               AS agent_id,
       a."Nombre"                 AS agent_name,
       a."idGrupo"                AS agent_group_id,
       g."Nombre"                 AS agent_group_name,
       g."idSupervisor"           AS agent_supervisor_id,
       s."Nombre"                 AS agent_supervisor_name,
       i."segmentos"              AS segments,
       i."Contexto"               AS context,
       i."idMensaje"              AS message_id,
       i."idCaso"                 AS case_id,
       i."CerradaPorTiempoMaxACW" AS closed_by_max_acw_time,
       i."Duracion"               AS duration,
       i."idTarea"                AS task_id
  FROM "Interacciones" i
  LEFT JOIN "ResultadosGestion" rg ON rg."idResultadoGestion" = i."idResultadoGestion"
  LEFT JOIN "CausasTerminacion" ct ON ct."idCausaTerminacion" = i."CausaTerminacion"
  LEFT JOIN "OrigenesCorte"     oc ON oc."idOrigenCorte"      = i."OrigenCorte"
  LEFT JOIN "Campanias"         c  ON c."idCampania"          = i."idCampania"
  LEFT JOIN "ModosCampania"     mc ON mc."idModoCampania"     = c."ModoCampania"
  LEFT JOIN "Agentes"           a  ON a."idAgente"            = i."idAgente"
  LEFT JOIN "Grupos"            g  ON g."idGrupo"             = a."idGrupo"
  LEFT JOIN "Agentes"           s  ON s."idAgente"            = g."idSupervisor"
 WHERE i."idInteraccion" = $1"#;

const INSERT: &str = concat!(
    r#"INSERT INTO "Interacciones" ("#,
    columns!(),
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21) \
     ON CONFLICT DO NOTHING"
);

pub async fn find(db: &Database, id: &str) -> Result<Option<Interaction>, sqlx::Error> {
    super::retry_read(db, || async {
        with_pool!(db, pool => sqlx::query_as::<_, Interaction>(FIND).bind(id).fetch_optional(pool).await)
    })
    .await
}

pub async fn find_full(db: &Database, id: &str) -> Result<Option<FullInteractionRow>, sqlx::Error> {
    super::retry_read(db, || async {
        with_pool!(db, pool => sqlx::query_as::<_, FullInteractionRow>(FIND_FULL).bind(id).fetch_optional(pool).await)
    })
    .await
}

/// Inserts an interaction unless one with its id exists (demo and scale data).
pub async fn insert(db: &Database, interaction: &Interaction) -> Result<(), sqlx::Error> {
    let i = interaction;
    with_pool!(db, pool => {
        sqlx::query(INSERT)
            .bind(&i.idInteraccion)
            .bind(i.Inicio)
            .bind(i.idNumero)
            .bind(&i.idCRM)
            .bind(&i.Cliente)
            .bind(&i.DNIS)
            .bind(&i.ANI)
            .bind(i.idResultadoGestion)
            .bind(i.CausaTerminacion)
            .bind(i.CausaQ850)
            .bind(i.OrigenCorte)
            .bind(i.idCampania)
            .bind(i.idAgente)
            .bind(i.segmentos)
            .bind(&i.Contexto)
            .bind(i.idMensaje)
            .bind(i.idCaso)
            .bind(&i.idCliente)
            .bind(i.CerradaPorTiempoMaxACW)
            .bind(i.Duracion)
            .bind(i.idTarea)
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
    })?;
    Ok(())
}

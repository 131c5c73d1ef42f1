//! `Interacciones`, and the one joined query that maps an interaction for analytics.

use std::sync::LazyLock;

use crate::db::{Columns, Database, Param};
use crate::ids::InteractionId;
use crate::models::{FullInteractionRow, Interaction};
use crate::schema::INTERACCIONES;

/// `SELECT "idInteraccion", "Inicio", CAST("idNumero" AS INTEGER), … FROM "Interacciones"
/// WHERE "idInteraccion" = $1`: the columns of `schema::INTERACCIONES` in order.
pub static FIND: LazyLock<String> = LazyLock::new(|| INTERACCIONES.find_by_key());

/// One round trip: the interaction and every lookup it references, each a primary-key
/// join. LEFT JOINs keep the interaction when a reference is null or dangling. Integers are
/// cast to the API's width, as in every other read (see `schema::SqlType`).
pub const FIND_FULL: &str = r#"
SELECT i."idInteraccion"                                    AS id,
       i."Inicio"                                           AS started_at,
       i."idCRM"                                            AS crm_id,
       i."idCliente"                                        AS client_id,
       i."Cliente"                                          AS client_name,
       CAST(i."idNumero" AS INTEGER)                        AS phone_number_id,
       i."DNIS"                                             AS dnis,
       i."ANI"                                              AS ani,
       CAST(i."idResultadoGestion" AS INTEGER)              AS result_id,
       rg."id"                                              AS result_code,
       rg."NombreCompleto"                                  AS result_name,
       CAST(i."CausaTerminacion" AS INTEGER)                AS termination_cause_id,
       ct."Descripcion"                                     AS termination_cause_description,
       CAST(ct."PuntajeDefault" AS INTEGER)                 AS termination_cause_default_score,
       CAST(ct."TiempoDefault" AS INTEGER)                  AS termination_cause_default_time,
       CAST(i."CausaQ850" AS INTEGER)                       AS q850_cause_id,
       CAST(i."OrigenCorte" AS INTEGER)                     AS cut_origin_id,
       oc."Descripcion"                                     AS cut_origin_description,
       CAST(i."idCampania" AS INTEGER)                      AS campaign_id,
       c."Nombre"                                           AS campaign_name,
       mc."Descripcion"                                     AS campaign_mode,
       CAST(i."idAgente" AS INTEGER)                        AS agent_id,
       a."Nombre"                                           AS agent_name,
       CAST(a."idGrupo" AS INTEGER)                         AS agent_group_id,
       g."Nombre"                                           AS agent_group_name,
       CAST(g."idSupervisor" AS INTEGER)                    AS agent_supervisor_id,
       s."Nombre"                                           AS agent_supervisor_name,
       CAST(i."segmentos" AS INTEGER)                       AS segments,
       i."Contexto"                                         AS context,
       CAST(i."idMensaje" AS INTEGER)                       AS message_id,
       CAST(i."idCaso" AS INTEGER)                          AS case_id,
       CAST(i."CerradaPorTiempoMaxACW" AS INTEGER)          AS closed_by_max_acw_time,
       CAST(i."Duracion" AS BIGINT)                         AS duration,
       CAST(i."idTarea" AS INTEGER)                         AS task_id
  FROM "Interacciones" i
  LEFT JOIN "ResultadosGestion" rg ON rg."idResultadoGestion" = i."idResultadoGestion"
  LEFT JOIN "CausasTerminacion" ct ON ct."CodigoTerminacion"  = i."CausaTerminacion"
  LEFT JOIN "OrigenesCorte"     oc ON oc."idOrigenCorte"      = i."OrigenCorte"
  LEFT JOIN "Campanias"         c  ON c."idCampania"          = i."idCampania"
  LEFT JOIN "ModoCampania"      mc ON mc."idModoCampania"     = c."ModoCampania"
  LEFT JOIN "Agentes"           a  ON a."idAgente"            = i."idAgente"
  LEFT JOIN "Grupos"            g  ON g."idGrupo"             = a."idGrupo"
  LEFT JOIN "Agentes"           s  ON s."idAgente"            = g."idSupervisor"
 WHERE i."idInteraccion" = $1"#;

pub async fn find(db: &Database, id: &InteractionId) -> Result<Option<Interaction>, sqlx::Error> {
    let params = [Param::Text(Some(id.as_str()))];
    super::retry_read(db, || db.fetch_optional(&FIND, &params, interaction)).await
}

pub async fn find_full(db: &Database, id: &InteractionId) -> Result<Option<FullInteractionRow>, sqlx::Error> {
    let params = [Param::Text(Some(id.as_str()))];
    super::retry_read(db, || db.fetch_optional(FIND_FULL, &params, full_interaction)).await
}

/// A row of [`FIND`], column by column.
fn interaction(row: &mut Columns<'_>) -> Result<Interaction, sqlx::Error> {
    Ok(Interaction {
        idInteraccion: row.column()?,
        Inicio: row.column()?,
        idNumero: row.column()?,
        idCRM: row.column()?,
        Cliente: row.column()?,
        DNIS: row.column()?,
        ANI: row.column()?,
        idResultadoGestion: row.column()?,
        CausaTerminacion: row.column()?,
        CausaQ850: row.column()?,
        OrigenCorte: row.column()?,
        idCampania: row.column()?,
        idAgente: row.column()?,
        segmentos: row.column()?,
        Contexto: row.column()?,
        idMensaje: row.column()?,
        idCaso: row.column()?,
        idCliente: row.column()?,
        CerradaPorTiempoMaxACW: row.column()?,
        Duracion: row.column()?,
        idTarea: row.column()?,
    })
}

/// A row of [`FIND_FULL`], column by column, as its aliases name them.
fn full_interaction(row: &mut Columns<'_>) -> Result<FullInteractionRow, sqlx::Error> {
    Ok(FullInteractionRow {
        id: row.column()?,
        started_at: row.column()?,
        crm_id: row.column()?,
        client_id: row.column()?,
        client_name: row.column()?,
        phone_number_id: row.column()?,
        dnis: row.column()?,
        ani: row.column()?,
        result_id: row.column()?,
        result_code: row.column()?,
        result_name: row.column()?,
        termination_cause_id: row.column()?,
        termination_cause_description: row.column()?,
        termination_cause_default_score: row.column()?,
        termination_cause_default_time: row.column()?,
        q850_cause_id: row.column()?,
        cut_origin_id: row.column()?,
        cut_origin_description: row.column()?,
        campaign_id: row.column()?,
        campaign_name: row.column()?,
        campaign_mode: row.column()?,
        agent_id: row.column()?,
        agent_name: row.column()?,
        agent_group_id: row.column()?,
        agent_group_name: row.column()?,
        agent_supervisor_id: row.column()?,
        agent_supervisor_name: row.column()?,
        segments: row.column()?,
        context: row.column()?,
        message_id: row.column()?,
        case_id: row.column()?,
        closed_by_max_acw_time: row.column()?,
        duration: row.column()?,
        task_id: row.column()?,
    })
}

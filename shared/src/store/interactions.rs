//! `Interacciones`, and the one joined query that maps an interaction for analytics.

use std::sync::LazyLock;

use crate::db::Database;
use crate::models::{FullInteractionRow, Interaction};
use crate::schema::INTERACCIONES;
use crate::with_pool;

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

pub async fn find(db: &Database, id: &str) -> Result<Option<Interaction>, sqlx::Error> {
    super::retry_read(db, || async {
        with_pool!(db, pool => sqlx::query_as::<_, Interaction>(&FIND).bind(id).fetch_optional(pool).await)
    })
    .await
}

pub async fn find_full(db: &Database, id: &str) -> Result<Option<FullInteractionRow>, sqlx::Error> {
    super::retry_read(db, || async {
        with_pool!(db, pool => sqlx::query_as::<_, FullInteractionRow>(FIND_FULL).bind(id).fetch_optional(pool).await)
    })
    .await
}

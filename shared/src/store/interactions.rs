//! `Interacciones`, and the one joined query that maps an interaction for analytics.

use super::Store;
use crate::db::{Columns, Param};
use crate::ids::InteractionId;
use crate::layout::{From, Layout, Selected};
use crate::models::{FullInteractionRow, Interaction};
use crate::schema::{
    AGENTES, CAMPANIAS, CAUSAS_TERMINACION, GRUPOS, INTERACCIONES, MODO_CAMPANIA, ORIGENES_CORTE, RESULTADOS_GESTION,
};

/// `SELECT t."idInteraccion" AS "idInteraccion", t."Inicio" AS "Inicio", CAST(t."idNumero"
/// AS INTEGER) AS "idNumero", … FROM "Interacciones" t WHERE t."idInteraccion" = $1`: the
/// columns of `schema::INTERACCIONES` in order, read as the layout says.
pub fn find_sql(layout: &Layout) -> String {
    layout.find_by_key(&INTERACCIONES)
}

/// One round trip: the interaction and every lookup it references, each a LEFT JOIN on a
/// primary key (the interaction stays when a reference is null or dangling). In the default
/// layout it reads (the unit test below holds the whole text):
///
/// ```sql
/// SELECT i."idInteraccion" AS "id", i."Inicio" AS "started_at", …
///   FROM "Interacciones" i
///   LEFT JOIN "ResultadosGestion" rg ON rg."idResultadoGestion" = i."idResultadoGestion"
///   …
///   LEFT JOIN "Agentes" s ON s."idAgente" = g."idSupervisor"
///  WHERE i."idInteraccion" = $1
/// ```
pub fn find_full_sql(layout: &Layout) -> String {
    layout.select(FULL_FROM, FULL_SELECTED, ("i", &["idInteraccion"]))
}

const FULL_FROM: &[From] = &[
    From { alias: "i", table: &INTERACCIONES, join: None },
    From { alias: "rg", table: &RESULTADOS_GESTION, join: Some(("idResultadoGestion", ("i", "idResultadoGestion"))) },
    From { alias: "ct", table: &CAUSAS_TERMINACION, join: Some(("CodigoTerminacion", ("i", "CausaTerminacion"))) },
    From { alias: "oc", table: &ORIGENES_CORTE, join: Some(("idOrigenCorte", ("i", "OrigenCorte"))) },
    From { alias: "c", table: &CAMPANIAS, join: Some(("idCampania", ("i", "idCampania"))) },
    From { alias: "mc", table: &MODO_CAMPANIA, join: Some(("idModoCampania", ("c", "ModoCampania"))) },
    From { alias: "a", table: &AGENTES, join: Some(("idAgente", ("i", "idAgente"))) },
    From { alias: "g", table: &GRUPOS, join: Some(("idGrupo", ("a", "idGrupo"))) },
    From { alias: "s", table: &AGENTES, join: Some(("idAgente", ("g", "idSupervisor"))) },
];

/// The joined row, in [`full_interaction`]'s order: (table alias, MitACD column, name).
const FULL_SELECTED: &[Selected] = &[
    ("i", "idInteraccion", "id"),
    ("i", "Inicio", "started_at"),
    ("i", "idCRM", "crm_id"),
    ("i", "idCliente", "client_id"),
    ("i", "Cliente", "client_name"),
    ("i", "idNumero", "phone_number_id"),
    ("i", "DNIS", "dnis"),
    ("i", "ANI", "ani"),
    ("i", "idResultadoGestion", "result_id"),
    ("rg", "id", "result_code"),
    ("rg", "NombreCompleto", "result_name"),
    ("i", "CausaTerminacion", "termination_cause_id"),
    ("ct", "Descripcion", "termination_cause_description"),
    ("ct", "PuntajeDefault", "termination_cause_default_score"),
    ("ct", "TiempoDefault", "termination_cause_default_time"),
    ("i", "CausaQ850", "q850_cause_id"),
    ("i", "OrigenCorte", "cut_origin_id"),
    ("oc", "Descripcion", "cut_origin_description"),
    ("i", "idCampania", "campaign_id"),
    ("c", "Nombre", "campaign_name"),
    ("mc", "Descripcion", "campaign_mode"),
    ("i", "idAgente", "agent_id"),
    ("a", "Nombre", "agent_name"),
    ("a", "idGrupo", "agent_group_id"),
    ("g", "Nombre", "agent_group_name"),
    ("g", "idSupervisor", "agent_supervisor_id"),
    ("s", "Nombre", "agent_supervisor_name"),
    ("i", "segmentos", "segments"),
    ("i", "Contexto", "context"),
    ("i", "idMensaje", "message_id"),
    ("i", "idCaso", "case_id"),
    ("i", "CerradaPorTiempoMaxACW", "closed_by_max_acw_time"),
    ("i", "Duracion", "duration"),
    ("i", "idTarea", "task_id"),
];

pub async fn find(store: &Store, id: &InteractionId) -> Result<Option<Interaction>, sqlx::Error> {
    let params = [Param::Text(Some(id.as_str()))];
    store.read(|db| db.fetch_optional(store.sql.find_interaction(), &params, interaction)).await
}

pub async fn find_full(store: &Store, id: &InteractionId) -> Result<Option<FullInteractionRow>, sqlx::Error> {
    let params = [Param::Text(Some(id.as_str()))];
    store.read(|db| db.fetch_optional(store.sql.find_full_interaction(), &params, full_interaction)).await
}

/// A row of [`find_sql`], column by column.
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

/// A row of [`find_full_sql`], column by column, as [`FULL_SELECTED`] names them.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_full_interaction_is_one_select_of_primary_key_joins() {
        let sql = find_full_sql(&Layout::MitAcd);
        assert!(
            sql.starts_with(r#"SELECT i."idInteraccion" AS "id", i."Inicio" AS "started_at", i."idCRM" AS "crm_id""#),
            "{sql}"
        );
        assert!(sql.contains(r#"CAST(i."Duracion" AS BIGINT) AS "duration""#), "{sql}");
        assert!(sql.ends_with(r#" FROM "Interacciones" i LEFT JOIN "ResultadosGestion" rg ON rg."idResultadoGestion" = i."idResultadoGestion" LEFT JOIN "CausasTerminacion" ct ON ct."CodigoTerminacion" = i."CausaTerminacion" LEFT JOIN "OrigenesCorte" oc ON oc."idOrigenCorte" = i."OrigenCorte" LEFT JOIN "Campanias" c ON c."idCampania" = i."idCampania" LEFT JOIN "ModoCampania" mc ON mc."idModoCampania" = c."ModoCampania" LEFT JOIN "Agentes" a ON a."idAgente" = i."idAgente" LEFT JOIN "Grupos" g ON g."idGrupo" = a."idGrupo" LEFT JOIN "Agentes" s ON s."idAgente" = g."idSupervisor" WHERE i."idInteraccion" = $1"#), "{sql}");
    }
}

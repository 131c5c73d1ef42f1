//! `Campanias`: one campaign by id.

use super::Store;
use crate::db::{Columns, Param};
use crate::ids::CampaignId;
use crate::layout::Layout;
use crate::models::Campaign;
use crate::schema::CAMPANIAS;

/// `SELECT CAST(t."idCampania" AS INTEGER) AS "idCampania", t."Nombre" AS "Nombre", … FROM
/// "Campanias" t WHERE t."idCampania" = $1`: the returned columns of `schema::CAMPANIAS` in
/// order (not `idEmpresa`), read as the layout says.
pub fn find_sql(layout: &Layout) -> String {
    layout.find_by_key(&CAMPANIAS)
}

pub async fn find(store: &Store, id: CampaignId) -> Result<Option<Campaign>, sqlx::Error> {
    let params = [Param::Int(id.get())];
    store.read(|db| db.fetch_optional(store.sql.find_campaign(), &params, campaign)).await
}

/// A row of [`find_sql`], column by column.
fn campaign(row: &mut Columns<'_>) -> Result<Campaign, sqlx::Error> {
    Ok(Campaign {
        idCampania: row.column()?,
        Nombre: row.column()?,
        ModoCampania: row.column()?,
        TipoContacto: row.column()?,
        FechaCreacion: row.column()?,
        Inicio: row.column()?,
        Fin: row.column()?,
        idCriterioRellamada: row.column()?,
        idGrupoFeriado: row.column()?,
        idBandaHoraria: row.column()?,
        idGrupoRecursos: row.column()?,
        idGrupoResultadosGestion: row.column()?,
        idGrupoWordSpottingOperador: row.column()?,
        idGrupoWordSpottingCliente: row.column()?,
        idListaNoLlame: row.column()?,
        idGrupoTiposBookmark: row.column()?,
        DNIS: row.column()?,
        Token: row.column()?,
        VinculoDefault: row.column()?,
        idCuenta: row.column()?,
        idGrupoPlantillasMensajes: row.column()?,
        Activa: row.column()?,
        ContextoInactiva: row.column()?,
    })
}

//! `Campanias`: one campaign by id.

use std::sync::LazyLock;

use crate::db::{Columns, Database, Param};
use crate::ids::CampaignId;
use crate::models::Campaign;
use crate::schema::CAMPANIAS;

/// `SELECT "idCampania", "Nombre", … FROM "Campanias" WHERE "idCampania" = $1`: the
/// returned columns of `schema::CAMPANIAS` in order (not `idEmpresa`), integers cast to the
/// API's width.
pub static FIND: LazyLock<String> = LazyLock::new(|| CAMPANIAS.find_by_key());

pub async fn find(db: &Database, id: CampaignId) -> Result<Option<Campaign>, sqlx::Error> {
    let params = [Param::Int(id.get())];
    super::retry_read(db, || db.fetch_optional(&FIND, &params, campaign)).await
}

/// A row of [`FIND`], column by column.
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

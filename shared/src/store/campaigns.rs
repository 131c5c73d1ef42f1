//! `Campanias`.

use crate::db::Database;
use crate::models::Campaign;
use crate::with_pool;

macro_rules! columns {
    () => {
        r#""idCampania", "Nombre", "ModoCampania", "TipoContacto", "FechaCreacion", "Inicio", "Fin", "idCriterioRellamada", "idGrupoFeriado", "idBandaHoraria", "idGrupoRecursos", "idGrupoResultadosGestion", "idGrupoWordSpottingOperador", "idGrupoWordSpottingCliente", "idListaNoLlame", "idGrupoTiposBookmark", "DNIS", "Token", "VinculoDefault", "idCuenta", "idGrupoPlantillasMensajes", "Activa", "ContextoInactiva""#
    };
}

pub const FIND: &str = concat!("SELECT ", columns!(), r#" FROM "Campanias" WHERE "idCampania" = $1"#);

const INSERT: &str = concat!(
    r#"INSERT INTO "Campanias" ("#,
    columns!(),
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, \
     $21, $22, $23) ON CONFLICT DO NOTHING"
);

pub async fn find(db: &Database, id: i32) -> Result<Option<Campaign>, sqlx::Error> {
    super::retry_read(db, || async {
        with_pool!(db, pool => sqlx::query_as::<_, Campaign>(FIND).bind(id).fetch_optional(pool).await)
    })
    .await
}

/// Inserts a campaign unless one with its id exists (demo and scale data).
pub async fn insert(db: &Database, campaign: &Campaign) -> Result<(), sqlx::Error> {
    with_pool!(db, pool => {
        sqlx::query(INSERT)
            .bind(campaign.idCampania)
            .bind(&campaign.Nombre)
            .bind(campaign.ModoCampania)
            .bind(campaign.TipoContacto)
            .bind(campaign.FechaCreacion)
            .bind(campaign.Inicio)
            .bind(campaign.Fin)
            .bind(campaign.idCriterioRellamada)
            .bind(campaign.idGrupoFeriado)
            .bind(campaign.idBandaHoraria)
            .bind(campaign.idGrupoRecursos)
            .bind(campaign.idGrupoResultadosGestion)
            .bind(campaign.idGrupoWordSpottingOperador)
            .bind(campaign.idGrupoWordSpottingCliente)
            .bind(campaign.idListaNoLlame)
            .bind(campaign.idGrupoTiposBookmark)
            .bind(&campaign.DNIS)
            .bind(campaign.Token)
            .bind(&campaign.VinculoDefault)
            .bind(campaign.idCuenta)
            .bind(campaign.idGrupoPlantillasMensajes)
            .bind(campaign.Activa)
            .bind(&campaign.ContextoInactiva)
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
    })?;
    Ok(())
}

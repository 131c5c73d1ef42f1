//! The small lookup tables the full interaction joins: `Grupos`, `CausasTerminacion`,
//! `OrigenesCorte`, `ResultadosGestion`, `ModosCampania`. The API only reads them through
//! `interactions::find_full`; these inserts load demo and scale data.

// Legacy column and table names are the field names (see models/mod.rs).
#![allow(non_snake_case)]

use serde::Deserialize;

use crate::db::Database;
use crate::with_pool;

#[derive(Debug, Clone, Deserialize)]
pub struct Group {
    pub idGrupo: i32,
    pub Nombre: Option<String>,
    pub idSupervisor: Option<i32>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TerminationCause {
    pub idCausaTerminacion: i32,
    pub Descripcion: Option<String>,
    pub PuntajeDefault: Option<i32>,
    pub TiempoDefault: Option<i32>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CutOrigin {
    pub idOrigenCorte: i32,
    pub Descripcion: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ManagementResult {
    pub idResultadoGestion: i32,
    pub Codigo: Option<String>,
    pub Nombre: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CampaignMode {
    pub idModoCampania: i32,
    pub Descripcion: Option<String>,
}

pub async fn insert_group(db: &Database, row: &Group) -> Result<(), sqlx::Error> {
    const SQL: &str =
        r#"INSERT INTO "Grupos" ("idGrupo", "Nombre", "idSupervisor") VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"#;
    with_pool!(db, pool => sqlx::query(SQL).bind(row.idGrupo).bind(&row.Nombre).bind(row.idSupervisor).execute(pool).await.map(|done| done.rows_affected()))?;
    Ok(())
}

pub async fn insert_termination_cause(db: &Database, row: &TerminationCause) -> Result<(), sqlx::Error> {
    const SQL: &str = r#"INSERT INTO "CausasTerminacion" ("idCausaTerminacion", "Descripcion", "PuntajeDefault", "TiempoDefault")
                         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING"#;
    with_pool!(db, pool => sqlx::query(SQL)
        .bind(row.idCausaTerminacion)
        .bind(&row.Descripcion)
        .bind(row.PuntajeDefault)
        .bind(row.TiempoDefault)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
    Ok(())
}

pub async fn insert_cut_origin(db: &Database, row: &CutOrigin) -> Result<(), sqlx::Error> {
    const SQL: &str =
        r#"INSERT INTO "OrigenesCorte" ("idOrigenCorte", "Descripcion") VALUES ($1, $2) ON CONFLICT DO NOTHING"#;
    with_pool!(db, pool => sqlx::query(SQL).bind(row.idOrigenCorte).bind(&row.Descripcion).execute(pool).await.map(|done| done.rows_affected()))?;
    Ok(())
}

pub async fn insert_management_result(db: &Database, row: &ManagementResult) -> Result<(), sqlx::Error> {
    const SQL: &str = r#"INSERT INTO "ResultadosGestion" ("idResultadoGestion", "Codigo", "Nombre")
                         VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"#;
    with_pool!(db, pool => sqlx::query(SQL).bind(row.idResultadoGestion).bind(&row.Codigo).bind(&row.Nombre).execute(pool).await.map(|done| done.rows_affected()))?;
    Ok(())
}

pub async fn insert_campaign_mode(db: &Database, row: &CampaignMode) -> Result<(), sqlx::Error> {
    const SQL: &str =
        r#"INSERT INTO "ModosCampania" ("idModoCampania", "Descripcion") VALUES ($1, $2) ON CONFLICT DO NOTHING"#;
    with_pool!(db, pool => sqlx::query(SQL).bind(row.idModoCampania).bind(&row.Descripcion).execute(pool).await.map(|done| done.rows_affected()))?;
    Ok(())
}

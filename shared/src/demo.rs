//! The demo rows (`shared/data/demo-data.json`, taken from the original API document) and
//! the loader behind `make seed`: migrate, then insert each row unless its key exists, so
//! running it again changes nothing (and never overwrites a row written since).

// Legacy column and table names are the field names (see models/mod.rs).
#![allow(non_snake_case)]

use serde::Deserialize;

use crate::db::Database;
use crate::models::{Agent, Campaign, Direction, Interaction, TaskParameter};
use crate::store::lookups::{CampaignMode, CutOrigin, Group, ManagementResult, TerminationCause};
use crate::store::{agents, campaigns, interactions, lookups, parameters};

pub const DEMO_DATA_JSON: &str = include_str!("../data/demo-data.json");

/// The demo file, table by table, with the legacy table names.
#[derive(Debug, Clone, Deserialize)]
pub struct DemoData {
    pub Interacciones: Vec<Interaction>,
    pub Campanias: Vec<Campaign>,
    pub Agentes: Vec<Agent>,
    pub Grupos: Vec<Group>,
    pub CausasTerminacion: Vec<TerminationCause>,
    pub OrigenesCorte: Vec<CutOrigin>,
    pub ResultadosGestion: Vec<ManagementResult>,
    pub ModosCampania: Vec<CampaignMode>,
    pub ParametroTareaEntrada: Vec<TaskParameter>,
    pub ParametroTareaSalida: Vec<TaskParameter>,
}

impl DemoData {
    pub fn load() -> Self {
        serde_json::from_str(DEMO_DATA_JSON)
            .expect("shared/data/demo-data.json matches the models (checked by a unit test)")
    }

    pub fn row_count(&self) -> usize {
        self.Interacciones.len()
            + self.Campanias.len()
            + self.Agentes.len()
            + self.Grupos.len()
            + self.CausasTerminacion.len()
            + self.OrigenesCorte.len()
            + self.ResultadosGestion.len()
            + self.ModosCampania.len()
            + self.ParametroTareaEntrada.len()
            + self.ParametroTareaSalida.len()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("loading demo rows failed: {0}")]
    Insert(#[from] sqlx::Error),
}

/// Migrates `db` and loads the demo rows into it. Safe to run again.
pub async fn seed(db: &Database) -> Result<usize, SeedError> {
    db.migrate().await?;
    let data = DemoData::load();
    for row in &data.ModosCampania {
        lookups::insert_campaign_mode(db, row).await?;
    }
    for row in &data.Grupos {
        lookups::insert_group(db, row).await?;
    }
    for row in &data.CausasTerminacion {
        lookups::insert_termination_cause(db, row).await?;
    }
    for row in &data.OrigenesCorte {
        lookups::insert_cut_origin(db, row).await?;
    }
    for row in &data.ResultadosGestion {
        lookups::insert_management_result(db, row).await?;
    }
    for row in &data.Campanias {
        campaigns::insert(db, row).await?;
    }
    for row in &data.Agentes {
        agents::insert(db, row).await?;
    }
    for row in &data.Interacciones {
        interactions::insert(db, row).await?;
    }
    for row in &data.ParametroTareaEntrada {
        parameters::insert(db, Direction::Incoming, row).await?;
    }
    for row in &data.ParametroTareaSalida {
        parameters::insert(db, Direction::Outgoing, row).await?;
    }
    Ok(data.row_count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_file_matches_the_models() {
        let data = DemoData::load();
        assert_eq!(data.Interacciones[0].idCampania, Some(1));
        assert_eq!(data.ParametroTareaEntrada.len(), 26);
        assert_eq!(data.ParametroTareaSalida.len(), 8);
    }

    #[test]
    fn demo_rows_serialize_as_the_seed_document_shows_them() {
        let data = DemoData::load();
        let campaign = data.Campanias.iter().find(|c| c.idCampania == 2).unwrap();
        assert_eq!(
            serde_json::to_string(campaign).unwrap(),
            r#"{"idCampania":2,"Nombre":"ChatBot","ModoCampania":4,"TipoContacto":5,"FechaCreacion":"2021-06-15T01:42:45.270Z","Inicio":null,"Fin":null,"idCriterioRellamada":null,"idGrupoFeriado":1,"idBandaHoraria":2,"idGrupoRecursos":null,"idGrupoResultadosGestion":1,"idGrupoWordSpottingOperador":null,"idGrupoWordSpottingCliente":null,"idListaNoLlame":null,"idGrupoTiposBookmark":null,"DNIS":"ChatBot","Token":80,"VinculoDefault":null,"idCuenta":null,"idGrupoPlantillasMensajes":null,"Activa":1,"ContextoInactiva":null}"#
        );
    }
}

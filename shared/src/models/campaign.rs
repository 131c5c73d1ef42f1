// Legacy column and table names are the field names (see models/mod.rs).
#![allow(non_snake_case)]

use serde::Serialize;

use crate::timestamp::Timestamp;

/// A row of `Campanias`, as stored (`GET /v3/campaigns/{id}`, CONTRACT 3.4), without the
/// table's `idEmpresa`. Every column but the key may be NULL in MitACD.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Campaign {
    pub idCampania: i32,
    pub Nombre: Option<String>,
    pub ModoCampania: Option<i32>,
    pub TipoContacto: Option<i32>,
    pub FechaCreacion: Option<Timestamp>,
    /// `varchar(1024)` in MitACD: text as stored, not a timestamp.
    pub Inicio: Option<String>,
    pub Fin: Option<String>,
    pub idCriterioRellamada: Option<i32>,
    pub idGrupoFeriado: Option<i32>,
    pub idBandaHoraria: Option<i32>,
    pub idGrupoRecursos: Option<i32>,
    pub idGrupoResultadosGestion: Option<i32>,
    pub idGrupoWordSpottingOperador: Option<i32>,
    pub idGrupoWordSpottingCliente: Option<i32>,
    pub idListaNoLlame: Option<i32>,
    pub idGrupoTiposBookmark: Option<i32>,
    pub DNIS: Option<String>,
    pub Token: Option<i32>,
    pub VinculoDefault: Option<i32>,
    pub idCuenta: Option<i32>,
    pub idGrupoPlantillasMensajes: Option<i32>,
    pub Activa: Option<i32>,
    pub ContextoInactiva: Option<String>,
}

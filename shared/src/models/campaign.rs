// Legacy column and table names are the field names (see models/mod.rs).
#![allow(non_snake_case)]

use serde::{Deserialize, Serialize};

use crate::timestamp::Timestamp;

row_by_position! {
    /// A row of `Campanias`, as stored (`GET /v3/campaigns/{id}`, CONTRACT 3.4).
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct Campaign {
        pub idCampania: i32,
        pub Nombre: String,
        pub ModoCampania: i32,
        pub TipoContacto: i32,
        pub FechaCreacion: Timestamp,
        pub Inicio: Option<Timestamp>,
        pub Fin: Option<Timestamp>,
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
        pub Token: i32,
        pub VinculoDefault: Option<String>,
        pub idCuenta: Option<i32>,
        pub idGrupoPlantillasMensajes: Option<i32>,
        pub Activa: i32,
        pub ContextoInactiva: Option<String>,
    }
}

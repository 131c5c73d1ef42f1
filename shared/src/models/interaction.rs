// Legacy column and table names are the field names (see models/mod.rs).
#![allow(non_snake_case)]

use serde::Serialize;

use crate::timestamp::Timestamp;

/// A row of `Interacciones`, as stored (`GET /v3/interactions/{id}`, CONTRACT 3.2). Every
/// column but the key may be NULL in MitACD.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Interaction {
    pub idInteraccion: String,
    pub Inicio: Option<Timestamp>,
    pub idNumero: Option<i32>,
    pub idCRM: Option<String>,
    pub Cliente: Option<String>,
    pub DNIS: Option<String>,
    pub ANI: Option<String>,
    pub idResultadoGestion: Option<i32>,
    pub CausaTerminacion: Option<i32>,
    pub CausaQ850: Option<i32>,
    pub OrigenCorte: Option<i32>,
    pub idCampania: Option<i32>,
    pub idAgente: Option<i32>,
    pub segmentos: Option<i32>,
    pub Contexto: Option<String>,
    pub idMensaje: Option<i32>,
    pub idCaso: Option<i32>,
    pub idCliente: Option<String>,
    pub CerradaPorTiempoMaxACW: Option<i32>,
    /// Milliseconds; 64-bit because long-running chat interactions overflow 32 bits.
    pub Duracion: Option<i64>,
    pub idTarea: Option<i32>,
}

// Legacy column and table names are the field names (see models/mod.rs).
#![allow(non_snake_case)]

use serde::Serialize;

use crate::timestamp::Timestamp;

/// A row of `Agentes`, as stored (`GET /v3/agents/{id}`, CONTRACT 3.5). The table's
/// password columns (`Password`, `PasswordLoginId`, `passwordMIM`) have no field here:
/// they are never selected (see `schema::AGENTES`). Every column but the key may be NULL.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Agent {
    pub idAgente: i32,
    pub Nombre: Option<String>,
    pub idGrupo: Option<i32>,
    pub idPerfil: Option<i32>,
    pub Usuario: Option<String>,
    pub Superusuario: Option<i32>,
    pub LoginId: Option<String>,
    pub idPerfilAgente: Option<i32>,
    pub Costo: Option<i32>,
    pub Legajo: Option<String>,
    pub email: Option<String>,
    pub Direccion: Option<String>,
    pub TelefonoCasa: Option<String>,
    pub TelefonoCelular: Option<String>,
    pub Activo: Option<i32>,
    pub TieneFoto: Option<i32>,
    pub UltimoCambioFoto: Option<Timestamp>,
    pub FechaAlta: Option<Timestamp>,
    pub FechaBaja: Option<Timestamp>,
    pub ModoAutenticacion: Option<i32>,
    pub Token: Option<i32>,
    pub rol: Option<String>,
    /// `varchar(200)` in MitACD: the stored reference to the picture, printed as stored.
    pub Photo: Option<String>,
    pub ContentType: Option<String>,
    pub usuarioMIM: Option<String>,
    pub esUsuario: Option<i32>,
    pub esAgente: Option<i32>,
    pub Migrado: Option<i32>,
}

//! `Agentes`: one agent by id.

use std::sync::LazyLock;

use crate::db::{Columns, Database, Param};
use crate::ids::AgentId;
use crate::models::Agent;
use crate::schema::AGENTES;

/// `SELECT "idAgente", "Nombre", CAST("idGrupo" AS INTEGER), … FROM "Agentes" WHERE
/// "idAgente" = $1`: the returned columns of `schema::AGENTES` in order (never the password
/// columns), integers cast to the API's width.
pub static FIND: LazyLock<String> = LazyLock::new(|| AGENTES.find_by_key());

pub async fn find(db: &Database, id: AgentId) -> Result<Option<Agent>, sqlx::Error> {
    let params = [Param::Int(id.get())];
    super::retry_read(db, || db.fetch_optional(&FIND, &params, agent)).await
}

/// A row of [`FIND`], column by column.
fn agent(row: &mut Columns<'_>) -> Result<Agent, sqlx::Error> {
    Ok(Agent {
        idAgente: row.column()?,
        Nombre: row.column()?,
        idGrupo: row.column()?,
        idPerfil: row.column()?,
        Usuario: row.column()?,
        Superusuario: row.column()?,
        LoginId: row.column()?,
        idPerfilAgente: row.column()?,
        Costo: row.column()?,
        Legajo: row.column()?,
        email: row.column()?,
        Direccion: row.column()?,
        TelefonoCasa: row.column()?,
        TelefonoCelular: row.column()?,
        Activo: row.column()?,
        TieneFoto: row.column()?,
        UltimoCambioFoto: row.column()?,
        FechaAlta: row.column()?,
        FechaBaja: row.column()?,
        ModoAutenticacion: row.column()?,
        Token: row.column()?,
        rol: row.column()?,
        Photo: row.column()?,
        ContentType: row.column()?,
        usuarioMIM: row.column()?,
        esUsuario: row.column()?,
        esAgente: row.column()?,
        Migrado: row.column()?,
    })
}

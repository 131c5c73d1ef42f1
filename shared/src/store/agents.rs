//! `Agentes`: one agent by id.

use super::Store;
use crate::db::{Columns, Param};
use crate::ids::AgentId;
use crate::layout::Layout;
use crate::models::Agent;
use crate::schema::AGENTES;

/// `SELECT CAST(t."idAgente" AS INTEGER) AS "idAgente", t."Nombre" AS "Nombre", … FROM
/// "Agentes" t WHERE t."idAgente" = $1`: the returned columns of `schema::AGENTES` in order
/// (never the password columns), read as the layout says.
pub fn find_sql(layout: &Layout) -> String {
    layout.find_by_key(&AGENTES)
}

pub async fn find(store: &Store, id: AgentId) -> Result<Option<Agent>, sqlx::Error> {
    let params = [Param::Int(id.get())];
    store.read(|db| db.fetch_optional(store.sql.find_agent(), &params, agent)).await
}

/// A row of [`find_sql`], column by column.
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

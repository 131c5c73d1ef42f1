//! `Agentes`.

use crate::db::Database;
use crate::models::Agent;
use crate::with_pool;

macro_rules! columns {
    () => {
        r#""idAgente", "Nombre", "idGrupo", "idPerfil", "Usuario", "Superusuario", "LoginId", "idPerfilAgente", "Costo", "Legajo", "email", "Direccion", "TelefonoCasa", "TelefonoCelular", "Activo", "TieneFoto", "UltimoCambioFoto", "FechaAlta", "FechaBaja", "ModoAutenticacion", "Token", "rol", "Photo", "ContentType", "usuarioMIM", "esUsuario", "esAgente", "Migrado""#
    };
}

pub const FIND: &str = concat!("SELECT ", columns!(), r#" FROM "Agentes" WHERE "idAgente" = $1"#);

const INSERT: &str = concat!(
    r#"INSERT INTO "Agentes" ("#,
    columns!(),
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, \
     $21, $22, $23, $24, $25, $26, $27, $28) ON CONFLICT DO NOTHING"
);

pub async fn find(db: &Database, id: i32) -> Result<Option<Agent>, sqlx::Error> {
    super::retry_read(db, || async {
        with_pool!(db, pool => sqlx::query_as::<_, Agent>(FIND).bind(id).fetch_optional(pool).await)
    })
    .await
}

/// Inserts an agent unless one with its id exists (demo and scale data).
pub async fn insert(db: &Database, agent: &Agent) -> Result<(), sqlx::Error> {
    with_pool!(db, pool => {
        sqlx::query(INSERT)
            .bind(agent.idAgente)
            .bind(&agent.Nombre)
            .bind(agent.idGrupo)
            .bind(agent.idPerfil)
            .bind(&agent.Usuario)
            .bind(agent.Superusuario)
            .bind(&agent.LoginId)
            .bind(agent.idPerfilAgente)
            .bind(agent.Costo)
            .bind(&agent.Legajo)
            .bind(&agent.email)
            .bind(&agent.Direccion)
            .bind(&agent.TelefonoCasa)
            .bind(&agent.TelefonoCelular)
            .bind(agent.Activo)
            .bind(agent.TieneFoto)
            .bind(agent.UltimoCambioFoto)
            .bind(agent.FechaAlta)
            .bind(agent.FechaBaja)
            .bind(agent.ModoAutenticacion)
            .bind(agent.Token)
            .bind(&agent.rol)
            .bind(&agent.Photo)
            .bind(&agent.ContentType)
            .bind(&agent.usuarioMIM)
            .bind(agent.esUsuario)
            .bind(agent.esAgente)
            .bind(agent.Migrado)
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
    })?;
    Ok(())
}

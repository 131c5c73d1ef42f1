//! `Agentes`.

use std::sync::LazyLock;

use crate::db::Database;
use crate::models::Agent;
use crate::schema::AGENTES;
use crate::with_pool;

/// The contract's columns only: the table's password columns are never selected.
pub static FIND: LazyLock<String> = LazyLock::new(|| AGENTES.find_by_key());

pub async fn find(db: &Database, id: i32) -> Result<Option<Agent>, sqlx::Error> {
    super::retry_read(db, || async {
        with_pool!(db, pool => sqlx::query_as::<_, Agent>(&FIND).bind(id).fetch_optional(pool).await)
    })
    .await
}

//! `Campanias`.

use std::sync::LazyLock;

use crate::db::Database;
use crate::models::Campaign;
use crate::schema::CAMPANIAS;
use crate::with_pool;

/// The contract's columns only (not `idEmpresa`).
pub static FIND: LazyLock<String> = LazyLock::new(|| CAMPANIAS.find_by_key());

pub async fn find(db: &Database, id: i32) -> Result<Option<Campaign>, sqlx::Error> {
    super::retry_read(db, || async {
        with_pool!(db, pool => sqlx::query_as::<_, Campaign>(&FIND).bind(id).fetch_optional(pool).await)
    })
    .await
}

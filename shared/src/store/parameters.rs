//! `ParametrosTareaEntrada` and `ParametrosTareaSalida`: a task's input and output parameters.

use crate::db::{Columns, Database, Param};
use crate::ids::TaskId;
use crate::models::{Direction, OutgoingParameterWrite, TaskParameter, TaskParameters};

pub const LIST_INCOMING: &str = r#"SELECT CAST("idTarea" AS INTEGER) AS "idTarea", "NombreParametro", "Valor" FROM "ParametrosTareaEntrada" WHERE "idTarea" = $1"#;
pub const LIST_OUTGOING: &str = r#"SELECT CAST("idTarea" AS INTEGER) AS "idTarea", "NombreParametro", "Valor" FROM "ParametrosTareaSalida" WHERE "idTarea" = $1"#;

/// PostgreSQL: the whole batch in one statement, hence one round trip and atomic by itself.
/// Rows are locked in key order, so two batches over the same keys cannot deadlock; and
/// `xmax = 0` holds exactly for rows this statement inserted rather than updated.
pub const UPSERT_OUTGOING_POSTGRES: &str = r#"
INSERT INTO "ParametrosTareaSalida" ("idTarea", "NombreParametro", "Valor")
SELECT task, name, value FROM UNNEST($1::int4[], $2::text[], $3::text[]) AS batch(task, name, value)
 ORDER BY task, name
    ON CONFLICT ("idTarea", "NombreParametro") DO UPDATE SET "Valor" = EXCLUDED."Valor"
RETURNING (xmax = 0) AS created"#;

/// SQLite: insert if absent, else update, per item inside one transaction (local calls, no
/// network round trips). The first statement writes, so the transaction takes the write
/// lock at once and the busy timeout governs waiting for other processes.
const INSERT_OUTGOING_IF_ABSENT: &str = r#"INSERT INTO "ParametrosTareaSalida" ("idTarea", "NombreParametro", "Valor")
                                           VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"#;
const UPDATE_OUTGOING: &str =
    r#"UPDATE "ParametrosTareaSalida" SET "Valor" = $3 WHERE "idTarea" = $1 AND "NombreParametro" = $2"#;

/// A task's parameters in contract order; an unknown task has none.
pub async fn list(db: &Database, direction: Direction, task: TaskId) -> Result<TaskParameters, sqlx::Error> {
    let sql = match direction {
        Direction::Incoming => LIST_INCOMING,
        Direction::Outgoing => LIST_OUTGOING,
    };
    let params = [Param::Int(task.get())];
    let rows = super::retry_read(db, || db.fetch_all(sql, &params, parameter)).await?;
    Ok(TaskParameters::new(direction, rows))
}

/// A row of [`LIST_INCOMING`] or [`LIST_OUTGOING`], column by column.
fn parameter(row: &mut Columns<'_>) -> Result<TaskParameter, sqlx::Error> {
    Ok(TaskParameter { idTarea: row.column()?, NombreParametro: row.column()?, Valor: row.column()? })
}

/// Creates or replaces output parameters, all or nothing. `writes` holds one entry per
/// (task, key), as [`crate::validation::outgoing_parameters`] returns them. Returns whether
/// any row was created (201) rather than all replaced (200).
pub async fn upsert_outgoing(db: &Database, writes: &[OutgoingParameterWrite]) -> Result<bool, sqlx::Error> {
    super::write(db, || upsert(db, writes)).await
}

async fn upsert(db: &Database, writes: &[OutgoingParameterWrite]) -> Result<bool, sqlx::Error> {
    match db {
        Database::Postgres(pool, _) => {
            let tasks: Vec<i32> = writes.iter().map(|w| w.task_id.get()).collect();
            let keys: Vec<&str> = writes.iter().map(|w| w.key.as_str()).collect();
            let values: Vec<&str> = writes.iter().map(|w| w.value.as_str()).collect();
            let created: Vec<bool> = sqlx::query_scalar(UPSERT_OUTGOING_POSTGRES)
                .bind(tasks)
                .bind(keys)
                .bind(values)
                .fetch_all(pool)
                .await?;
            Ok(created.into_iter().any(|row_created| row_created))
        }
        Database::Sqlite(pool) => {
            let mut tx = pool.begin().await?;
            let mut created = false;
            for write in writes {
                let inserted = sqlx::query(INSERT_OUTGOING_IF_ABSENT)
                    .bind(write.task_id.get())
                    .bind(&write.key)
                    .bind(&write.value)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
                    == 1;
                if !inserted {
                    sqlx::query(UPDATE_OUTGOING)
                        .bind(write.task_id.get())
                        .bind(&write.key)
                        .bind(&write.value)
                        .execute(&mut *tx)
                        .await?;
                }
                created |= inserted;
            }
            tx.commit().await?;
            Ok(created)
        }
    }
}

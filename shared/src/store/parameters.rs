//! `ParametrosTareaEntrada` and `ParametrosTareaSalida`: a task's input and output parameters.

use super::Store;
use crate::db::{Columns, Database, Param};
use crate::ids::TaskId;
use crate::layout::Layout;
use crate::models::{Direction, OutgoingParameterWrite, TaskParameter, TaskParameters};
use crate::schema::{PARAMETROS_TAREA_ENTRADA, PARAMETROS_TAREA_SALIDA, Table};

fn table(direction: Direction) -> &'static Table {
    match direction {
        Direction::Incoming => &PARAMETROS_TAREA_ENTRADA,
        Direction::Outgoing => &PARAMETROS_TAREA_SALIDA,
    }
}

/// `SELECT CAST(t."idTarea" AS INTEGER) AS "idTarea", t."NombreParametro" AS
/// "NombreParametro", t."Valor" AS "Valor" FROM "ParametrosTareaSalida" t WHERE t."idTarea" =
/// $1` (or `…Entrada`), read as the layout says.
pub fn list_sql(layout: &Layout, direction: Direction) -> String {
    layout.select_where(table(direction), &["idTarea"])
}

/// PostgreSQL: the whole batch in one statement, hence one round trip and atomic by itself.
/// Rows are locked in key order, so two batches over the same keys cannot deadlock; and
/// `xmax = 0` holds exactly for rows this statement inserted rather than updated. The
/// conflict target is MitACD's primary key. In the default layout:
///
/// ```sql
/// INSERT INTO "ParametrosTareaSalida" ("idTarea", "NombreParametro", "Valor")
/// SELECT task, name, value FROM UNNEST($1::int4[], $2::text[], $3::text[]) AS batch(task, name, value)
///  ORDER BY task, name
///     ON CONFLICT ("idTarea", "NombreParametro") DO UPDATE SET "Valor" = EXCLUDED."Valor"
/// RETURNING (xmax = 0) AS created
/// ```
pub fn upsert_outgoing_sql(layout: &Layout) -> String {
    let table = &PARAMETROS_TAREA_SALIDA;
    let column = |name| layout.column(None, table.column(name).expect("a column of ParametrosTareaSalida"));
    let (task, name, value) = (column("idTarea"), column("NombreParametro"), column("Valor"));
    format!(
        "INSERT INTO {} ({task}, {name}, {value})\n\
         SELECT task, name, value FROM UNNEST($1::int4[], $2::text[], $3::text[]) AS batch(task, name, value)\n \
         ORDER BY task, name\n    \
         ON CONFLICT ({task}, {name}) DO UPDATE SET {value} = EXCLUDED.{value}\n\
         RETURNING (xmax = 0) AS created",
        layout.table(table)
    )
}

/// SQLite (the default layout only): insert if absent, else update, per item inside one transaction (local calls, no
/// network round trips). The first statement writes, so the transaction takes the write
/// lock at once and the busy timeout governs waiting for other processes.
const INSERT_OUTGOING_IF_ABSENT: &str = r#"INSERT INTO "ParametrosTareaSalida" ("idTarea", "NombreParametro", "Valor")
                                           VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"#;
const UPDATE_OUTGOING: &str =
    r#"UPDATE "ParametrosTareaSalida" SET "Valor" = $3 WHERE "idTarea" = $1 AND "NombreParametro" = $2"#;

/// A task's parameters in contract order; an unknown task has none.
pub async fn list(store: &Store, direction: Direction, task: TaskId) -> Result<TaskParameters, sqlx::Error> {
    let sql = match direction {
        Direction::Incoming => store.sql.list_incoming(),
        Direction::Outgoing => store.sql.list_outgoing(),
    };
    let params = [Param::Int(task.get())];
    let rows = store.read(|db| db.fetch_all(sql, &params, parameter)).await?;
    Ok(TaskParameters::new(direction, rows))
}

/// A row of [`list_sql`], column by column.
fn parameter(row: &mut Columns<'_>) -> Result<TaskParameter, sqlx::Error> {
    Ok(TaskParameter { idTarea: row.column()?, NombreParametro: row.column()?, Valor: row.column()? })
}

/// Creates or replaces output parameters, all or nothing. `writes` holds one entry per
/// (task, key), as [`crate::validation::outgoing_parameters`] returns them. Returns whether
/// any row was created (201) rather than all replaced (200).
pub async fn upsert_outgoing(store: &Store, writes: &[OutgoingParameterWrite]) -> Result<bool, sqlx::Error> {
    store.write(|db| upsert(db, store.sql.upsert_outgoing(), writes)).await
}

async fn upsert(db: &Database, upsert_postgres: &str, writes: &[OutgoingParameterWrite]) -> Result<bool, sqlx::Error> {
    match db {
        Database::Postgres(pool, _) => {
            let tasks: Vec<i32> = writes.iter().map(|w| w.task_id.get()).collect();
            let keys: Vec<&str> = writes.iter().map(|w| w.key.as_str()).collect();
            let values: Vec<&str> = writes.iter().map(|w| w.value.as_str()).collect();
            let created: Vec<bool> =
                sqlx::query_scalar(upsert_postgres).bind(tasks).bind(keys).bind(values).fetch_all(pool).await?;
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

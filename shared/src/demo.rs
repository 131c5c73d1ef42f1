//! The demo rows (`shared/data/demo-data.json`: the original API document's rows plus the
//! invented ones its `_invented` lists, in MitACD's tables) and the loader behind `make seed`:
//! migrate, then insert each row unless its key exists, so running it again changes nothing
//! (and never overwrites a row written since).

use serde_json::{Map, Value as Json};

use crate::db::Database;
use crate::schema::{TABLES, Table};
use crate::store::rows::{self, OnConflict, Value};

pub const DEMO_DATA_JSON: &str = include_str!("../data/demo-data.json");

/// The demo file: for each MitACD table, its rows as JSON objects keyed by column name.
#[derive(Debug, Clone)]
pub struct DemoData {
    tables: Map<String, Json>,
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("loading demo rows failed: {0}")]
    Insert(#[from] sqlx::Error),
    #[error("the demo file does not match the schema: {0}")]
    Demo(String),
}

impl DemoData {
    pub fn load() -> Self {
        let Json::Object(tables) =
            serde_json::from_str(DEMO_DATA_JSON).expect("shared/data/demo-data.json is JSON (checked by a unit test)")
        else {
            panic!("shared/data/demo-data.json holds an object of tables");
        };
        Self { tables }
    }

    /// The rows of `table` as JSON objects (none when the file has no such table).
    pub fn objects(&self, table: &Table) -> &[Json] {
        self.tables.get(table.name).and_then(Json::as_array).map(Vec::as_slice).unwrap_or_default()
    }

    /// The rows of `table`, each with one value per column in the table's order. A row must
    /// name exactly the table's columns.
    pub fn rows(&self, table: &Table) -> Result<Vec<Vec<Value>>, String> {
        self.objects(table)
            .iter()
            .enumerate()
            .map(|(index, object)| {
                let object = object.as_object().ok_or_else(|| format!("{}[{index}] is not an object", table.name))?;
                if let Some(unknown) = object.keys().find(|name| table.column(name).is_none()) {
                    return Err(format!("{}[{index}] has a column {unknown} that the table does not", table.name));
                }
                table
                    .columns
                    .iter()
                    .map(|column| {
                        let json = object
                            .get(column.name)
                            .ok_or_else(|| format!("{}[{index}] lacks {}", table.name, column.name))?;
                        Value::from_json(column, json)
                            .map_err(|error| format!("{}[{index}].{}: {error}", table.name, column.name))
                    })
                    .collect()
            })
            .collect()
    }

    /// The stored text values that no response may ever contain: those of the columns
    /// `_never_returned` names (the password columns).
    pub fn never_returned_values(&self) -> Vec<String> {
        let Some(Json::Object(never)) = self.tables.get("_never_returned") else { return Vec::new() };
        let mut values = Vec::new();
        for (table, columns) in never {
            let Some(table) = crate::schema::table(table) else { continue };
            for column in columns.as_array().into_iter().flatten().filter_map(Json::as_str) {
                for row in self.objects(table) {
                    if let Some(Json::String(text)) = row.get(column) {
                        values.push(text.clone());
                    }
                }
            }
        }
        values
    }

    pub fn row_count(&self) -> usize {
        TABLES.iter().map(|table| self.objects(table).len()).sum()
    }
}

/// Migrates `db` and loads the demo rows into it. Safe to run again.
pub async fn seed(db: &Database) -> Result<usize, SeedError> {
    db.migrate().await?;
    let data = DemoData::load();
    for table in TABLES {
        let rows = data.rows(table).map_err(SeedError::Demo)?;
        rows::write(db, table, &rows, OnConflict::Keep).await?;
    }
    Ok(data.row_count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_demo_row_fits_its_mitacd_table() {
        let data = DemoData::load();
        for table in TABLES {
            data.rows(table).unwrap();
        }
        assert_eq!(data.rows(&crate::schema::PARAMETROS_TAREA_ENTRADA).unwrap().len(), 26);
        assert_eq!(data.rows(&crate::schema::PARAMETROS_TAREA_SALIDA).unwrap().len(), 8);
    }

    #[test]
    fn the_demo_file_holds_no_table_the_schema_lacks() {
        let data = DemoData::load();
        for name in data.tables.keys().filter(|name| !name.starts_with('_')) {
            assert!(crate::schema::table(name).is_some(), "{name}");
        }
    }

    #[test]
    fn stored_passwords_are_listed_as_never_returned() {
        let never = DemoData::load().never_returned_values();
        assert!(never.contains(&"pw-inno1-7Qz".to_owned()), "{never:?}");
        assert!(never.contains(&"mim-lpena-5Tb".to_owned()), "{never:?}");
    }
}

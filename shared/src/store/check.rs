//! What the database lacks: every table and column the API reads or writes (the returned
//! columns and the keys of `crate::schema`'s tables) that the database does not have, as
//! the layout spells them. Run by `serve --check`, and by a function's first request in the
//! Babelfish layout, whose schema is MitACD's and not ours to migrate.

use super::Store;
use crate::db::{Database, Param};
use crate::layout::Layout;
use crate::schema::TABLES;

/// A table, or one column of a present table, that the database lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Missing {
    Table(String),
    Column { table: String, column: String },
}

impl std::fmt::Display for Missing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Table(table) => write!(f, "table {table}"),
            Self::Column { table, column } => write!(f, "column {table}.{column}"),
        }
    }
}

/// The missing items in one line: `table mitacd_dbo.grupos, column mitacd_dbo.agentes.rol`.
pub fn describe(missing: &[Missing]) -> String {
    missing.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

/// PostgreSQL: the columns of every table, view or foreign table in the layout's schema (the
/// first schema of the `search_path` when the layout names none), as one text of
/// `table<TAB>column` lines: one row through the same query path as every route (a second
/// row type would compile sqlx's machinery into every function again). From the catalog
/// rather than `information_schema`, whose views take tens of milliseconds.
const POSTGRES_COLUMNS: &str = "SELECT string_agg(c.relname || chr(9) || a.attname, chr(10))
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
 WHERE n.nspname = COALESCE($1, current_schema()) AND c.relkind IN ('r', 'p', 'v', 'm', 'f')";

/// SQLite: the columns of every table and view of the main database, the same way.
const SQLITE_COLUMNS: &str = "SELECT group_concat(m.name || char(9) || p.name, char(10))
  FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type IN ('table', 'view')";

/// Every table and column the API needs that the store's database lacks, in `TABLES` order
/// (a missing table is reported once, not column by column).
pub async fn missing(store: &Store) -> Result<Vec<Missing>, sqlx::Error> {
    let db = store.db();
    let schema = store.layout().schema().map(|schema| schema.as_str());
    db.ready().await?;
    let sql = match db {
        Database::Postgres(..) => POSTGRES_COLUMNS,
        Database::Sqlite(_) => SQLITE_COLUMNS,
    };
    let params: &[Param<'_>] = match db {
        Database::Postgres(..) => &[Param::Text(schema)],
        Database::Sqlite(_) => &[],
    };
    let lines =
        db.fetch_optional(sql, params, |row| row.column::<Option<String>>()).await?.flatten().unwrap_or_default();
    let rows: Vec<(String, String)> = lines
        .lines()
        .filter_map(|line| line.split_once('\t'))
        .map(|(table, column)| (table.to_owned(), column.to_owned()))
        .collect();
    Ok(compare(store.layout(), &rows))
}

/// What of `TABLES` is not among `present` (table, column) pairs: a few hundred at most, so a
/// plain scan (no map types linked into every function for a check most never run).
fn compare(layout: &Layout, present: &[(String, String)]) -> Vec<Missing> {
    let qualified = |table: &str| match layout.schema() {
        Some(schema) => format!("{schema}.{table}"),
        None => table.to_owned(),
    };
    let mut missing = Vec::new();
    for table in TABLES {
        let name = layout.name_of(table.name);
        if !present.iter().any(|(present_table, _)| *present_table == name) {
            missing.push(Missing::Table(qualified(&name)));
            continue;
        }
        for column in table.columns.iter().filter(|column| column.returned || table.primary_key.contains(&column.name))
        {
            let column_name = layout.name_of(column.name);
            let here = |(present_table, present_column): &(String, String)| {
                *present_table == name && *present_column == column_name
            };
            if !present.iter().any(here) {
                missing.push(Missing::Column { table: qualified(&name), column: column_name.into_owned() });
            }
        }
    }
    missing
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::SchemaName;

    fn babelfish() -> Layout {
        Layout::Babelfish { schema: SchemaName::parse("mitacd_dbo").unwrap() }
    }

    /// Every table of `TABLES` with every column, as `layout` spells them.
    fn complete(layout: &Layout) -> Vec<(String, String)> {
        TABLES
            .iter()
            .flat_map(|table| {
                table
                    .columns
                    .iter()
                    .map(|column| (layout.name_of(table.name).into_owned(), layout.name_of(column.name).into_owned()))
            })
            .collect()
    }

    fn without(mut present: Vec<(String, String)>, table: &str, column: Option<&str>) -> Vec<(String, String)> {
        present.retain(|(t, c)| !(t == table && column.is_none_or(|column| c == column)));
        present
    }

    #[test]
    fn a_complete_database_lacks_nothing_in_either_layout() {
        for layout in [Layout::MitAcd, babelfish()] {
            assert_eq!(compare(&layout, &complete(&layout)), []);
        }
    }

    #[test]
    fn a_missing_table_is_named_once_and_a_missing_column_with_its_table() {
        let layout = babelfish();
        let present = without(without(complete(&layout), "grupos", None), "agentes", Some("rol"));
        assert_eq!(describe(&compare(&layout, &present)), "table mitacd_dbo.grupos, column mitacd_dbo.agentes.rol");
    }

    #[test]
    fn withheld_columns_are_not_needed() {
        let layout = Layout::MitAcd;
        let present = without(without(complete(&layout), "Agentes", Some("Password")), "Campanias", Some("idEmpresa"));
        assert_eq!(compare(&layout, &present), []);
    }

    #[test]
    fn the_default_layout_does_not_take_a_lowercase_copy_for_mitacd() {
        let present = complete(&babelfish());
        assert_eq!(compare(&Layout::MitAcd, &present).len(), TABLES.len());
    }
}

//! Where MitACD's tables sit in the database at hand, and how a statement names and reads
//! them (`DB_LAYOUT`). The tables and columns are always those of `crate::schema`; only their
//! spelling and their types differ:
//!
//! - `mitacd` (the default): CONTRACT section 5's names, quoted, in the connection's schema,
//!   as our migrations (or AWS DMS) make them: `"Agentes"."idAgente"`. Integers are read
//!   through a cast to the API's width (a copy may hold `integer` where we hold `smallint`).
//! - `babelfish`: MitACD itself, in Babelfish for Aurora PostgreSQL. A table made over TDS as
//!   `MitACD.dbo.Agentes` is `mitacd_dbo.agentes` on the PostgreSQL side (multi-db mode;
//!   `dbo` in single-db mode): schema `DB_SCHEMA`, names lowercased. Its columns have
//!   Babelfish's own types (`sys.varchar`, `sys.datetime`, `sys.tinyint`), which sqlx does not
//!   decode as strings, timestamps or integers, so every column read is cast to the API's type.
//!
//! Statements are rendered once per process (see `crate::store::Statements`), so each is
//! still one prepared statement per connection. Casts sit in the SELECT list; keys are
//! compared in the column's own type (a text value cast to `sys.varchar`), so every lookup
//! stays an index lookup.

use std::fmt::{self, Write as _};

use crate::schema::{Column, SqlType, Table};

/// The values `DB_LAYOUT` accepts.
pub const LAYOUTS: [&str; 2] = ["mitacd", "babelfish"];

/// `DB_SCHEMA`'s default: the PostgreSQL schema Babelfish (multi-db mode) makes for the
/// T-SQL database `MitACD`, schema `dbo`.
pub const DEFAULT_BABELFISH_SCHEMA: &str = "mitacd_dbo";

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Layout {
    /// CONTRACT section 5's quoted names, in the connection's `search_path`.
    #[default]
    MitAcd,
    /// MitACD in Babelfish: lowercase names in `schema`, every column cast when read.
    Babelfish { schema: SchemaName },
}

/// A PostgreSQL schema name the API may put in a statement: lowercase letters, digits, `_`
/// and `$`, not starting with a digit, at most 63 bytes (what Babelfish makes of a database
/// and schema name). Quoted when rendered all the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaName(String);

impl SchemaName {
    pub const RULE: &'static str =
        "a lowercase PostgreSQL schema name (a-z, 0-9, _ or $, not starting with a digit, at most 63 bytes)";

    pub fn parse(name: &str) -> Option<Self> {
        let mut chars = name.chars();
        let first_ok = chars.next().is_some_and(|first| first.is_ascii_lowercase() || first == '_');
        let rest_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$');
        (first_ok && rest_ok && name.len() <= 63).then(|| Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SchemaName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One table of a SELECT: its alias and, for a joined table, the join condition (its key
/// column = `on.0`'s column `on.1`). Every join is a LEFT JOIN on a primary key.
pub struct From {
    pub alias: &'static str,
    pub table: &'static Table,
    pub join: Option<(&'static str, (&'static str, &'static str))>,
}

/// One selected column: table alias, MitACD column name, and the name it gets in the row.
pub type Selected = (&'static str, &'static str, &'static str);

impl Layout {
    /// The layout's name, as `DB_LAYOUT` spells it.
    pub fn name(&self) -> &'static str {
        match self {
            Self::MitAcd => "mitacd",
            Self::Babelfish { .. } => "babelfish",
        }
    }

    /// The PostgreSQL schema the tables are in, when the layout names one.
    pub fn schema(&self) -> Option<&SchemaName> {
        match self {
            Self::MitAcd => None,
            Self::Babelfish { schema } => Some(schema),
        }
    }

    /// A table or column name as the database spells it (unquoted).
    pub fn name_of<'a>(&self, name: &'a str) -> std::borrow::Cow<'a, str> {
        match self {
            Self::MitAcd => name.into(),
            Self::Babelfish { .. } => name.to_ascii_lowercase().into(), // MitACD's names are ASCII
        }
    }

    /// A table in a FROM or INSERT: `"Agentes"` or `"mitacd_dbo"."agentes"`.
    pub fn table(&self, table: &Table) -> String {
        match self {
            Self::MitAcd => format!("\"{}\"", table.name),
            Self::Babelfish { schema } => format!("\"{schema}\".\"{}\"", self.name_of(table.name)),
        }
    }

    /// A column where it is compared or written, as stored: `i."idAgente"`, `"idagente"`.
    pub fn column(&self, alias: Option<&str>, column: &Column) -> String {
        let name = self.name_of(column.name);
        match alias {
            Some(alias) => format!("{alias}.\"{name}\""),
            None => format!("\"{name}\""),
        }
    }

    /// A column where it is read: cast to the type the API decodes when the stored type may
    /// differ from it (see the module's documentation).
    pub fn read(&self, alias: Option<&str>, column: &Column) -> String {
        let stored = self.column(alias, column);
        match self.read_cast(column.sql_type) {
            Some(cast) => format!("CAST({stored} AS {cast})"),
            None => stored,
        }
    }

    fn read_cast(&self, sql_type: SqlType) -> Option<&'static str> {
        match (self, sql_type) {
            (_, SqlType::Int | SqlType::TinyInt) => Some("INTEGER"),
            (_, SqlType::BigInt) => Some("BIGINT"),
            (Self::MitAcd, SqlType::VarChar(_) | SqlType::Text | SqlType::DateTime) => None,
            (Self::Babelfish { .. }, SqlType::VarChar(_) | SqlType::Text) => Some("TEXT"),
            (Self::Babelfish { .. }, SqlType::DateTime) => Some("TIMESTAMP(3)"),
        }
    }

    /// `SELECT <columns> FROM <tables> WHERE <alias.key> = $1`, with each column read as
    /// [`Layout::read`] says and named as `selected` says; joins are LEFT JOINs on keys.
    /// Panics on a table or column `crate::schema` does not have (a unit test renders every
    /// statement).
    pub fn select(&self, from: &[From], selected: &[Selected], key: (&str, &[&str])) -> String {
        let table_of = |alias: &str| {
            from.iter().find(|f| f.alias == alias).unwrap_or_else(|| panic!("no table aliased {alias}")).table
        };
        let column_of = |alias: &str, name: &str| {
            let table = table_of(alias);
            table.column(name).unwrap_or_else(|| panic!("{} has no column {name}", table.name))
        };
        let mut sql = String::from("SELECT ");
        for (index, (alias, name, as_name)) in selected.iter().enumerate() {
            if index > 0 {
                sql.push_str(", ");
            }
            let _ = write!(sql, "{} AS \"{as_name}\"", self.read(Some(alias), column_of(alias, name)));
        }
        for (index, table) in from.iter().enumerate() {
            match table.join {
                None if index == 0 => {
                    let _ = write!(sql, " FROM {} {}", self.table(table.table), table.alias);
                }
                Some((key, (other_alias, other_column))) if index > 0 => {
                    let _ = write!(
                        sql,
                        " LEFT JOIN {} {} ON {} = {}",
                        self.table(table.table),
                        table.alias,
                        self.column(Some(table.alias), column_of(table.alias, key)),
                        self.column(Some(other_alias), column_of(other_alias, other_column)),
                    );
                }
                _ => panic!("the first table, and only it, has no join condition"),
            }
        }
        let (alias, keys) = key;
        for (index, name) in keys.iter().enumerate() {
            let column = column_of(alias, name);
            let _ = write!(
                sql,
                "{} {} = {}",
                if index == 0 { " WHERE" } else { " AND" },
                self.column(Some(alias), column),
                self.parameter(index + 1, column),
            );
        }
        sql
    }

    /// `$n`, compared with `column`. sqlx sends text as `text`; Babelfish compares a
    /// `sys.varchar` column with a `text` value by casting the column, which no index
    /// serves, so there the value is cast to the column's type instead.
    fn parameter(&self, n: usize, column: &Column) -> String {
        match (self, column.sql_type) {
            (Self::Babelfish { .. }, SqlType::VarChar(_) | SqlType::Text) => format!("CAST(${n} AS sys.varchar)"),
            _ => format!("${n}"),
        }
    }

    /// A table's returned columns (never the withheld ones) by its primary key, in table order.
    pub fn find_by_key(&self, table: &'static Table) -> String {
        self.select_where(table, table.primary_key)
    }

    /// A table's returned columns, in table order, where `keys` equal `$1`, `$2`….
    pub fn select_where(&self, table: &'static Table, keys: &[&str]) -> String {
        let from = [From { alias: "t", table, join: None }];
        let selected: Vec<Selected> = table.returned_columns().map(|column| ("t", column.name, column.name)).collect();
        self.select(&from, &selected, ("t", keys))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{AGENTES, CAMPANIAS, GRUPOS};

    fn babelfish() -> Layout {
        Layout::Babelfish { schema: SchemaName::parse("mitacd_dbo").unwrap() }
    }

    #[test]
    fn the_mitacd_layout_quotes_contract_names_and_casts_integers_to_the_api_width() {
        assert_eq!(
            Layout::MitAcd.find_by_key(&GRUPOS),
            r#"SELECT CAST(t."idGrupo" AS INTEGER) AS "idGrupo", t."Nombre" AS "Nombre", CAST(t."idSupervisor" AS INTEGER) AS "idSupervisor" FROM "Grupos" t WHERE t."idGrupo" = $1"#
        );
    }

    #[test]
    fn the_babelfish_layout_lowercases_names_in_its_schema_and_casts_every_column() {
        assert_eq!(
            babelfish().find_by_key(&GRUPOS),
            r#"SELECT CAST(t."idgrupo" AS INTEGER) AS "idGrupo", CAST(t."nombre" AS TEXT) AS "Nombre", CAST(t."idsupervisor" AS INTEGER) AS "idSupervisor" FROM "mitacd_dbo"."grupos" t WHERE t."idgrupo" = $1"#
        );
        let interaction = babelfish().find_by_key(&crate::schema::INTERACCIONES);
        assert!(interaction.ends_with(r#" WHERE t."idinteraccion" = CAST($1 AS sys.varchar)"#), "{interaction}");
        let agent = babelfish().find_by_key(&AGENTES);
        assert!(agent.contains(r#"CAST(t."ultimocambiofoto" AS TIMESTAMP(3)) AS "UltimoCambioFoto""#), "{agent}");
        assert!(agent.contains(r#"CAST(t."activo" AS INTEGER) AS "Activo""#), "{agent}");
    }

    #[test]
    fn password_columns_and_company_are_never_selected_in_any_layout() {
        for layout in [Layout::MitAcd, babelfish()] {
            let agent = layout.find_by_key(&AGENTES).to_lowercase();
            for withheld in ["password", "passwordloginid", "passwordmim"] {
                assert!(!agent.contains(&format!("\"{withheld}\"")), "{agent}");
            }
            assert!(!layout.find_by_key(&CAMPANIAS).to_lowercase().contains("idempresa"));
        }
    }

    #[test]
    fn a_schema_name_is_a_plain_lowercase_identifier() {
        for good in ["mitacd_dbo", "dbo", "_x", "a$1"] {
            assert!(SchemaName::parse(good).is_some(), "{good}");
        }
        for bad in ["", "MitACD_dbo", "1abc", "a\"b", "a.b", "a b", &"x".repeat(64)] {
            assert!(SchemaName::parse(bad).is_none(), "{bad}");
        }
    }
}

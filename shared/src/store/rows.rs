//! Whole MitACD rows, any table, every column (the withheld ones included): how the demo
//! loader and `import` write data. The API's routes never come through here; they read
//! through the per-table stores, which select only what a response may carry.

use std::fmt::Write as _;

use chrono::{NaiveDate, NaiveDateTime, TimeZone, Utc};

use crate::db::{Database, Param};
use crate::schema::{Column, SqlType, Table};
use crate::timestamp::Timestamp;

/// One stored value, already checked against its column's MitACD type.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
    Timestamp(Timestamp),
}

/// Why a value does not fit its column; the caller adds where it came from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ValueError(pub String);

impl Value {
    /// Parses the text form of a value for `column` (CSV exports): a decimal integer, any
    /// text of at most the column's length, or a `datetime` as SQL Server writes it
    /// (`2021-06-15 01:24:08.193`) or as ISO 8601 (`2021-06-15T01:24:08.193Z`, an offset, no
    /// zone = UTC). NULL is the caller's to recognise; an empty text is an empty string.
    pub fn parse(column: &Column, text: &str) -> Result<Self, ValueError> {
        match column.sql_type {
            SqlType::Int | SqlType::TinyInt | SqlType::BigInt => {
                let number = text.trim().parse::<i64>().map_err(|_| {
                    ValueError(format!("'{}' is not an integer ({})", shorten(text), column.sql_type.sql_server()))
                })?;
                Self::integer(column, number)
            }
            SqlType::VarChar(_) | SqlType::Text => Self::text(column, text.to_owned()),
            SqlType::DateTime => parse_datetime(text.trim()).map(Self::Timestamp).ok_or_else(|| {
                ValueError(format!(
                    "'{}' is not a datetime (2021-06-15 01:24:08.193 or ISO 8601, e.g. 2021-06-15T01:24:08.193Z)",
                    shorten(text)
                ))
            }),
        }
    }

    /// A value of the demo file (JSON): null, an integer, or a string (a datetime's in
    /// ISO 8601).
    pub fn from_json(column: &Column, json: &serde_json::Value) -> Result<Self, ValueError> {
        match json {
            serde_json::Value::Null => Ok(Self::Null),
            serde_json::Value::Number(number) => match number.as_i64() {
                Some(number) if matches!(column.sql_type, SqlType::Int | SqlType::TinyInt | SqlType::BigInt) => {
                    Self::integer(column, number)
                }
                _ => Err(ValueError(format!("{number} does not fit {}", column.sql_type.sql_server()))),
            },
            serde_json::Value::String(text) => Self::parse(column, text),
            other => Err(ValueError(format!("{other} is not a value of {}", column.sql_type.sql_server()))),
        }
    }

    fn integer(column: &Column, number: i64) -> Result<Self, ValueError> {
        let range = match column.sql_type {
            SqlType::TinyInt => 0..=255,
            SqlType::Int => i64::from(i32::MIN)..=i64::from(i32::MAX),
            _ => i64::MIN..=i64::MAX,
        };
        if range.contains(&number) {
            Ok(Self::Int(number))
        } else {
            Err(ValueError(format!("{number} is out of range for {}", column.sql_type.sql_server())))
        }
    }

    fn text(column: &Column, text: String) -> Result<Self, ValueError> {
        if let SqlType::VarChar(length) = column.sql_type {
            let characters = text.chars().count();
            if characters > length as usize {
                return Err(ValueError(format!("{characters} characters are more than varchar({length}) holds")));
            }
        }
        if text.contains('\0') {
            return Err(ValueError("text holds a NUL character, which PostgreSQL cannot store".into()));
        }
        Ok(Self::Text(text))
    }
}

fn shorten(text: &str) -> String {
    const MAX: usize = 40;
    if text.chars().count() <= MAX {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(MAX).collect::<String>())
    }
}

/// SQL Server's `datetime` text (`yyyy-mm-dd hh:mi:ss[.mmm]`, also with `T`), a date alone,
/// or RFC 3339 with any offset. Without an offset the value is UTC, as MitACD stores it.
fn parse_datetime(text: &str) -> Option<Timestamp> {
    if let Ok(at) = Timestamp::parse(text) {
        return Some(at);
    }
    let naive = text.strip_suffix('Z').unwrap_or(text);
    ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(naive, format).ok())
        .or_else(|| NaiveDate::parse_from_str(naive, "%Y-%m-%d").ok().and_then(|date| date.and_hms_opt(0, 0, 0)))
        .map(|at| Timestamp(Utc.from_utc_datetime(&at)))
}

/// What to do when a row with the same primary key exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnConflict {
    /// Leave the stored row as it is (the demo loader: never overwrite a row written since).
    Keep,
    /// Replace every column (import: rerunning it converges on the export).
    Replace,
}

/// `INSERT INTO "<table>" (<every column>) VALUES ($1, …) ON CONFLICT (<key>) DO …`.
pub fn insert_sql(table: &Table, on_conflict: OnConflict) -> String {
    let quoted = |column: &Column| format!("\"{}\"", column.name);
    let columns: Vec<String> = table.columns.iter().map(quoted).collect();
    let placeholders: Vec<String> = (1..=table.columns.len()).map(|n| format!("${n}")).collect();
    let keys: Vec<String> = table.primary_key.iter().map(|key| format!("\"{key}\"")).collect();
    let mut sql = format!(
        "INSERT INTO \"{}\" ({}) VALUES ({}) ON CONFLICT ({}) DO ",
        table.name,
        columns.join(", "),
        placeholders.join(", "),
        keys.join(", ")
    );
    let updated: Vec<&Column> =
        table.columns.iter().filter(|column| !table.primary_key.contains(&column.name)).collect();
    match on_conflict {
        OnConflict::Replace if !updated.is_empty() => {
            sql.push_str("UPDATE SET ");
            for (index, column) in updated.iter().enumerate() {
                if index > 0 {
                    sql.push_str(", ");
                }
                let _ = write!(sql, "\"{0}\" = EXCLUDED.\"{0}\"", column.name);
            }
        }
        _ => sql.push_str("NOTHING"),
    }
    sql
}

impl Value {
    /// This value bound for `column`: a NULL typed as its column, so that PostgreSQL
    /// accepts it.
    pub fn param(&self, column: &Column) -> Param<'_> {
        match (self, column.sql_type) {
            (Value::Int(number), _) => Param::BigInt(Some(*number)),
            (Value::Text(text), _) => Param::Text(Some(text)),
            (Value::Timestamp(at), _) => Param::Timestamp(Some(*at)),
            (Value::Null, SqlType::Int | SqlType::TinyInt | SqlType::BigInt) => Param::BigInt(None),
            (Value::Null, SqlType::VarChar(_) | SqlType::Text) => Param::Text(None),
            (Value::Null, SqlType::DateTime) => Param::Timestamp(None),
        }
    }
}

/// Writes rows of `table`, all in one transaction. Returns how many were inserted or
/// replaced (not those kept).
pub async fn write(
    db: &Database,
    table: &Table,
    rows: &[Vec<Value>],
    on_conflict: OnConflict,
) -> Result<u64, sqlx::Error> {
    let sql = insert_sql(table, on_conflict);
    let params: Vec<Vec<Param<'_>>> = rows
        .iter()
        .map(|row| {
            debug_assert_eq!(row.len(), table.columns.len(), "one value per column of {}", table.name);
            table.columns.iter().zip(row).map(|(column, value)| value.param(column)).collect()
        })
        .collect();
    db.ready().await?;
    db.execute_each(&sql, &params).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{AGENTES, CAMPANIAS, GRUPOS, INTERACCIONES};

    fn column<'a>(table: &'a Table, name: &str) -> &'a Column {
        table.column(name).unwrap()
    }

    #[test]
    fn datetime_reads_sql_server_and_iso_forms_as_utc() {
        let inicio = column(&INTERACCIONES, "Inicio");
        let expected = Value::Timestamp(Timestamp::parse("2021-06-15T01:24:08.193Z").unwrap());
        for text in [
            "2021-06-15 01:24:08.193",
            "2021-06-15T01:24:08.193",
            "2021-06-15T01:24:08.193Z",
            "2021-06-14T22:24:08.193-03:00",
        ] {
            assert_eq!(Value::parse(inicio, text).unwrap(), expected, "{text}");
        }
        assert!(Value::parse(inicio, "15/06/2021").is_err());
    }

    #[test]
    fn integers_are_checked_against_their_sql_server_range() {
        assert!(Value::parse(column(&CAMPANIAS, "Activa"), "256").is_err());
        assert_eq!(Value::parse(column(&CAMPANIAS, "Activa"), "255").unwrap(), Value::Int(255));
        assert!(Value::parse(column(&CAMPANIAS, "Token"), "2147483648").is_err());
        assert_eq!(Value::parse(column(&INTERACCIONES, "Duracion"), "2147483648").unwrap(), Value::Int(2147483648));
        assert!(Value::parse(column(&CAMPANIAS, "Token"), "1.5").is_err());
    }

    #[test]
    fn varchar_length_counts_characters() {
        let usuario = column(&AGENTES, "Usuario");
        assert!(Value::parse(usuario, &"ñ".repeat(24)).is_ok());
        assert!(Value::parse(usuario, &"ñ".repeat(25)).is_err());
    }

    #[test]
    fn upsert_replaces_every_column_but_the_key() {
        assert_eq!(
            insert_sql(&GRUPOS, OnConflict::Replace),
            r#"INSERT INTO "Grupos" ("idGrupo", "Nombre", "idSupervisor") VALUES ($1, $2, $3) ON CONFLICT ("idGrupo") DO UPDATE SET "Nombre" = EXCLUDED."Nombre", "idSupervisor" = EXCLUDED."idSupervisor""#
        );
        assert!(insert_sql(&GRUPOS, OnConflict::Keep).ends_with(r#"ON CONFLICT ("idGrupo") DO NOTHING"#));
    }
}

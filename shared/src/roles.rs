//! The PostgreSQL roles the functions log in as, one per kind of function: the six GET
//! functions as [`READER`], the POST function as [`WRITER`], `migrate` as the owner of the
//! schema. What each role may do follows from `crate::schema` and the statements the routes
//! run (`crate::store`), never from a list kept by hand:
//!
//! - reader: USAGE on the schema; SELECT on every table a GET route reads ([`read_tables`]:
//!   all of `schema::TABLES`; a unit test finds each in a rendered read statement), on the
//!   columns a response carries only (`Column::returned`: never the stored passwords).
//! - writer: USAGE on the schema and, on `ParametrosTareaSalida` only, what the POST's upsert
//!   (`store::parameters::upsert_outgoing_sql`) needs, found by granting less on PostgreSQL 15
//!   and watching it fail (`tests/contract/roles.rs` holds it): INSERT on its columns; UPDATE
//!   on its non-key column `Valor` (`DO UPDATE SET`); SELECT on the key columns (the
//!   `ON CONFLICT` target), on `Valor` (`EXCLUDED."Valor"` is read under the table's column
//!   privileges) and on the system column `xmax` (`RETURNING (xmax = 0)`). Any one of those
//!   four SELECTs fewer and the upsert is refused (42501); SELECT on the whole table is not
//!   needed. No DELETE, no TRUNCATE, no UPDATE of a key, nothing on any other table.
//!
//! In our layout [`grant`] applies them after every migration run (`Database::migrate`, so
//! `migrate` on each deploy and `make seed`): a role created after the schema gets its grants
//! on the next run. In the Babelfish layout the schema is MitACD's and nothing is migrated, so
//! the DBA runs `docs/database-roles.sql` once: [`grant_sql`] rendered for `mitacd_dbo` (a
//! test holds the file to it and runs it on the Babelfish stand-in).

use std::fmt::Write as _;

use sqlx::PgPool;

use crate::layout::Layout;
use crate::schema::{PARAMETROS_TAREA_SALIDA, TABLES, Table};

/// The role the six GET functions log in as.
pub const READER: &str = "v3_reader";
/// The role the POST function logs in as.
pub const WRITER: &str = "v3_writer";

/// The names of the two roles (the API's are [`Roles::API`]; tests use roles of their own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Roles<'a> {
    pub reader: &'a str,
    pub writer: &'a str,
}

impl Roles<'static> {
    pub const API: Self = Roles { reader: READER, writer: WRITER };
}

/// Every table a GET route reads: all of MitACD's tables the API knows (the full interaction
/// joins every lookup table; each parameters direction has its GET).
pub fn read_tables() -> [&'static Table; TABLES.len()] {
    TABLES
}

/// The one table the writer writes.
pub fn written_table() -> &'static Table {
    &PARAMETROS_TAREA_SALIDA
}

/// `"name"`, with any `"` doubled.
fn quote(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

/// A table in `schema`, spelled as `layout` says.
fn qualified(schema: &str, layout: &Layout, table: &Table) -> String {
    format!("{}.{}", quote(schema), quote(&layout.name_of(table.name)))
}

fn column_list<'a>(layout: &Layout, names: impl IntoIterator<Item = &'a str>) -> String {
    names.into_iter().map(|name| quote(&layout.name_of(name))).collect::<Vec<_>>().join(", ")
}

/// The reader's grants: USAGE on `schema`, and SELECT on [`read_tables`], column by column:
/// only the columns a response may carry (`Column::returned`), so the stored passwords and
/// `idEmpresa` stay unreadable even to the role the GET functions log in as.
pub fn reader_grants(schema: &str, layout: &Layout, role: &str) -> String {
    let mut sql = format!("GRANT USAGE ON SCHEMA {} TO {};\n", quote(schema), quote(role));
    for table in read_tables() {
        let columns = column_list(layout, table.returned_columns().map(|column| column.name));
        let _ = writeln!(
            sql,
            "GRANT SELECT ({columns})\n    ON TABLE {} TO {};",
            qualified(schema, layout, table),
            quote(role)
        );
    }
    sql
}

/// The writer's grants: USAGE on `schema`, and on [`written_table`] what the upsert needs
/// (see the module's documentation for why each).
pub fn writer_grants(schema: &str, layout: &Layout, role: &str) -> String {
    let table = written_table();
    let is_key = |name: &str| table.primary_key.contains(&name);
    let all = table.columns.iter().map(|column| column.name);
    let updated: Vec<&str> = table.columns.iter().map(|column| column.name).filter(|name| !is_key(name)).collect();
    let read: Vec<&str> = table.primary_key.iter().copied().chain(updated.iter().copied()).collect();
    format!(
        "GRANT USAGE ON SCHEMA {schema} TO {role};\n\
         GRANT INSERT ({all}),\n      UPDATE ({updated}),\n      SELECT ({read}, xmax)\n    ON TABLE {table} TO {role};\n",
        schema = quote(schema),
        role = quote(role),
        all = column_list(layout, all),
        updated = column_list(layout, updated.iter().copied()),
        read = column_list(layout, read.iter().copied()),
        table = qualified(schema, layout, table),
    )
}

/// Both roles' grants on the tables in `schema` as `layout` spells them: what `migrate`
/// applies in our layout, and `docs/database-roles.sql` for the Babelfish one.
pub fn grant_sql(schema: &str, layout: &Layout, roles: Roles<'_>) -> String {
    format!("{}{}", reader_grants(schema, layout, roles.reader), writer_grants(schema, layout, roles.writer))
}

/// [`reader_grants`] or [`writer_grants`]: (schema, layout, role) to statements.
type GrantsFor = fn(&str, &Layout, &str) -> String;

/// What [`grant`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Granted {
    /// The schema granted on (the connection's current schema).
    pub schema: String,
    /// The roles that now hold exactly their grants on the API's tables.
    pub granted: Vec<String>,
    /// Roles that do not exist (yet): skipped.
    pub missing: Vec<String>,
    /// Roles that are the migrator itself or own one of the API's tables: left alone, since
    /// revoking from them would take what the owner needs.
    pub owners: Vec<String>,
}

/// Per role: does it exist, and is it the migrator or an owner of one of the API's tables.
const ROLES_PRESENT: &str = "SELECT wanted.name, r.oid IS NOT NULL,
       COALESCE(r.rolname = current_user OR EXISTS (
           SELECT 1 FROM pg_catalog.pg_class c
            WHERE c.relowner = r.oid AND c.relname = ANY($2)
              AND c.relnamespace = (SELECT n.oid FROM pg_catalog.pg_namespace n WHERE n.nspname = current_schema())), false)
  FROM unnest($1::text[]) WITH ORDINALITY AS wanted(name, position)
  LEFT JOIN pg_catalog.pg_roles r ON r.rolname = wanted.name
 ORDER BY wanted.position";

/// Gives each of `roles` that exists exactly its grants on the API's tables in the current
/// schema (where the migrations made them): first every privilege it holds on those tables is
/// revoked, then its grants are given, in one transaction, so a grant an older version gave
/// and this one does not is gone, and a request running meanwhile sees the old grants or the
/// new. A missing role is skipped and logged. Cheap (five round trips, once per deploy),
/// and serialized per schema by an advisory lock: PostgreSQL refuses concurrent GRANTs on
/// one table ("tuple concurrently updated").
pub async fn grant(pool: &PgPool, roles: Roles<'_>) -> Result<Granted, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let schema: Option<String> = sqlx::query_scalar(
        "SELECT current_schema()::text FROM (SELECT pg_advisory_xact_lock(hashtext('v3-api roles ' || current_schema()))) AS locked",
    )
    .fetch_one(&mut *tx)
    .await?;
    let Some(schema) = schema else {
        tracing::warn!("no current schema (search_path names none that exists): no database role granted");
        return Ok(Granted::default());
    };
    let names = [roles.reader, roles.writer];
    let tables: Vec<&str> = read_tables().iter().map(|table| table.name).collect();
    let present: Vec<(String, bool, bool)> =
        sqlx::query_as(ROLES_PRESENT).bind(&names[..]).bind(&tables).fetch_all(&mut *tx).await?;
    let layout = Layout::MitAcd;
    let all_tables: Vec<String> = TABLES.iter().map(|table| qualified(&schema, &layout, table)).collect();
    let mut outcome = Granted { schema: schema.clone(), ..Granted::default() };
    let mut script = String::new();
    let kinds: [(&str, GrantsFor); 2] = [("reader", reader_grants), ("writer", writer_grants)];
    for ((name, exists, owner), (kind, grants_for)) in present.into_iter().zip(kinds) {
        if !exists {
            tracing::warn!(
                role = %name,
                kind,
                "database role does not exist: nothing granted to it (create it as docs/database-roles.sql says, then run migrate again)"
            );
            outcome.missing.push(name);
            continue;
        }
        if owner {
            tracing::error!(
                role = %name,
                kind,
                "database role is the migrator or owns the API's tables: nothing granted or revoked (the functions must not log in as the owner)"
            );
            outcome.owners.push(name);
            continue;
        }
        let _ = writeln!(script, "REVOKE ALL ON TABLE {} FROM {};", all_tables.join(", "), quote(&name));
        script.push_str(&grants_for(&schema, &layout, &name));
        outcome.granted.push(name);
    }
    if !script.is_empty() {
        // Through the Executor trait: `RawSql::execute` on a transaction makes this future's
        // Send-ness unprovable to the compiler (a spawned `migrate` would not build).
        sqlx::Executor::execute(&mut *tx, sqlx::raw_sql(&script)).await?;
    }
    tx.commit().await?;
    for role in &outcome.granted {
        tracing::info!(role = %role, schema = %schema, "database role granted what its functions need, and nothing else on the API's tables");
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::SchemaName;
    use crate::models::Direction;
    use crate::store::{Statements, interactions, parameters};

    #[test]
    fn the_reader_may_read_exactly_the_tables_the_get_routes_read() {
        let layout = Layout::MitAcd;
        let statements = Statements::for_layout(&layout);
        let reads = [
            statements.find_agent().to_owned(),
            statements.find_campaign().to_owned(),
            statements.find_interaction().to_owned(),
            interactions::find_full_sql(&layout),
            parameters::list_sql(&layout, Direction::Incoming),
            parameters::list_sql(&layout, Direction::Outgoing),
        ];
        for table in TABLES {
            let named = format!(" {} ", layout.table(table));
            assert_eq!(
                read_tables().contains(&table),
                reads.iter().any(|sql| sql.contains(&named)),
                "{}: granted to the reader iff a GET route reads it",
                table.name
            );
        }
    }

    #[test]
    fn the_writer_grants_follow_the_upsert_columns() {
        let babelfish = Layout::Babelfish { schema: SchemaName::parse("mitacd_dbo").unwrap() };
        assert_eq!(
            writer_grants("mitacd_dbo", &babelfish, WRITER),
            "GRANT USAGE ON SCHEMA \"mitacd_dbo\" TO \"v3_writer\";\n\
             GRANT INSERT (\"idtarea\", \"nombreparametro\", \"valor\"),\n      \
             UPDATE (\"valor\"),\n      \
             SELECT (\"idtarea\", \"nombreparametro\", \"valor\", xmax)\n    \
             ON TABLE \"mitacd_dbo\".\"parametrostareasalida\" TO \"v3_writer\";\n"
        );
        let upsert = parameters::upsert_outgoing_sql(&Layout::MitAcd);
        assert!(
            upsert.contains(r#"ON CONFLICT ("idTarea", "NombreParametro") DO UPDATE SET "Valor" = EXCLUDED."Valor""#)
        );
        assert!(upsert.contains("RETURNING (xmax = 0)"));
    }

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote("a\"b"), "\"a\"\"b\"");
        assert!(reader_grants("odd\"schema", &Layout::MitAcd, "r").contains("\"odd\"\"schema\".\"Agentes\""));
    }
}

//! `import`: loads CSV exports of MitACD tables (SSMS "Save Results As", `bcp … out -c -t,`,
//! `sqlcmd -s,`) into the API's database. See docs/import.md for what it accepts.
//!
//! [`plan`] matches each file to its table by name and orders the files as
//! [`shared::schema::TABLES`] does; [`import_file`] loads one file in one transaction. Every
//! value is checked in Rust against its column ([`Value::parse`]) before anything reaches the
//! database, so a bad row fails with its file, line and column, and the file's transaction is
//! rolled back. Rows are upserted by primary key; within a file the last row of a key wins.
//! Files are streamed: memory does not grow with a file's size.

pub mod records;

use std::fmt;
use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::Datelike;
use shared::db::Database;
use shared::schema::{Column, TABLES, Table};
use shared::store::rows::{OnConflict, Value, insert_sql};
use shared::timestamp::Timestamp;

use records::{ReadError, Record, RecordReader};

/// One file to load and the table it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileToImport {
    pub path: PathBuf,
    pub table: &'static Table,
}

/// The table a file's name designates: `<Table>.csv`, `dbo.<Table>.csv` or
/// `MitACD.dbo.<Table>.csv`, all case-insensitively.
pub fn table_for_file_name(name: &str) -> Option<&'static Table> {
    let cut = name.len().checked_sub(4).filter(|&cut| name.is_char_boundary(cut))?;
    if !name[cut..].eq_ignore_ascii_case(".csv") {
        return None;
    }
    let stem = &name[..cut];
    let stem = strip_prefix_ignore_case(stem, "mitacd.dbo.")
        .or_else(|| strip_prefix_ignore_case(stem, "dbo."))
        .unwrap_or(stem);
    TABLES.into_iter().find(|table| table.name.eq_ignore_ascii_case(stem))
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &text[prefix.len()..])
}

/// What keeps a command line's files from being imported. Nothing has been imported then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanError {
    pub problems: Vec<String>,
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("nothing was imported:")?;
        for problem in &self.problems {
            write!(f, "\n  {problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for PlanError {}

/// The files named by `paths` (files, or directories whose `*.csv` files are all taken, not
/// recursing), each matched to its table, in [`TABLES`] order. Every file that names no table,
/// every path that cannot be read and every table given twice is listed in the error.
pub fn plan(paths: &[PathBuf]) -> Result<Vec<FileToImport>, PlanError> {
    let mut problems = Vec::new();
    let mut candidates = Vec::new();
    if paths.is_empty() {
        problems.push("no file or directory given".to_owned());
    }
    for path in paths {
        match std::fs::metadata(path) {
            Err(error) => problems.push(format!("{}: {error}", path.display())),
            Ok(metadata) if metadata.is_dir() => match csv_files_in(path) {
                Ok(files) if files.is_empty() => {
                    problems.push(format!("{}: no *.csv file in this directory", path.display()))
                }
                Ok(files) => candidates.extend(files),
                Err(error) => problems.push(format!("{}: {error}", path.display())),
            },
            Ok(_) => candidates.push(path.clone()),
        }
    }
    let mut files: Vec<FileToImport> = Vec::new();
    for path in candidates {
        let name = path.file_name().map(|name| name.to_string_lossy()).unwrap_or_default();
        match table_for_file_name(&name) {
            None => problems.push(format!(
                "{}: the name matches no MitACD table (expected <Table>.csv, dbo.<Table>.csv or MitACD.dbo.<Table>.csv, Table one of {})",
                path.display(),
                TABLES.map(|table| table.name).join(", ")
            )),
            Some(table) => match files.iter().find(|file| file.table == table) {
                Some(other) => problems.push(format!(
                    "{}: table {} is already given by {}",
                    path.display(),
                    table.name,
                    other.path.display()
                )),
                None => files.push(FileToImport { path, table }),
            },
        }
    }
    if !problems.is_empty() {
        return Err(PlanError { problems });
    }
    files.sort_by_key(|file| TABLES.iter().position(|table| *table == file.table));
    Ok(files)
}

fn csv_files_in(directory: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(directory)? {
        let entry = entry?;
        let is_csv = entry.file_name().to_string_lossy().to_ascii_lowercase().ends_with(".csv");
        if is_csv && entry.file_type()?.is_file() {
            files.push(entry.path());
        }
    }
    files.sort();
    Ok(files)
}

/// Why a file was not imported: where (file, line, column, as far as known) and why. Nothing
/// of the file was written.
#[derive(Debug)]
pub struct ImportError {
    pub path: PathBuf,
    /// The 1-based physical line on which the offending record starts.
    pub line: Option<u64>,
    pub column: Option<String>,
    pub reason: String,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ", line {line}")?;
        }
        if let Some(column) = &self.column {
            write!(f, ", column {column}")?;
        }
        write!(f, ": {}", self.reason)
    }
}

impl std::error::Error for ImportError {}

/// One file imported.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    pub path: PathBuf,
    pub table: &'static Table,
    /// Data records in the file (a header and sqlcmd's underline are not counted).
    pub read: u64,
    /// Rows the database inserted or replaced. On PostgreSQL a key repeated in the file
    /// counts once (only its last row is written); SQLite upserts every row in turn.
    pub written: u64,
    pub elapsed: Duration,
}

impl Imported {
    pub fn rows_per_second(&self) -> f64 {
        self.read as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// How far an import has come; reported at most about once a second.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    pub table: &'static Table,
    pub rows: u64,
    pub elapsed: Duration,
    pub stage: Stage,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Records read, checked and sent so far.
    Reading,
    /// Every record sent; PostgreSQL is merging them into the table.
    Merging,
}

impl Progress {
    pub fn rows_per_second(&self) -> f64 {
        self.rows as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

const PROGRESS_EVERY: Duration = Duration::from_secs(1);

struct Ticker<'p> {
    table: &'static Table,
    started: Instant,
    last: Instant,
    report: &'p mut dyn FnMut(&Progress),
}

impl Ticker<'_> {
    fn tick(&mut self, rows: u64) {
        if rows.is_multiple_of(1024) {
            let now = Instant::now();
            if now.duration_since(self.last) >= PROGRESS_EVERY {
                self.last = now;
                self.report(rows, Stage::Reading);
            }
        }
    }

    fn report(&mut self, rows: u64, stage: Stage) {
        let progress = Progress { table: self.table, rows, elapsed: self.started.elapsed(), stage };
        (self.report)(&progress);
    }
}

/// Loads one file into its table in one transaction: every row or none. `progress` is called
/// at most about once a second, only while a file takes longer than that.
pub async fn import_file(
    db: &Database,
    file: &FileToImport,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Imported, ImportError> {
    let started = Instant::now();
    let source = File::open(&file.path)
        .map_err(|error| ImportError::at(&file.path, None, None, format!("cannot open: {error}")))?;
    let mut rows = Rows::open(RecordReader::new(source), file)?;
    let mut ticker = Ticker { table: file.table, started, last: started, report: progress };
    db.ready().await.map_err(|error| rows.database_error(&error))?;
    let written = match db {
        Database::Postgres(pool, _) => postgres::load(pool, &mut rows, &mut ticker).await?,
        Database::Sqlite(pool) => sqlite::load(pool, &mut rows, &mut ticker).await?,
    };
    Ok(Imported { path: file.path.clone(), table: file.table, read: rows.read, written, elapsed: started.elapsed() })
}

impl ImportError {
    fn at(path: &Path, line: Option<u64>, column: Option<&str>, reason: impl Into<String>) -> Self {
        Self { path: path.to_owned(), line, column: column.map(str::to_owned), reason: reason.into() }
    }
}

/// Where each of the table's columns is in the file's records.
struct Layout {
    table: &'static Table,
    /// For each field of a record, the index of the table column it holds (`None`: a column
    /// the table does not have, ignored).
    targets: Vec<Option<usize>>,
    header: bool,
    /// For a file without a header whose first record names some columns: that record's
    /// line and what a header would lack, added to an error on that record.
    header_hint: Option<(u64, String)>,
}

/// A file's records as rows of its table, checked and in the table's column order.
struct Rows<R> {
    reader: RecordReader<R>,
    path: PathBuf,
    layout: Layout,
    row: Vec<Value>,
    /// The first record was data and is already in `row`, not yet handed out.
    pending: bool,
    /// The record after the header may be sqlcmd's underline (`-----,---`), skipped.
    after_header: bool,
    /// Data records read so far.
    read: u64,
}

impl<R: std::io::Read> Rows<R> {
    fn open(mut reader: RecordReader<R>, file: &FileToImport) -> Result<Self, ImportError> {
        let path = file.path.clone();
        let first = reader.next_record().map_err(|error| read_error(&path, error))?;
        let Some(first) = first else {
            let layout = Layout { table: file.table, targets: Vec::new(), header: false, header_hint: None };
            return Ok(Self { reader, path, layout, row: Vec::new(), pending: false, after_header: false, read: 0 });
        };
        let layout = Layout::detect(file.table, &first, &path)?;
        let mut row = Vec::with_capacity(file.table.columns.len());
        let pending = !layout.header;
        if pending {
            layout.convert(&first, &path, &mut row)?;
        }
        let after_header = layout.header;
        Ok(Self { reader, path, layout, row, pending, after_header, read: u64::from(pending) })
    }

    /// The next row, or `None` after the last.
    fn next(&mut self) -> Result<Option<&[Value]>, ImportError> {
        if self.pending {
            self.pending = false;
            return Ok(Some(&self.row));
        }
        loop {
            let record = self.reader.next_record().map_err(|error| read_error(&self.path, error))?;
            let Some(record) = record else { return Ok(None) };
            if std::mem::take(&mut self.after_header) && is_underline(&record) {
                continue;
            }
            self.layout.convert(&record, &self.path, &mut self.row)?;
            self.read += 1;
            return Ok(Some(&self.row));
        }
    }

    fn table(&self) -> &'static Table {
        self.layout.table
    }

    fn database_error(&self, error: &sqlx::Error) -> ImportError {
        ImportError::at(&self.path, None, None, format!("the database failed: {error}"))
    }
}

fn read_error(path: &Path, error: ReadError) -> ImportError {
    ImportError::at(path, None, None, format!("cannot read: {error}"))
}

/// sqlcmd's line under its header: every field a run of `-`.
fn is_underline(record: &Record<'_>) -> bool {
    record.fields().all(|(bytes, quoted)| !quoted && !bytes.is_empty() && bytes.iter().all(|&byte| byte == b'-'))
}

impl Layout {
    /// The first record is a header when it names every key column of the table (compared
    /// case-insensitively; surrounding spaces ignored). Its other fields may name any of the
    /// table's columns, in any order, or columns the table does not have (ignored). Without a
    /// header every record holds every column, in the table's order.
    fn detect(table: &'static Table, first: &Record<'_>, path: &Path) -> Result<Self, ImportError> {
        let column_of = |bytes: &[u8]| -> Option<usize> {
            let name = std::str::from_utf8(bytes).ok()?.trim();
            table.columns.iter().position(|column| column.name.eq_ignore_ascii_case(name))
        };
        let named: Vec<Option<usize>> = first.fields().map(|(bytes, _)| column_of(bytes)).collect();
        let names = |index: usize| named.contains(&Some(index));
        let keys_named = table.primary_key.iter().all(|key| names(column_index(table, key)));
        if !keys_named {
            let header_hint = named.iter().any(Option::is_some).then(|| {
                let missing: Vec<&str> =
                    table.primary_key.iter().copied().filter(|key| !names(column_index(table, key))).collect();
                let hint = format!(
                    "line {} was read as data: if it is meant as a header, it must name the key column{} {}",
                    first.line,
                    if missing.len() > 1 { "s" } else { "" },
                    missing.join(", ")
                );
                (first.line, hint)
            });
            let targets = (0..table.columns.len()).map(Some).collect();
            return Ok(Self { table, targets, header: false, header_hint });
        }
        let error = |reason: String| ImportError::at(path, Some(first.line), None, reason);
        for (field, target) in named.iter().enumerate() {
            if let Some(index) = target
                && let Some(again) = named[field + 1..].iter().position(|other| other == target)
            {
                return Err(error(format!(
                    "the header names column {} twice (fields {} and {})",
                    table.columns[*index].name,
                    field + 1,
                    field + 2 + again
                )));
            }
        }
        let missing: Vec<&str> = table
            .columns
            .iter()
            .enumerate()
            .filter(|(index, column)| !column.nullable && !names(*index))
            .map(|(_, column)| column.name)
            .collect();
        if !missing.is_empty() {
            return Err(error(format!(
                "the header lacks {}, which cannot be NULL (a header may leave out only NULL-able columns)",
                missing.join(", ")
            )));
        }
        Ok(Self { table, targets: named, header: true, header_hint: None })
    }

    /// Checks `record` and puts its values in `row`, one per column of the table, in order.
    fn convert(&self, record: &Record<'_>, path: &Path, row: &mut Vec<Value>) -> Result<(), ImportError> {
        let hint = |reason: String| match &self.header_hint {
            Some((line, hint)) if *line == record.line => format!("{reason} ({hint})"),
            _ => reason,
        };
        if record.len() != self.targets.len() {
            let expected = if self.header {
                format!("the header has {}", self.targets.len())
            } else {
                format!(
                    "{} has {} columns (a file without a header holds every column, in the table's order)",
                    self.table.name,
                    self.targets.len()
                )
            };
            return Err(ImportError::at(
                path,
                Some(record.line),
                None,
                hint(format!("{} fields, but {expected}", record.len())),
            ));
        }
        row.clear();
        row.resize(self.table.columns.len(), Value::Null);
        for (field, target) in self.targets.iter().enumerate() {
            let (bytes, quoted) = record.field(field);
            let column = target.map(|index| &self.table.columns[index]);
            let column_name = || match column {
                Some(column) => column.name.to_owned(),
                None => format!("field {} (not a column of {})", field + 1, self.table.name),
            };
            let text = std::str::from_utf8(bytes).map_err(|error| {
                ImportError::at(
                    path,
                    Some(record.line),
                    Some(&column_name()),
                    format!(
                        "not valid UTF-8 (byte {} of the field); export the file as UTF-8",
                        error.valid_up_to() + 1
                    ),
                )
            })?;
            let (Some(index), Some(column)) = (*target, column) else { continue };
            let value = value(column, text, quoted)
                .map_err(|reason| ImportError::at(path, Some(record.line), Some(column.name), hint(reason)))?;
            row[index] = value;
        }
        Ok(())
    }
}

fn column_index(table: &Table, name: &str) -> usize {
    table.columns.iter().position(|column| column.name == name).expect("a key is a column of its table")
}

/// A field's value: unquoted `NULL` or an unquoted empty field is NULL; bcp's lone NUL byte
/// (its character format's empty string) is an empty string; anything else, quoted or not,
/// is parsed for the column.
fn value(column: &Column, text: &str, quoted: bool) -> Result<Value, String> {
    let value = if !quoted && (text.is_empty() || text == "NULL") {
        Value::Null
    } else if !quoted && text == "\0" {
        Value::parse(column, "").map_err(|error| error.0)?
    } else {
        Value::parse(column, text).map_err(|error| error.0)?
    };
    match &value {
        Value::Null if !column.nullable => Err("NULL in a column that cannot be NULL".to_owned()),
        Value::Timestamp(at) if !(1753..=9999).contains(&at.0.year()) => {
            Err(format!("{at} is outside the years 1753 to 9999 that datetime holds"))
        }
        _ => Ok(value),
    }
}

/// `"a", "b"`: a list of quoted column names.
fn quoted_list<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    names.into_iter().map(|name| format!("\"{name}\"")).collect::<Vec<_>>().join(", ")
}

mod postgres {
    //! COPY into a temporary table of the same shape, then one upsert from it.

    use sqlx::postgres::PgPool;

    use super::*;

    /// COPY data is sent in chunks of about this size.
    const CHUNK: usize = 1 << 20;
    const STAGING: &str = "import_staging";
    /// The staging table's extra column: the record's position in the file (last wins).
    const ORDINAL: &str = "import ordinal";

    pub(super) async fn load<R: std::io::Read>(
        pool: &PgPool,
        rows: &mut Rows<R>,
        ticker: &mut Ticker<'_>,
    ) -> Result<u64, ImportError> {
        let table = rows.table();
        let failed =
            |error: sqlx::Error| ImportError::at(&rows.path, None, None, format!("the database failed: {error}"));
        let mut tx = pool.begin().await.map_err(failed)?;
        let columns = quoted_list(table.columns.iter().map(|column| column.name));
        let keys = quoted_list(table.primary_key.iter().copied());
        // Sorting a large file's rows by key in memory rather than on disk.
        let setup = [
            "SET LOCAL work_mem = '256MB'".to_owned(),
            format!("CREATE TEMP TABLE {STAGING} (LIKE \"{}\", \"{ORDINAL}\" bigint) ON COMMIT DROP", table.name),
        ];
        for sql in &setup {
            sqlx::query(sql).execute(&mut *tx).await.map_err(failed)?;
        }
        let copy_sql = format!("COPY {STAGING} ({columns}, \"{ORDINAL}\") FROM STDIN (FORMAT csv)");
        let mut copy = tx.copy_in_raw(&copy_sql).await.map_err(failed)?;
        let mut chunk = Vec::with_capacity(CHUNK + 64 * 1024);
        let mut ordinal = 0u64;
        loop {
            let row = match rows.next() {
                Ok(Some(row)) => row,
                Ok(None) => break,
                Err(error) => {
                    // The server answers the abort with an error of its own: nothing to report.
                    let _ = copy.abort("import: a record failed its checks").await;
                    return Err(error);
                }
            };
            ordinal += 1;
            write_csv_row(&mut chunk, row, ordinal);
            if chunk.len() >= CHUNK {
                copy.send(chunk.as_slice()).await.map_err(|error| rows.database_error(&error))?;
                chunk.clear();
            }
            ticker.tick(ordinal);
        }
        if !chunk.is_empty() {
            copy.send(chunk.as_slice()).await.map_err(|error| rows.database_error(&error))?;
        }
        copy.finish().await.map_err(|error| rows.database_error(&error))?;
        if ticker.started.elapsed() >= PROGRESS_EVERY {
            ticker.report(ordinal, Stage::Merging);
        }
        let written = sqlx::query(&merge_sql(table, &columns, &keys))
            .execute(&mut *tx)
            .await
            .map_err(|error| rows.database_error(&error))?
            .rows_affected();
        tx.commit().await.map_err(|error| rows.database_error(&error))?;
        Ok(written)
    }

    /// `INSERT INTO "<table>" … SELECT DISTINCT ON (<key>) … ORDER BY <key>, ordinal DESC
    /// ON CONFLICT (<key>) DO UPDATE SET …`: the last row of each key, upserted.
    pub(crate) fn merge_sql(table: &Table, columns: &str, keys: &str) -> String {
        let updates: Vec<String> = table
            .columns
            .iter()
            .filter(|column| !table.primary_key.contains(&column.name))
            .map(|column| format!("\"{0}\" = EXCLUDED.\"{0}\"", column.name))
            .collect();
        let action =
            if updates.is_empty() { "NOTHING".to_owned() } else { format!("UPDATE SET {}", updates.join(", ")) };
        format!(
            "INSERT INTO \"{table}\" ({columns}) SELECT DISTINCT ON ({keys}) {columns} FROM {STAGING} \
             ORDER BY {keys}, \"{ORDINAL}\" DESC ON CONFLICT ({keys}) DO {action}",
            table = table.name
        )
    }

    /// One row in PostgreSQL's CSV: NULL as nothing, text always quoted (so an empty string
    /// is `""` and `\.` is data), timestamps as `YYYY-MM-DD HH:MM:SS.mmm` (UTC).
    pub(crate) fn write_csv_row(out: &mut Vec<u8>, row: &[Value], ordinal: u64) {
        for value in row {
            match value {
                Value::Null => {}
                Value::Int(number) => {
                    let _ = write!(out, "{number}");
                }
                Value::Text(text) => {
                    out.push(b'"');
                    for &byte in text.as_bytes() {
                        if byte == b'"' {
                            out.push(b'"');
                        }
                        out.push(byte);
                    }
                    out.push(b'"');
                }
                Value::Timestamp(at) => write_timestamp(out, at),
            }
            out.push(b',');
        }
        let _ = writeln!(out, "{ordinal}");
    }

    /// The API's own text, `2021-06-15T01:24:08.193Z` (milliseconds, truncated): PostgreSQL
    /// reads it as that UTC instant into `timestamp` (which ignores the zone) and `timestamptz`.
    fn write_timestamp(out: &mut Vec<u8>, at: &Timestamp) {
        let _ = write!(out, "{at}");
    }
}

mod sqlite {
    //! The upsert of `insert_sql`, for many rows per statement, all in one transaction.

    use sqlx::sqlite::SqlitePool;

    use super::*;

    /// Rows per statement: 500 rows of the widest table (31 columns) are 15,500 parameters,
    /// under SQLite's 32,766. SQLite applies a statement's rows in order, so within a file
    /// the last row of a key still wins.
    const BATCH: usize = 500;

    pub(super) async fn load<R: std::io::Read>(
        pool: &SqlitePool,
        rows: &mut Rows<R>,
        ticker: &mut Ticker<'_>,
    ) -> Result<u64, ImportError> {
        let table = rows.table();
        let width = table.columns.len();
        let full = batch_sql(table, BATCH);
        let failed =
            |error: sqlx::Error| ImportError::at(&rows.path, None, None, format!("the database failed: {error}"));
        let mut tx = pool.begin().await.map_err(failed)?;
        let mut batch: Vec<Value> = Vec::with_capacity(BATCH * width);
        let (mut read, mut written) = (0, 0);
        loop {
            let row = rows.next()?;
            if let Some(row) = row {
                batch.extend_from_slice(row);
                read += 1;
                ticker.tick(read);
                if batch.len() < BATCH * width {
                    continue;
                }
            }
            if batch.is_empty() {
                break;
            }
            let last = batch.len() < BATCH * width;
            let partial;
            let sql = if last {
                partial = batch_sql(table, batch.len() / width);
                &partial
            } else {
                &full
            };
            let params: Vec<_> =
                batch.iter().zip(table.columns.iter().cycle()).map(|(value, column)| value.param(column)).collect();
            let query = shared::db::bind(sqlx::query(sql), &params);
            written += query.execute(&mut *tx).await.map_err(|error| rows.database_error(&error))?.rows_affected();
            batch.clear();
            if last {
                break;
            }
        }
        tx.commit().await.map_err(|error| rows.database_error(&error))?;
        Ok(written)
    }

    /// [`insert_sql`] with `rows` tuples of parameters instead of one. The parameters are
    /// SQLite's anonymous `?`: each named one (`$n`) costs sqlx a lookup of its name, which
    /// SQLite finds by a scan of every name, so binding a statement with thousands of them
    /// would take time quadratic in their number.
    pub(crate) fn batch_sql(table: &Table, rows: usize) -> String {
        let single = insert_sql(table, OnConflict::Replace);
        let values = single.find(" VALUES (").expect("insert_sql has a VALUES tuple") + " VALUES ".len();
        let after = values + single[values..].find(')').expect("the tuple closes") + 1;
        let tuple = format!("({})", vec!["?"; table.columns.len()].join(", "));
        let mut sql = single[..values].to_owned();
        for row in 0..rows {
            if row > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&tuple);
        }
        sql.push_str(&single[after..]);
        sql
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::schema::{AGENTES, GRUPOS, INTERACCIONES, PARAMETROS_TAREA_SALIDA};

    #[test]
    fn file_names_match_tables_case_insensitively_with_optional_schema_prefixes() {
        for name in ["Agentes.csv", "agentes.CSV", "dbo.Agentes.csv", "DBO.agentes.csv", "MitACD.dbo.Agentes.csv"] {
            assert_eq!(table_for_file_name(name), Some(&AGENTES), "{name}");
        }
        for name in ["Agente.csv", "Agentes.txt", "Agentes", "other.Agentes.csv", "MitACD.Agentes.csv", ".csv", "ñ.csv"]
        {
            assert_eq!(table_for_file_name(name), None, "{name}");
        }
    }

    #[test]
    fn no_table_has_two_columns_differing_only_in_case() {
        for table in TABLES {
            for (index, column) in table.columns.iter().enumerate() {
                for other in &table.columns[index + 1..] {
                    assert!(!column.name.eq_ignore_ascii_case(other.name), "{}.{}", table.name, column.name);
                }
            }
        }
    }

    #[test]
    fn merge_keeps_the_last_row_of_each_key() {
        let columns = quoted_list(PARAMETROS_TAREA_SALIDA.columns.iter().map(|column| column.name));
        let keys = quoted_list(PARAMETROS_TAREA_SALIDA.primary_key.iter().copied());
        assert_eq!(
            postgres::merge_sql(&PARAMETROS_TAREA_SALIDA, &columns, &keys),
            r#"INSERT INTO "ParametrosTareaSalida" ("idTarea", "NombreParametro", "Valor") SELECT DISTINCT ON ("idTarea", "NombreParametro") "idTarea", "NombreParametro", "Valor" FROM import_staging ORDER BY "idTarea", "NombreParametro", "import ordinal" DESC ON CONFLICT ("idTarea", "NombreParametro") DO UPDATE SET "Valor" = EXCLUDED."Valor""#
        );
    }

    #[test]
    fn sqlite_batches_are_the_upsert_with_more_tuples() {
        assert_eq!(
            insert_sql(&GRUPOS, OnConflict::Replace).replace("$1, $2, $3", "?, ?, ?"),
            sqlite::batch_sql(&GRUPOS, 1)
        );
        assert_eq!(
            sqlite::batch_sql(&GRUPOS, 2),
            r#"INSERT INTO "Grupos" ("idGrupo", "Nombre", "idSupervisor") VALUES (?, ?, ?), (?, ?, ?) ON CONFLICT ("idGrupo") DO UPDATE SET "Nombre" = EXCLUDED."Nombre", "idSupervisor" = EXCLUDED."idSupervisor""#
        );
    }

    #[test]
    fn copy_rows_quote_every_text_and_leave_null_empty() {
        let inicio = INTERACCIONES.column("Inicio").unwrap();
        let at = Value::parse(inicio, "2021-06-14T22:24:08.193-03:00").unwrap();
        let row = [Value::Int(7), Value::Text("a \"b\",\nc".into()), Value::Text(String::new()), Value::Null, at];
        let mut out = Vec::new();
        postgres::write_csv_row(&mut out, &row, 42);
        assert_eq!(String::from_utf8(out).unwrap(), "7,\"a \"\"b\"\",\nc\",\"\",,2021-06-15T01:24:08.193Z,42\n");
    }

    #[test]
    fn null_rules() {
        let nombre = GRUPOS.column("Nombre").unwrap();
        assert_eq!(value(nombre, "", false), Ok(Value::Null));
        assert_eq!(value(nombre, "NULL", false), Ok(Value::Null));
        assert_eq!(value(nombre, "", true), Ok(Value::Text(String::new())));
        assert_eq!(value(nombre, "NULL", true), Ok(Value::Text("NULL".into())));
        assert_eq!(value(nombre, "null", false), Ok(Value::Text("null".into())));
        assert_eq!(value(nombre, "\0", false), Ok(Value::Text(String::new())), "bcp's empty string");
        let key = GRUPOS.column("idGrupo").unwrap();
        assert!(value(key, "NULL", false).is_err());
    }
}

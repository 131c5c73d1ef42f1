//! `make import DIR=…`: loads CSV exports of MitACD tables into the database named by
//! `--database-url` or `DATABASE_URL`, migrating it first. See docs/import.md.
//!
//! Exit status: 0 when every file was imported; 1 when a file failed (the files committed
//! before it stay, and the output says which); 2 when the command line or the file names are
//! wrong, or `DB_LAYOUT` names a schema that is not ours (Babelfish) (nothing imported). The database URL is never printed: it may carry a password.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use import::{FileToImport, Imported, Progress, Stage};
use shared::db::Database;
use shared::settings::PoolSettings;
use sqlx::migrate::MigrateError;

/// Loads CSV exports of MitACD tables (SSMS "Save Results As", bcp -c -t, or sqlcmd -s,) into
/// the API's database: one transaction per file, upserting by primary key.
#[derive(Parser)]
#[command(name = "import")]
struct Args {
    /// postgres://… or sqlite://… (default: the DATABASE_URL environment variable).
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
    /// CSV files named <Table>.csv (also dbo.<Table>.csv, MitACD.dbo.<Table>.csv), or
    /// directories whose *.csv files are all imported.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let files = match import::plan(&args.paths) {
        Ok(files) => files,
        Err(error) => {
            eprintln!("import: {error}");
            return ExitCode::from(2);
        }
    };
    match shared::settings::layout_from_env() {
        Ok(shared::layout::Layout::MitAcd) => {}
        Ok(other) => {
            eprintln!(
                "import: DB_LAYOUT={}: the schema is MitACD's own, kept by the contact center: nothing is migrated or imported",
                other.name()
            );
            return ExitCode::from(2);
        }
        Err(error) => {
            eprintln!("import: {error}");
            return ExitCode::from(2);
        }
    }
    let Some(url) =
        args.database_url.filter(|url| !url.trim().is_empty()).or_else(|| shared::settings::env_var("DATABASE_URL"))
    else {
        eprintln!("import: no database: pass --database-url or set DATABASE_URL (postgres://… or sqlite://…)");
        return ExitCode::from(2);
    };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a Tokio runtime");
    // The pool is built inside the runtime: it starts its maintenance task there.
    let _runtime = runtime.enter();
    let db = match open(&url) {
        Ok(db) => db,
        Err(message) => {
            eprintln!("import: {message}");
            return ExitCode::from(2);
        }
    };
    let code = runtime.block_on(run(&db, &files));
    runtime.block_on(db.close());
    code
}

async fn run(db: &Database, files: &[FileToImport]) -> ExitCode {
    if let Err(error) = db.migrate().await {
        let hint = match error {
            MigrateError::Execute(sqlx::Error::PoolTimedOut) => {
                " (no connection within 10 s: is it running and reachable?)"
            }
            _ => "",
        };
        eprintln!("import: cannot migrate the {} database: {error}{hint}", db.engine());
        return ExitCode::FAILURE;
    }
    println!("import: {} file(s) into the {} database, one transaction each", files.len(), db.engine());
    println!("{:<24} {:>12} {:>12} {:>9} {:>10}  file", "table", "rows read", "rows written", "seconds", "rows/s");
    let started = Instant::now();
    let mut done: Vec<Imported> = Vec::new();
    for (index, file) in files.iter().enumerate() {
        match import::import_file(db, file, &mut report_progress).await {
            Ok(imported) => {
                println!(
                    "{:<24} {:>12} {:>12} {:>9.2} {:>10.0}  {}",
                    imported.table.name,
                    imported.read,
                    imported.written,
                    imported.elapsed.as_secs_f64(),
                    imported.rows_per_second(),
                    imported.path.display()
                );
                done.push(imported);
            }
            Err(error) => {
                eprintln!("import: {error}");
                eprintln!("import: nothing of {} was written (its transaction was rolled back)", file.path.display());
                if !done.is_empty() {
                    let kept: Vec<&str> = done.iter().map(|imported| imported.table.name).collect();
                    eprintln!("import: the files imported before it are committed and stay: {}", kept.join(", "));
                }
                let skipped: Vec<&str> = files[index + 1..].iter().map(|file| file.table.name).collect();
                if !skipped.is_empty() {
                    eprintln!("import: not attempted: {}", skipped.join(", "));
                }
                return ExitCode::FAILURE;
            }
        }
    }
    let read: u64 = done.iter().map(|imported| imported.read).sum();
    println!("import: {} file(s), {read} rows, in {:.2} s", done.len(), started.elapsed().as_secs_f64());
    ExitCode::SUCCESS
}

fn report_progress(progress: &Progress) {
    match progress.stage {
        Stage::Reading => eprintln!(
            "import: {}: {} rows so far, {:.0} rows/s",
            progress.table.name,
            progress.rows,
            progress.rows_per_second()
        ),
        Stage::Merging => eprintln!(
            "import: {}: all {} rows sent after {:.1} s; merging them into the table",
            progress.table.name,
            progress.rows,
            progress.elapsed.as_secs_f64()
        ),
    }
}

/// How long to wait for a database connection before giving up.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// As `seed` opens it: a SQLite file (and its folder) is created if missing.
fn open(url: &str) -> Result<Database, String> {
    let settings = PoolSettings {
        max_connections: 1,
        acquire_timeout: CONNECT_TIMEOUT,
        statement_timeout: None,
        ..PoolSettings::default()
    };
    Database::connect_lazy_creating(url, &settings).map_err(|error| error.to_string())
}

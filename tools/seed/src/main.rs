//! `make seed`: migrates the database named by `DATABASE_URL` (PostgreSQL or SQLite) and
//! loads the demo rows into it. Safe to rerun. A SQLite file is created if missing.

use std::process::ExitCode;
use std::str::FromStr;

use shared::db::{Database, PoolSettings};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let Some(url) = std::env::var("DATABASE_URL").ok().filter(|url| !url.is_empty()) else {
        eprintln!(
            "seed: DATABASE_URL is not set (e.g. sqlite://.local/v3.db or postgres://postgres@127.0.0.1:5432/postgres)"
        );
        return ExitCode::FAILURE;
    };
    let db = match open(&url) {
        Ok(db) => db,
        Err(message) => {
            eprintln!("seed: {message}");
            return ExitCode::FAILURE;
        }
    };
    match shared::demo::seed(&db).await {
        Ok(rows) => {
            println!("seed: {} database migrated; {rows} demo rows present", db.engine());
            db.close().await;
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("seed: {error}");
            ExitCode::FAILURE
        }
    }
}

fn open(url: &str) -> Result<Database, String> {
    let settings = PoolSettings::default();
    if url.starts_with("sqlite:") {
        // The one place that may create the embedded database file (and its folder).
        let options = sqlx::sqlite::SqliteConnectOptions::from_str(url)
            .map_err(|error| format!("DATABASE_URL is not a valid SQLite URL: {error}"))?
            .create_if_missing(true);
        if let Some(folder) = options.get_filename().parent().filter(|folder| !folder.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder).map_err(|error| format!("cannot create {}: {error}", folder.display()))?;
        }
        return Ok(Database::sqlite(options, &settings));
    }
    Database::connect_lazy(url, &settings).map_err(|error| error.to_string())
}

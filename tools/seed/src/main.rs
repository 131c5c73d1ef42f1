//! `make seed`: migrates the database named by `DATABASE_URL` (PostgreSQL or SQLite) and
//! loads the demo rows into it. Safe to rerun. A SQLite file is created if missing. With
//! `DB_LAYOUT=babelfish` it says so and stops: that schema and its rows are MitACD's.

use std::process::ExitCode;

use shared::db::Database;
use shared::layout::Layout;
use shared::settings::PoolSettings;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    if let Err(message) = our_layout() {
        eprintln!("seed: {message}");
        return ExitCode::FAILURE;
    }
    let Some(url) = shared::settings::env_var("DATABASE_URL") else {
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

/// Only the default layout's schema is ours to migrate and fill; in Babelfish it is
/// MitACD's own.
fn our_layout() -> Result<(), String> {
    match shared::settings::layout_from_env().map_err(|error| error.to_string())? {
        Layout::MitAcd => Ok(()),
        other => Err(format!(
            "DB_LAYOUT={}: the schema is MitACD's own, kept by the contact center: nothing is migrated or seeded",
            other.name()
        )),
    }
}

fn open(url: &str) -> Result<Database, String> {
    // The one place, with `import`, that may create the embedded database file (and its folder).
    // No statement timeout: the migrations may rebuild large tables.
    Database::connect_lazy_creating(url, &PoolSettings { statement_timeout: None, ..PoolSettings::default() })
        .map_err(|error| error.to_string())
}

//! A migrated database of the test's own (a SQLite file, or a PostgreSQL schema created for it
//! and dropped after), a scratch directory for the exports, and ways to run the import both
//! through the library and as the `import` command.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};

use import::{ImportError, Imported};
use scratch_db::ScratchDatabase;
use shared::db::Database;
use shared::layout::Layout;
use shared::store::Store;

static NEXT: AtomicU32 = AtomicU32::new(0);

pub struct TestDb {
    pub db: Database,
    /// The API's reads over it (the default layout).
    pub store: Store,
    /// Where the test writes its exports.
    pub dir: PathBuf,
    scratch: ScratchDatabase,
}

impl TestDb {
    pub async fn sqlite() -> Self {
        Self::ready(ScratchDatabase::sqlite("v3import")).await
    }

    /// `None` (the test is skipped) when `TEST_DATABASE_URL` is unset, except under
    /// `CI=true`, where a missing PostgreSQL fails the test: CI must never skip it.
    pub async fn postgres() -> Option<Self> {
        Some(Self::ready(ScratchDatabase::postgres("v3import").await?).await)
    }

    async fn ready(scratch: ScratchDatabase) -> Self {
        scratch.db.migrate().await.expect("migrate the test database");
        let dir = std::env::temp_dir().join(format!(
            "v3import_files_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Self { db: scratch.db.clone(), store: Store::new(scratch.db.clone(), Layout::MitAcd), dir, scratch }
    }

    /// The URL the `import` command is given for this database.
    pub fn url(&self) -> String {
        self.scratch.url()
    }

    /// Writes an export into the scratch directory (a subdirectory when `name` has one).
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, contents).unwrap();
        path
    }

    /// Imports as the command does: plans the files, then loads them in order, stopping at
    /// the first that fails.
    pub async fn import(&self, paths: &[PathBuf]) -> Result<Vec<Imported>, ImportError> {
        let files = import::plan(paths).unwrap_or_else(|error| panic!("{error}"));
        let mut imported = Vec::new();
        for file in &files {
            imported.push(import::import_file(&self.db, file, &mut |_| {}).await?);
        }
        Ok(imported)
    }

    /// Imports files expected to load; returns (rows read, rows written) per file.
    pub async fn import_ok(&self, paths: &[PathBuf]) -> Vec<(u64, u64)> {
        let imported = self.import(paths).await.unwrap_or_else(|error| panic!("{error}"));
        imported.iter().map(|file| (file.read, file.written)).collect()
    }

    /// Runs the `import` command on this database.
    pub fn command(&self, paths: &[&Path]) -> Output {
        let output = Command::new(env!("CARGO_BIN_EXE_import"))
            .arg("--database-url")
            .arg(self.url())
            .args(paths)
            .env_remove("DATABASE_URL")
            .output()
            .expect("run import");
        eprintln!("stdout:\n{}", String::from_utf8_lossy(&output.stdout));
        eprintln!("stderr:\n{}", String::from_utf8_lossy(&output.stderr));
        output
    }

    pub async fn count(&self, table: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) FROM \"{table}\"");
        self.db.fetch_scalar::<i64>(&sql).await.unwrap_or_else(|error| panic!("{sql}: {error}"))
    }

    /// One text value (NULL as `None`).
    pub async fn text(&self, sql: &str) -> Option<String> {
        self.db.fetch_scalar::<Option<String>>(sql).await.unwrap_or_else(|error| panic!("{sql}: {error}"))
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.db, Database::Postgres(..))
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Declares each listed `async fn(&TestDb)` twice: `sqlite::name` and `postgres::name`.
macro_rules! on_both_engines {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    let db = $crate::support::TestDb::sqlite().await;
                    super::$test(&db).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    if let Some(db) = $crate::support::TestDb::postgres().await {
                        super::$test(&db).await;
                    }
                }
            )*
        }
    };
}
pub(crate) use on_both_engines;

//! Explicit configuration from the environment. `DATABASE_URL` selects the engine; there is
//! no silent fallback to a local file, because a function that quietly served an empty
//! SQLite database in production would be worse than one that refuses to start.

use std::time::Duration;

use crate::db::{Database, PoolSettings};

/// What every request handler needs, built once per process.
#[derive(Debug, Clone)]
pub struct AppState {
    pub db: Database,
}

#[derive(thiserror::Error)]
pub enum ConfigError {
    #[error(
        "DATABASE_URL is not set: set it to a postgres://… URL (production) or a sqlite:… URL \
         (the embedded default, e.g. sqlite://.local/v3.db); see README.md"
    )]
    MissingDatabaseUrl,
    #[error("DATABASE_URL must start with postgres://, postgresql:// or sqlite: (got scheme '{0}')")]
    UnsupportedScheme(String),
    // The URL itself is never echoed: it may carry a password.
    #[error("DATABASE_URL could not be parsed as a {engine} URL: {reason}")]
    InvalidDatabaseUrl { engine: &'static str, reason: String },
    #[error("{name} must be {rule} (got '{value}')")]
    InvalidSetting { name: &'static str, rule: &'static str, value: String },
}

/// A function's `main` returns this error, and Rust prints a returned error with `Debug`:
/// make that the sentence, not the variant name.
impl std::fmt::Debug for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

impl AppState {
    /// Reads `DATABASE_URL`, `DB_MAX_CONNECTIONS` (default 1) and `DB_ACQUIRE_TIMEOUT_MS`
    /// (default 2000) from the environment. Opens no connection.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`AppState::from_env`] over any source of settings (tests pass a map).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let url = lookup("DATABASE_URL").filter(|url| !url.trim().is_empty()).ok_or(ConfigError::MissingDatabaseUrl)?;
        let settings = PoolSettings {
            max_connections: setting(&lookup, "DB_MAX_CONNECTIONS", 1, 1..=1000, "an integer from 1 to 1000")?,
            acquire_timeout: Duration::from_millis(setting(
                &lookup,
                "DB_ACQUIRE_TIMEOUT_MS",
                2000,
                1..=60_000,
                "a number of milliseconds from 1 to 60000",
            )?),
        };
        Ok(Self { db: Database::connect_lazy(&url, &settings)? })
    }
}

fn setting<T>(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: T,
    range: std::ops::RangeInclusive<T>,
    rule: &'static str,
) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd,
{
    match lookup(name) {
        None => Ok(default),
        Some(value) => match value.trim().parse::<T>() {
            Ok(parsed) if range.contains(&parsed) => Ok(parsed),
            _ => Err(ConfigError::InvalidSetting { name, rule, value }),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(pairs: &[(&str, &str)]) -> Result<AppState, ConfigError> {
        let pairs: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        AppState::from_lookup(move |name| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
    }

    #[test]
    fn no_database_url_refuses_to_start_with_a_clear_message() {
        let error = state(&[]).unwrap_err();
        assert!(matches!(error, ConfigError::MissingDatabaseUrl));
        assert!(error.to_string().contains("DATABASE_URL is not set"));
        assert!(matches!(state(&[("DATABASE_URL", "  ")]).unwrap_err(), ConfigError::MissingDatabaseUrl));
    }

    #[test]
    fn unsupported_scheme_is_refused_without_echoing_the_url() {
        let error = state(&[("DATABASE_URL", "mysql://root:secret@db/x")]).unwrap_err();
        assert!(matches!(error, ConfigError::UnsupportedScheme(_)));
        assert!(!error.to_string().contains("secret"));
    }

    #[tokio::test]
    async fn database_url_selects_the_engine_without_connecting() {
        // Nothing listens on port 1: building the state must still succeed (lazy pool).
        let postgres = state(&[("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")]).unwrap();
        assert_eq!(postgres.db.engine(), "postgres");
        let sqlite = state(&[("DATABASE_URL", "sqlite:///nonexistent/dir/v3.db")]).unwrap();
        assert_eq!(sqlite.db.engine(), "sqlite");
    }

    #[test]
    fn pool_settings_are_validated() {
        let url = ("DATABASE_URL", "sqlite://x.db");
        assert!(matches!(
            state(&[url, ("DB_MAX_CONNECTIONS", "0")]).unwrap_err(),
            ConfigError::InvalidSetting { name: "DB_MAX_CONNECTIONS", .. }
        ));
        assert!(matches!(
            state(&[url, ("DB_ACQUIRE_TIMEOUT_MS", "soon")]).unwrap_err(),
            ConfigError::InvalidSetting { name: "DB_ACQUIRE_TIMEOUT_MS", .. }
        ));
    }
}

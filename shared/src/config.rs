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

#[derive(Debug, thiserror::Error)]
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

impl AppState {
    /// Reads `DATABASE_URL`, `DB_MAX_CONNECTIONS` (default 1) and `DB_ACQUIRE_TIMEOUT_MS`
    /// (default 2000). Opens no connection.
    pub fn from_env() -> Result<Self, ConfigError> {
        let url = std::env::var("DATABASE_URL")
            .ok()
            .filter(|url| !url.trim().is_empty())
            .ok_or(ConfigError::MissingDatabaseUrl)?;
        let settings = PoolSettings {
            max_connections: setting("DB_MAX_CONNECTIONS", 1, 1..=1000, "an integer from 1 to 1000")?,
            acquire_timeout: Duration::from_millis(setting(
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
    name: &'static str,
    default: T,
    range: std::ops::RangeInclusive<T>,
    rule: &'static str,
) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd,
{
    match std::env::var(name) {
        Err(_) => Ok(default),
        Ok(value) => match value.trim().parse::<T>() {
            Ok(parsed) if range.contains(&parsed) => Ok(parsed),
            _ => Err(ConfigError::InvalidSetting { name, rule, value }),
        },
    }
}

//! Everything the `/v3` functions share. Modules depend one way: `schema` → `layout` →
//! `roles` → `settings` → `db` (with `credentials`, `aws`) → `store` → `http` → `function`; a
//! function's `main` is one call to [`function::run`] with its route's endpoint.

pub mod aws;
pub mod credentials;
pub mod db;
pub mod demo;
pub mod error;
pub mod function;
pub mod http;
pub mod ids;
pub mod layout;
pub mod mapper;
pub mod models;
pub mod roles;
pub mod schema;
pub mod scope;
pub mod settings;
pub mod store;
pub mod telemetry;
pub mod timestamp;
pub mod validation;

pub use error::ApiError;
pub use http::AppState;
pub use settings::ConfigError;

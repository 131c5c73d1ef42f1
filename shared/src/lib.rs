//! Everything the `/v3` functions share. A function's `main` builds an [`AppState`] once
//! and hands each request to [`handle`] with its [`Route`]; the catch-all function hands
//! unmatched requests to [`handle_unmatched`]. The one-process server (`serve`) hands every
//! request to [`dispatch`], which picks between those two; the tests call the same
//! functions, so no route's logic exists twice.

pub mod aws;
pub mod config;
pub mod credentials;
pub mod db;
pub mod demo;
pub mod error;
pub mod handlers;
pub mod http;
pub mod mapper;
pub mod models;
pub mod routes;
pub mod schema;
pub mod store;
pub mod telemetry;
pub mod timestamp;
pub mod validation;

pub use config::{AppState, ConfigError};
pub use error::ApiError;
pub use http::{dispatch, handle, handle_unmatched};
pub use routes::Route;

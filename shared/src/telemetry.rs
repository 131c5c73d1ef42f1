//! Logging set-up: `lambda_runtime`'s tracing initialiser, so the level comes from
//! `AWS_LAMBDA_LOG_LEVEL` (else `RUST_LOG`, else INFO) and `AWS_LAMBDA_LOG_FORMAT=JSON`
//! gives one JSON object per line. Each request's lines carry its `request_id` (the span
//! opened in [`crate::http::handle`]).

pub fn init() {
    lambda_http::tracing::init_default_subscriber();
}

//! The contract (CONTRACT.md), one test per rule, each run on SQLite and on PostgreSQL
//! (`TEST_DATABASE_URL`; required when `CI=true`). Requests are the `events/` files.

mod support;

mod agents_and_campaigns;
mod babelfish;
mod columns;
mod errors;
mod http_behaviour;
mod interactions;
mod parameters;
mod project_layout;
mod properties;
mod query_plans;
mod real_copy;
mod roles;
mod upgrade;
mod writes;

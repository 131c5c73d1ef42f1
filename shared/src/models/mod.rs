//! What the API returns, field for field in the contract's order (CONTRACT.md section 3).
//! The stored-row types keep the legacy column names as their field names: the raw routes
//! return rows "as they are in the database", so one name serves SQL, Rust and JSON.

/// Declares a row type whose fields are decoded by column position, in declaration order,
/// for both engines. sqlx's `FromRow` derive looks every column up by name, which profiling
/// showed to be the largest single cost of serving a wide row. The SELECT that feeds a type
/// must list its columns in field order (each store builds its SELECT from one ordered
/// list); the contract tests compare whole response bodies, so a mismatch cannot pass.
macro_rules! row_by_position {
    (
        $(#[$attribute:meta])*
        pub struct $name:ident { $( $(#[$field_attribute:meta])* pub $field:ident : $type:ty ),+ $(,)? }
    ) => {
        $(#[$attribute])*
        pub struct $name { $( $(#[$field_attribute])* pub $field: $type ),+ }

        impl<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> for $name {
            fn from_row(row: &'r sqlx::postgres::PgRow) -> Result<Self, sqlx::Error> {
                row_by_position!(@decode row, $name, $($field),+)
            }
        }

        impl<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> for $name {
            fn from_row(row: &'r sqlx::sqlite::SqliteRow) -> Result<Self, sqlx::Error> {
                row_by_position!(@decode row, $name, $($field),+)
            }
        }
    };
    (@decode $row:ident, $name:ident, $($field:ident),+) => {{
        let mut position = 0usize;
        #[allow(unused_assignments)]
        let row = $name {
            $($field: {
                let value = sqlx::Row::try_get($row, position)?;
                position += 1;
                value
            },)+
        };
        Ok(row)
    }};
}

mod agent;
mod campaign;
mod full_interaction;
mod interaction;
mod parameters;

pub use agent::Agent;
pub use campaign::Campaign;
pub use full_interaction::{
    AgentRef, CampaignRef, Client, CutOrigin, FullInteraction, FullInteractionRow, ManagementResult, TerminationCause,
};
pub use interaction::Interaction;
pub use parameters::{Direction, OutgoingParameterWrite, TaskParameter, TaskParameters};

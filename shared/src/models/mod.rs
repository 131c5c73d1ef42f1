//! What the API returns, field for field in the contract's order (CONTRACT.md section 3).
//! The stored-row types keep the legacy column names as their field names: the raw routes
//! return rows "as they are in the database", so one name serves SQL, Rust and JSON.

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

use serde::Serialize;

use crate::timestamp::Timestamp;

/// One interaction with every lookup it references, as the single joined query returns it
/// (`store::interactions::find_full`). Lookup columns are `None` when the reference is null
/// or points at no row. [`crate::mapper::full_interaction`] turns it into a [`FullInteraction`].
#[derive(Debug, Clone, PartialEq)]
pub struct FullInteractionRow {
    pub id: String,
    pub started_at: Option<Timestamp>,
    pub crm_id: Option<String>,
    pub client_id: Option<String>,
    pub client_name: Option<String>,
    pub phone_number_id: Option<i32>,
    pub dnis: Option<String>,
    pub ani: Option<String>,
    pub result_id: Option<i32>,
    pub result_code: Option<String>,
    pub result_name: Option<String>,
    pub termination_cause_id: Option<i32>,
    pub termination_cause_description: Option<String>,
    pub termination_cause_default_score: Option<i32>,
    pub termination_cause_default_time: Option<i32>,
    pub q850_cause_id: Option<i32>,
    pub cut_origin_id: Option<i32>,
    pub cut_origin_description: Option<String>,
    pub campaign_id: Option<i32>,
    pub campaign_name: Option<String>,
    pub campaign_mode: Option<String>,
    pub agent_id: Option<i32>,
    pub agent_name: Option<String>,
    pub agent_group_id: Option<i32>,
    pub agent_group_name: Option<String>,
    pub agent_supervisor_id: Option<i32>,
    pub agent_supervisor_name: Option<String>,
    pub segments: Option<i32>,
    pub context: Option<String>,
    pub message_id: Option<i32>,
    pub case_id: Option<i32>,
    pub closed_by_max_acw_time: Option<i32>,
    pub duration: Option<i64>,
    pub task_id: Option<i32>,
}

/// The interaction mapped for analytics (`GET /v3/interactions/full/{id}`, CONTRACT 3.3).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FullInteraction {
    pub id: String,
    pub started_at: Option<Timestamp>,
    pub crm_id: Option<String>,
    pub client: Client,
    pub dnis: Option<String>,
    pub ani: Option<String>,
    pub result: ManagementResult,
    pub termination_cause: TerminationCause,
    pub q850_cause_id: Option<i32>,
    pub cut_origin: CutOrigin,
    pub campaign: CampaignRef,
    pub agent: AgentRef,
    pub segments: Option<i32>,
    pub context: Option<String>,
    pub message_id: Option<i32>,
    pub case_id: Option<i32>,
    pub closed_by_max_acw_time: Option<i32>,
    pub duration: Option<i64>,
    pub task_id: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Client {
    pub id: Option<String>,
    pub name: Option<String>,
    pub phone_number_id: Option<i32>,
}

/// The management result ("resultado de gestión") of the interaction.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ManagementResult {
    pub id: Option<i32>,
    pub code: Option<String>,
    /// Never null: `""` when unknown, as legacy callers expect.
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TerminationCause {
    pub id: Option<i32>,
    pub description: Option<String>,
    pub default_score: Option<i32>,
    pub default_time: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CutOrigin {
    pub id: Option<i32>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CampaignRef {
    pub id: Option<i32>,
    pub name: Option<String>,
    pub mode: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgentRef {
    pub id: Option<i32>,
    pub name: Option<String>,
    pub group_id: Option<i32>,
    pub group_name: Option<String>,
    pub supervisor_id: Option<i32>,
    pub supervisor_name: Option<String>,
}

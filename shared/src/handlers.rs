//! One function per route: validate what the caller sent, call one store function, shape
//! the result. Transport concerns (method, status line, headers) live in [`crate::http`].

use lambda_http::http::HeaderMap;

use crate::config::AppState;
use crate::error::ApiError;
use crate::http::{Reply, require_json, require_size};
use crate::mapper;
use crate::models::Direction;
use crate::store::{agents, campaigns, interactions, parameters};
use crate::validation;

pub async fn get_outgoing_parameters(state: &AppState, task_id: &str) -> Result<Reply, ApiError> {
    let task_id = validation::numeric_id("task_id", task_id)?;
    Reply::json(&parameters::list(&state.db, Direction::Outgoing, task_id).await?)
}

pub async fn get_incoming_parameters(state: &AppState, task_id: &str) -> Result<Reply, ApiError> {
    let task_id = validation::numeric_id("task_id", task_id)?;
    Reply::json(&parameters::list(&state.db, Direction::Incoming, task_id).await?)
}

pub async fn put_outgoing_parameters(state: &AppState, headers: &HeaderMap, body: &[u8]) -> Result<Reply, ApiError> {
    require_json(headers)?;
    require_size(body)?;
    let writes = validation::outgoing_parameters(body)?;
    let created = parameters::upsert_outgoing(&state.db, &writes).await?;
    Ok(Reply::Written { created })
}

pub async fn get_interaction(state: &AppState, interaction_id: &str) -> Result<Reply, ApiError> {
    let id = validation::interaction_id(interaction_id)?;
    let interaction = interactions::find(&state.db, &id).await?.ok_or_else(|| no_interaction(&id))?;
    Reply::json(&interaction)
}

pub async fn get_full_interaction(state: &AppState, interaction_id: &str) -> Result<Reply, ApiError> {
    let id = validation::interaction_id(interaction_id)?;
    let row = interactions::find_full(&state.db, &id).await?.ok_or_else(|| no_interaction(&id))?;
    Reply::json(&mapper::full_interaction(row))
}

pub async fn get_campaign(state: &AppState, campaign_id: &str) -> Result<Reply, ApiError> {
    let id = validation::numeric_id("campaign_id", campaign_id)?;
    let campaign = campaigns::find(&state.db, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no campaign with id {id}")))?;
    Reply::json(&campaign)
}

pub async fn get_agent(state: &AppState, agent_id: &str) -> Result<Reply, ApiError> {
    let id = validation::numeric_id("agent_id", agent_id)?;
    let agent =
        agents::find(&state.db, id).await?.ok_or_else(|| ApiError::not_found(format!("no agent with id {id}")))?;
    Reply::json(&agent)
}

fn no_interaction(id: &str) -> ApiError {
    ApiError::not_found(format!("no interaction with id '{id}'"))
}

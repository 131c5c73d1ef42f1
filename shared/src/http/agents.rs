//! `/v3/agents`: an agent's row as stored (CONTRACT 3.5).

use axum::extract::State;

use super::reply::Representation;
use super::routes::{Endpoint, Route};
use crate::error::ApiError;
use crate::http::AppState;
use crate::ids::AgentId;
use crate::scope::Scope;
use crate::store::agents;

pub static GET_AGENT: Route = Route::get("get-agent", "/v3/agents/{agent_id}", Scope::AgentsRead);

pub fn get_agent() -> Endpoint {
    GET_AGENT.to(find)
}

async fn find(State(state): State<AppState>, id: AgentId) -> Result<Representation, ApiError> {
    let agent =
        agents::find(&state.store, id).await?.ok_or_else(|| ApiError::not_found(format!("no agent with id {id}")))?;
    Representation::of(&agent)
}

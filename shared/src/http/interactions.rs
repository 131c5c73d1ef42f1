//! `/v3/interactions`: an interaction's row as stored (CONTRACT 3.2), and the same
//! interaction mapped for analytics with its lookups joined (CONTRACT 3.3).

use axum::extract::State;

use super::reply::Representation;
use super::routes::{Endpoint, Route};
use crate::error::ApiError;
use crate::http::AppState;
use crate::ids::InteractionId;
use crate::mapper;
use crate::scope::Scope;
use crate::store::interactions;

pub static GET_INTERACTION: Route =
    Route::get("get-interaction", "/v3/interactions/{interaction_id}", Scope::InteractionsRead);
pub static GET_FULL_INTERACTION: Route =
    Route::get("get-full-interaction", "/v3/interactions/full/{interaction_id}", Scope::InteractionsRead);

pub fn get_interaction() -> Endpoint {
    GET_INTERACTION.to(find)
}

pub fn get_full_interaction() -> Endpoint {
    GET_FULL_INTERACTION.to(find_full)
}

async fn find(State(state): State<AppState>, id: InteractionId) -> Result<Representation, ApiError> {
    let interaction = interactions::find(&state.store, &id).await?.ok_or_else(|| no_interaction(&id))?;
    Representation::of(&interaction)
}

async fn find_full(State(state): State<AppState>, id: InteractionId) -> Result<Representation, ApiError> {
    let row = interactions::find_full(&state.store, &id).await?.ok_or_else(|| no_interaction(&id))?;
    Representation::of(&mapper::full_interaction(row))
}

fn no_interaction(id: &InteractionId) -> ApiError {
    ApiError::not_found(format!("no interaction with id '{id}'"))
}

//! `/v3/parameters`: a task's input and output parameters (CONTRACT 3.1), and the bots'
//! writes of output parameters (CONTRACT 4).

use axum::extract::State;

use super::extract::ParameterWrites;
use super::reply::{Representation, Written};
use super::routes::{Endpoint, Route};
use crate::error::ApiError;
use crate::http::AppState;
use crate::ids::TaskId;
use crate::models::Direction;
use crate::scope::Scope;
use crate::store::parameters;

pub static GET_OUTGOING_PARAMETERS: Route =
    Route::get("get-outgoing-parameters", "/v3/parameters/outgoing/{task_id}", Scope::ParametersRead);
pub static GET_INCOMING_PARAMETERS: Route =
    Route::get("get-incoming-parameters", "/v3/parameters/incoming/{task_id}", Scope::ParametersRead);
pub static PUT_OUTGOING_PARAMETERS: Route =
    Route::post("put-outgoing-parameters", "/v3/parameters/outgoing", Scope::ParametersWrite);

pub fn get_outgoing_parameters() -> Endpoint {
    GET_OUTGOING_PARAMETERS.to(list_outgoing)
}

pub fn get_incoming_parameters() -> Endpoint {
    GET_INCOMING_PARAMETERS.to(list_incoming)
}

pub fn put_outgoing_parameters() -> Endpoint {
    PUT_OUTGOING_PARAMETERS.to(write_outgoing)
}

async fn list_outgoing(State(state): State<AppState>, task: TaskId) -> Result<Representation, ApiError> {
    Representation::of(&parameters::list(&state.store, Direction::Outgoing, task).await?)
}

async fn list_incoming(State(state): State<AppState>, task: TaskId) -> Result<Representation, ApiError> {
    Representation::of(&parameters::list(&state.store, Direction::Incoming, task).await?)
}

async fn write_outgoing(
    State(state): State<AppState>,
    ParameterWrites(writes): ParameterWrites,
) -> Result<Written, ApiError> {
    let created = parameters::upsert_outgoing(&state.store, &writes).await?;
    Ok(Written { created })
}

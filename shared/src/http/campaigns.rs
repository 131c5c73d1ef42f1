//! `/v3/campaigns`: a campaign's row as stored (CONTRACT 3.4).

use axum::extract::State;

use super::reply::Representation;
use super::routes::{Endpoint, Route};
use crate::error::ApiError;
use crate::http::AppState;
use crate::ids::CampaignId;
use crate::scope::Scope;
use crate::store::campaigns;

pub static GET_CAMPAIGN: Route = Route::get("get-campaign", "/v3/campaigns/{campaign_id}", Scope::CampaignsRead);

pub fn get_campaign() -> Endpoint {
    GET_CAMPAIGN.to(find)
}

async fn find(State(state): State<AppState>, id: CampaignId) -> Result<Representation, ApiError> {
    let campaign = campaigns::find(&state.store, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no campaign with id {id}")))?;
    Representation::of(&campaign)
}

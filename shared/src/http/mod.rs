//! The HTTP layer (CONTRACT sections 1, 6, 7 and 8), on axum: one module per resource, each
//! declaring its routes with their handlers; [`routes`] holds the table and the contract's
//! fallback; [`middleware`] what every request goes through. A request travels one way:
//! middleware → router → extractors (ids, body) → handler → one store call → reply.
//!
//! The apps: a function runs its own route and the fallback ([`function_app`]), chosen at
//! compile time so that it links only its handler; the catch-all runs the fallback alone
//! ([`fallback_app`]); `serve` and the tests run every route ([`app`]).

pub mod agents;
pub mod campaigns;
pub mod extract;
pub mod interactions;
pub mod middleware;
pub mod parameters;
pub mod reply;
pub mod routes;

use std::convert::Infallible;

use axum::Router;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use tower::ServiceBuilder;
use tower::util::BoxCloneSyncService;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::db::Database;
use crate::layout::Layout;
use crate::settings::{ConfigError, DatabaseSettings};
use crate::store::Store;
pub use routes::{ALL, Endpoint, Route};

/// What every handler needs, built once per process.
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Store,
}

impl AppState {
    /// From the environment (see `crate::settings`). Opens no connection and calls no AWS
    /// service: the pool connects on first use.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_settings(&DatabaseSettings::from_env()?)
    }

    pub fn from_settings(settings: &DatabaseSettings) -> Result<Self, ConfigError> {
        Ok(Self { store: Store::new(Database::open_lazy(settings)?, settings.layout.clone()) })
    }

    /// Over `db` in the default layout (CONTRACT section 5's names).
    pub fn new(db: Database) -> Self {
        Self { store: Store::new(db, Layout::MitAcd) }
    }

    pub fn db(&self) -> &Database {
        self.store.db()
    }
}

/// Every route with its handler, in CONTRACT order (the same order as [`routes::ALL`]).
pub fn endpoints() -> [Endpoint; 7] {
    [
        parameters::get_outgoing_parameters(),
        parameters::get_incoming_parameters(),
        parameters::put_outgoing_parameters(),
        interactions::get_interaction(),
        interactions::get_full_interaction(),
        campaigns::get_campaign(),
        agents::get_agent(),
    ]
}

/// An app: a router inside the middleware, as one service over axum's requests (lambda_http's
/// and hyper's bodies are boxed into axum's on the way in: `function::run`, `axum::serve`).
pub type App = BoxCloneSyncService<Request, Response, Infallible>;

/// Every route in one app: `serve` run open, and the tests.
pub fn app(state: AppState) -> App {
    layered(routed(every_route(), state), "serve")
}

/// Every endpoint's router, merged.
fn every_route() -> Router<AppState> {
    endpoints().into_iter().fold(Router::new(), |router, endpoint| router.merge(endpoint.router))
}

/// Who may make a request, asked before any route runs. `serve` checks API keys here; in AWS
/// the gateway's authorizer does, before a function is invoked, so the functions have none.
pub trait Guard: Clone + Send + Sync + 'static {
    /// `Ok` lets the request through; an error is the answer instead (401, 403, 503).
    /// `route` is the route that takes the request, `None` for the contract's 404/405.
    fn admit(
        &self,
        headers: &axum::http::HeaderMap,
        route: Option<&'static Route>,
    ) -> impl Future<Output = Result<(), crate::ApiError>> + Send;
}

/// Every route in one app behind `guard`: `serve` with keys. The guard runs inside the
/// request-id and access-log middleware, so a refusal carries its request id and is logged.
pub fn guarded_app<G: Guard>(state: AppState, guard: G) -> App {
    let router =
        routed(every_route(), state).layer(axum::middleware::from_fn_with_state(guard, middleware::admit::<G>));
    layered(router, "serve")
}

/// One function: its route, and the contract's fallback for anything else.
pub fn function_app(endpoint: Endpoint, state: AppState) -> App {
    layered(routed(endpoint.router, state), endpoint.route.function)
}

/// The catch-all function (API Gateway's `$default` route): the fallback alone. It needs
/// no database.
pub fn fallback_app() -> App {
    layered(Router::new().fallback(routes::unmatched), "unknown-route")
}

/// `router` with the contract's fallback for anything it does not take, over `state`.
fn routed(router: Router<AppState>, state: AppState) -> Router {
    router.fallback(routes::unmatched).method_not_allowed_fallback(routes::unmatched).with_state(state)
}

/// The middleware, outermost first: the path within the API's stage, a well-formed request
/// id on the request, the request's span with one access-log line and its metrics, its trace
/// id handed to its response (for the metrics), the id echoed on the response, the limit on
/// headers, then the conditional GET. (The body's limit and content type are the POST's
/// body extractor's: no other route reads a body.) Wrapped around the whole router rather
/// than each route (`Router::layer`), so a request pays for one stack, not a clone of it per
/// route call.
fn layered(router: Router, function: &'static str) -> App {
    BoxCloneSyncService::new(
        ServiceBuilder::new()
            .map_response(IntoResponse::into_response)
            .map_request(middleware::path_within_stage)
            .map_request(middleware::drop_ill_formed_request_id)
            .layer(SetRequestIdLayer::new(middleware::X_REQUEST_ID, middleware::RequestIds))
            .layer(
                TraceLayer::new_for_http()
                    .make_span_with(middleware::request_span(function))
                    .on_request(())
                    .on_response(middleware::served)
                    .on_failure(()),
            )
            .layer(axum::middleware::from_fn(middleware::carry_trace_id))
            .layer(PropagateRequestIdLayer::new(middleware::X_REQUEST_ID))
            .layer(axum::middleware::from_fn(middleware::limit_head))
            .layer(axum::middleware::from_fn(middleware::conditional_get))
            .service(router),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_of_the_table_has_its_endpoint_in_the_same_order() {
        let served: Vec<&Route> = endpoints().iter().map(|endpoint| endpoint.route).collect();
        assert_eq!(served, ALL);
    }
}

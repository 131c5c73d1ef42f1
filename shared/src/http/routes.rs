//! The route table: the seven `/v3` routes of CONTRACT section 1 as data (method, path
//! template, the function that serves it). Each route is declared next to its handler in
//! its resource's module; [`ALL`] lists them for what needs the whole table without the
//! handlers: the contract's fallback (404, or 405 with `Allow`) in every function, and
//! `serve routes`, which prints the table for the template, OpenAPI and watch-router checks.

use axum::Router;
use axum::extract::Request;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{MethodFilter, MethodRouter, on};
use serde::Serialize;

use crate::error::ApiError;
use crate::http::AppState;
use crate::scope::Scope;

/// One route of the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Route {
    /// The function (binary crate under `functions/`) that serves the route.
    pub function: &'static str,
    #[serde(serialize_with = "method_name")]
    pub method: Method,
    /// As API Gateway, axum and the `cargo lambda watch` router spell it.
    pub path: &'static str,
    /// The key scope that covers the route (CONTRACT section 6).
    pub scope: Scope,
}

fn method_name<S: serde::Serializer>(method: &Method, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(method.as_str())
}

pub use super::agents::GET_AGENT;
pub use super::campaigns::GET_CAMPAIGN;
pub use super::interactions::{GET_FULL_INTERACTION, GET_INTERACTION};
pub use super::parameters::{GET_INCOMING_PARAMETERS, GET_OUTGOING_PARAMETERS, PUT_OUTGOING_PARAMETERS};

/// Every route, in CONTRACT order.
pub static ALL: [&Route; 7] = [
    &GET_OUTGOING_PARAMETERS,
    &GET_INCOMING_PARAMETERS,
    &PUT_OUTGOING_PARAMETERS,
    &GET_INTERACTION,
    &GET_FULL_INTERACTION,
    &GET_CAMPAIGN,
    &GET_AGENT,
];

/// A route with its handler: what a function runs (with the fallback), and what `serve`
/// merges with the others.
pub struct Endpoint {
    pub route: &'static Route,
    pub router: Router<AppState>,
}

impl Route {
    pub const fn get(function: &'static str, path: &'static str, scope: Scope) -> Self {
        Route { function, method: Method::GET, path, scope }
    }

    pub const fn post(function: &'static str, path: &'static str, scope: Scope) -> Self {
        Route { function, method: Method::POST, path, scope }
    }

    /// The route API Gateway names `route_key` (`GET /v3/agents/{agent_id}`), or `None`.
    pub fn by_route_key(route_key: &str) -> Option<&'static Route> {
        let (method, path) = route_key.split_once(' ')?;
        ALL.into_iter().find(|route| route.method.as_str() == method && route.path == path)
    }

    /// The route that takes `method` on `path`, or `None` (the contract's 404 or 405).
    pub fn for_request(method: &Method, path: &str) -> Option<&'static Route> {
        ALL.into_iter().find(|route| route.method == method && route.matches(path))
    }

    /// The route served by `handler`. Any other method on its path is the fallback's 405;
    /// that includes `HEAD`, which axum would otherwise answer with the `GET` handler.
    pub fn to<H, T>(&'static self, handler: H) -> Endpoint
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let filter = if self.method == Method::POST { MethodFilter::POST } else { MethodFilter::GET };
        let mut methods: MethodRouter<AppState> = on(filter, handler);
        if self.method == Method::GET {
            methods = methods.head(unmatched);
        }
        Endpoint { route: self, router: Router::new().route(self.path, methods) }
    }

    /// Whether `path` (case-sensitive, no trailing slash) is this route's. Every template is
    /// a literal, optionally followed by one `{parameter}` segment, which must not be empty.
    pub fn matches(&self, path: &str) -> bool {
        match self.path.find('{') {
            None => path == self.path,
            Some(start) => path
                .strip_prefix(&self.path[..start])
                .is_some_and(|segment| !segment.is_empty() && !segment.contains('/')),
        }
    }
}

/// The contract's answer to a request no route takes: 405 with `Allow` when the path is a
/// route's under another method, else 404. Every app's fallback.
pub async fn unmatched(request: Request) -> ApiError {
    unmatched_error(request.method(), request.uri().path())
}

pub fn unmatched_error(method: &Method, path: &str) -> ApiError {
    match ALL.iter().find(|route| route.matches(path)) {
        // No path is shared by two routes, so a known path has exactly one method. (The same
        // method means the request reached a function that does not serve it: not found here.)
        Some(route) if route.method != method => {
            ApiError::MethodNotAllowed { method: method.to_string(), allow: route.method.as_str() }
        }
        _ => {
            let shown: String = path.chars().take(200).collect();
            ApiError::not_found(format!("no route matches {method} {shown}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_path_belongs_to_exactly_one_route() {
        let cases = [
            ("/v3/parameters/outgoing/812", &GET_OUTGOING_PARAMETERS),
            ("/v3/parameters/incoming/812", &GET_INCOMING_PARAMETERS),
            ("/v3/parameters/outgoing", &PUT_OUTGOING_PARAMETERS),
            ("/v3/interactions/210614222408193_ACD_00001", &GET_INTERACTION),
            ("/v3/interactions/full/abc", &GET_FULL_INTERACTION),
            ("/v3/interactions/full", &GET_INTERACTION),
            ("/v3/campaigns/2", &GET_CAMPAIGN),
            ("/v3/agents/8", &GET_AGENT),
        ];
        for (path, expected) in cases {
            let matching: Vec<&Route> = ALL.into_iter().filter(|route| route.matches(path)).collect();
            assert_eq!(matching, [expected], "{path}");
        }
    }

    #[test]
    fn trailing_slash_wrong_case_and_empty_segments_belong_to_no_route() {
        for path in [
            "/v3/agents/8/",
            "/V3/agents/8",
            "/v3/Agents/8",
            "/v3/agents/",
            "/v3/agents",
            "/v3//8",
            "/",
            "",
            "/v3/interactions/full/",
        ] {
            assert!(ALL.iter().all(|route| !route.matches(path)), "{path}");
        }
    }

    #[test]
    fn known_path_with_wrong_method_is_405_with_allow() {
        match unmatched_error(&Method::DELETE, "/v3/agents/8") {
            ApiError::MethodNotAllowed { allow, .. } => assert_eq!(allow, "GET"),
            other => panic!("{other:?}"),
        }
        match unmatched_error(&Method::GET, "/v3/parameters/outgoing") {
            ApiError::MethodNotAllowed { allow, .. } => assert_eq!(allow, "POST"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unknown_path_is_404() {
        assert_eq!(unmatched_error(&Method::GET, "/v3/nothing").status().as_u16(), 404);
    }
}

//! The seven `/v3` routes (CONTRACT section 1): method, path template and the Lambda
//! function that serves each. The same table decides 404 vs 405 for requests no route
//! takes (`handle_unmatched`) and is what tests check `template.yaml` and the
//! `cargo lambda watch` router against.

use lambda_http::http::Method;

use crate::error::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    GetOutgoingParameters,
    GetIncomingParameters,
    PutOutgoingParameters,
    GetInteraction,
    GetFullInteraction,
    GetCampaign,
    GetAgent,
}

impl Route {
    pub const ALL: [Route; 7] = [
        Route::GetOutgoingParameters,
        Route::GetIncomingParameters,
        Route::PutOutgoingParameters,
        Route::GetInteraction,
        Route::GetFullInteraction,
        Route::GetCampaign,
        Route::GetAgent,
    ];

    pub fn method(self) -> Method {
        match self {
            Route::PutOutgoingParameters => Method::POST,
            _ => Method::GET,
        }
    }

    /// The method as the `Allow` header spells it.
    pub fn method_name(self) -> &'static str {
        match self {
            Route::PutOutgoingParameters => "POST",
            _ => "GET",
        }
    }

    /// The path as API Gateway and the `cargo lambda watch` router spell it.
    pub fn path_template(self) -> &'static str {
        match self {
            Route::GetOutgoingParameters => "/v3/parameters/outgoing/{task_id}",
            Route::GetIncomingParameters => "/v3/parameters/incoming/{task_id}",
            Route::PutOutgoingParameters => "/v3/parameters/outgoing",
            Route::GetInteraction => "/v3/interactions/{interaction_id}",
            Route::GetFullInteraction => "/v3/interactions/full/{interaction_id}",
            Route::GetCampaign => "/v3/campaigns/{campaign_id}",
            Route::GetAgent => "/v3/agents/{agent_id}",
        }
    }

    /// The name of the function (binary crate under `functions/`) that serves the route.
    pub fn function_name(self) -> &'static str {
        match self {
            Route::GetOutgoingParameters => "get-outgoing-parameters",
            Route::GetIncomingParameters => "get-incoming-parameters",
            Route::PutOutgoingParameters => "put-outgoing-parameters",
            Route::GetInteraction => "get-interaction",
            Route::GetFullInteraction => "get-full-interaction",
            Route::GetCampaign => "get-campaign",
            Route::GetAgent => "get-agent",
        }
    }

    /// The name of the route's path parameter, if it has one.
    pub fn path_parameter(self) -> Option<&'static str> {
        let template = self.path_template();
        let start = template.rfind('{')?;
        Some(&template[start + 1..template.len() - 1])
    }

    /// Matches `path` (case-sensitive, no trailing slash) against the template; on a match,
    /// returns the path parameter's segment as sent (still percent-encoded, if it was).
    /// Every template is a literal, optionally followed by one `{parameter}` segment.
    pub fn match_path(self, path: &str) -> Option<Option<&str>> {
        let template = self.path_template();
        match template.find('{') {
            None => (path == template).then_some(None),
            Some(start) => {
                let segment = path.strip_prefix(&template[..start])?;
                (!segment.is_empty() && !segment.contains('/')).then_some(Some(segment))
            }
        }
    }

    /// The route that serves `method` on `path`, if any.
    pub fn find(method: &Method, path: &str) -> Option<Route> {
        Route::ALL.into_iter().find(|route| route.method() == method && route.match_path(path).is_some())
    }
}

/// Why no route takes a request: 405 with `Allow` when the path belongs to a route under
/// another method, else 404.
pub fn unmatched(method: &Method, path: &str) -> ApiError {
    match Route::ALL.iter().find(|route| route.match_path(path).is_some()) {
        // No path is shared by two routes, so a known path has exactly one method.
        Some(route) => ApiError::MethodNotAllowed { method: method.to_string(), allow: route.method_name() },
        None => {
            let shown: String = path.chars().take(200).collect();
            ApiError::not_found(format!("no route matches {method} {shown}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_path_matches_exactly_one_route() {
        let cases = [
            ("/v3/parameters/outgoing/812", Route::GetOutgoingParameters, Some("812")),
            ("/v3/parameters/incoming/812", Route::GetIncomingParameters, Some("812")),
            ("/v3/parameters/outgoing", Route::PutOutgoingParameters, None),
            ("/v3/interactions/210614222408193_ACD_00001", Route::GetInteraction, Some("210614222408193_ACD_00001")),
            ("/v3/interactions/full/abc", Route::GetFullInteraction, Some("abc")),
            ("/v3/interactions/full", Route::GetInteraction, Some("full")),
            ("/v3/campaigns/2", Route::GetCampaign, Some("2")),
            ("/v3/agents/8", Route::GetAgent, Some("8")),
        ];
        for (path, expected, parameter) in cases {
            let matching: Vec<Route> =
                Route::ALL.into_iter().filter(|route| route.match_path(path).is_some()).collect();
            assert_eq!(matching, [expected], "{path}");
            assert_eq!(expected.match_path(path), Some(parameter), "{path}");
        }
    }

    #[test]
    fn trailing_slash_wrong_case_and_empty_segments_match_nothing() {
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
            assert!(Route::ALL.iter().all(|route| route.match_path(path).is_none()), "{path}");
        }
    }

    #[test]
    fn known_path_with_wrong_method_is_405_with_allow() {
        match unmatched(&Method::DELETE, "/v3/agents/8") {
            ApiError::MethodNotAllowed { allow, .. } => assert_eq!(allow, "GET"),
            other => panic!("{other:?}"),
        }
        match unmatched(&Method::GET, "/v3/parameters/outgoing") {
            ApiError::MethodNotAllowed { allow, .. } => assert_eq!(allow, "POST"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unknown_path_is_404() {
        assert_eq!(unmatched(&Method::GET, "/v3/nothing").status().as_u16(), 404);
    }

    #[test]
    fn path_parameter_names_come_from_the_template() {
        assert_eq!(Route::GetFullInteraction.path_parameter(), Some("interaction_id"));
        assert_eq!(Route::PutOutgoingParameters.path_parameter(), None);
    }
}

//! What an API key may do: the five scopes of CONTRACT section 6. Each route names the one
//! scope that covers it (`http::routes`); a key carries a set of scopes, or none recorded at all
//! (a key issued before scopes existed), which covers every route.

use std::fmt;

/// One scope, as keys and the contract spell it (`parameters:read`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Both GET parameter routes.
    ParametersRead,
    /// The POST of outgoing parameters.
    ParametersWrite,
    /// Both interaction routes (raw and full).
    InteractionsRead,
    CampaignsRead,
    AgentsRead,
}

impl Scope {
    /// Every scope, in CONTRACT order.
    pub const ALL: [Scope; 5] = [
        Scope::ParametersRead,
        Scope::ParametersWrite,
        Scope::InteractionsRead,
        Scope::CampaignsRead,
        Scope::AgentsRead,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Scope::ParametersRead => "parameters:read",
            Scope::ParametersWrite => "parameters:write",
            Scope::InteractionsRead => "interactions:read",
            Scope::CampaignsRead => "campaigns:read",
            Scope::AgentsRead => "agents:read",
        }
    }

    /// The scope named exactly `name`; `None` for any other text (no case folding: a scope
    /// is an identifier, not prose).
    pub fn parse(name: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|scope| scope.as_str() == name)
    }

    const fn bit(self) -> u8 {
        1 << self as u8
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Scope {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A set of scopes (a bit per scope: copied and compared for free on every request).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scopes(u8);

impl Scopes {
    pub const fn empty() -> Scopes {
        Scopes(0)
    }

    pub const fn contains(self, scope: Scope) -> bool {
        self.0 & scope.bit() != 0
    }

    pub fn iter(self) -> impl Iterator<Item = Scope> {
        Scope::ALL.into_iter().filter(move |scope| self.contains(*scope))
    }
}

impl FromIterator<Scope> for Scopes {
    fn from_iter<I: IntoIterator<Item = Scope>>(iter: I) -> Scopes {
        Scopes(iter.into_iter().fold(0, |bits, scope| bits | scope.bit()))
    }
}

/// What a key may call: every route (a key issued before scopes existed), or the routes its
/// scopes cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    Everything,
    Only(Scopes),
}

impl Grant {
    /// Whether a request the gateway matched to a route needing `required` is allowed. `None`
    /// is a request no `/v3` route takes (the contract's 404/405, which reads no data): any
    /// valid key may get that answer.
    pub fn covers(self, required: Option<Scope>) -> bool {
        match (self, required) {
            (Grant::Everything, _) | (_, None) => true,
            (Grant::Only(scopes), Some(scope)) => scopes.contains(scope),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_names_round_trip_and_nothing_else_parses() {
        for scope in Scope::ALL {
            assert_eq!(Scope::parse(scope.as_str()), Some(scope));
        }
        for name in ["", "parameters", "Parameters:read", "parameters:read ", "agents:write", "*"] {
            assert_eq!(Scope::parse(name), None, "{name:?}");
        }
    }

    #[test]
    fn a_scoped_grant_covers_only_its_scopes_and_unmatched_requests() {
        let grant = Grant::Only([Scope::ParametersWrite].into_iter().collect());
        assert!(grant.covers(Some(Scope::ParametersWrite)));
        assert!(grant.covers(None));
        for scope in Scope::ALL.into_iter().filter(|s| *s != Scope::ParametersWrite) {
            assert!(!grant.covers(Some(scope)), "{scope}");
        }
        assert!(!Grant::Only(Scopes::empty()).covers(Some(Scope::AgentsRead)));
    }

    #[test]
    fn an_unscoped_grant_covers_every_route() {
        assert!(Scope::ALL.into_iter().all(|scope| Grant::Everything.covers(Some(scope))));
    }

    #[test]
    fn scope_sets_iterate_in_contract_order() {
        let scopes: Scopes = [Scope::AgentsRead, Scope::ParametersRead, Scope::AgentsRead].into_iter().collect();
        assert_eq!(scopes.iter().collect::<Vec<_>>(), [Scope::ParametersRead, Scope::AgentsRead]);
    }
}

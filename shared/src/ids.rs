//! The ids a caller names in a path (CONTRACT 2), as types that hold only valid values. Each is
//! parsed once, at the edge (the HTTP layer's extractors), from the path segment as axum
//! gives it: percent-decoded once. (So `%5F` is `_`, and `%255F` is `%5F`, which no id allows.)

use crate::error::ApiError;

pub const MAX_INTERACTION_ID_CHARS: usize = 64;

/// Digits only (no sign, space, point, exponent), leading zeros allowed, 0..=2147483647.
pub(crate) fn parse_digits(text: &str) -> Option<i32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let significant = text.trim_start_matches('0');
    if significant.len() > 10 {
        return None;
    }
    significant.parse::<u64>().map_or(Some(0), Some).and_then(|n| i32::try_from(n).ok())
}

/// An id named by a path parameter: its name in the route's path, how its text is parsed,
/// and what a caller is told when it is refused (also for a segment that is not UTF-8 once
/// percent-decoded). The HTTP layer's one path extractor works for every such id.
pub trait PathId: Sized {
    const PARAMETER: &'static str;

    fn parse(text: &str) -> Result<Self, ApiError>;

    fn refused() -> ApiError;
}

/// Declares a numeric id: digits only, leading zeros allowed, 0 to 2147483647. One
/// declaration for the three, so their rule and message cannot drift apart.
macro_rules! numeric_id {
    ($(#[$doc:meta])* $name:ident, $parameter:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(i32);

        impl $name {
            pub fn parse(text: &str) -> Result<Self, ApiError> {
                parse_digits(text).map(Self).ok_or_else(<Self as PathId>::refused)
            }

            pub fn get(self) -> i32 {
                self.0
            }
        }

        impl PathId for $name {
            const PARAMETER: &'static str = $parameter;

            fn parse(text: &str) -> Result<Self, ApiError> {
                $name::parse(text)
            }

            fn refused() -> ApiError {
                ApiError::bad_request(concat!($parameter, " must be a decimal integer from 0 to 2147483647 (digits only)"))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

numeric_id!(
    /// A task (`idTarea`), as CONTRACT 2 and `openapi.yaml` have it. In a path, digits only; in
    /// the POST's body, also an integral JSON number (`TryFrom<i64>`).
    TaskId,
    "task_id"
);
numeric_id!(
    /// A campaign (`idCampania`).
    CampaignId,
    "campaign_id"
);
numeric_id!(
    /// An agent (`idAgente`).
    AgentId,
    "agent_id"
);

/// A task id from a number already known to be an integer (the POST's body): 0 to
/// 2147483647, else `Err`.
impl TryFrom<i64> for TaskId {
    type Error = std::num::TryFromIntError;

    fn try_from(value: i64) -> Result<Self, Self::Error> {
        u32::try_from(value).and_then(i32::try_from).map(Self)
    }
}

/// An interaction (`idInteraccion`): 1 to 64 characters from `A-Z a-z 0-9 _ - .`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InteractionId(String);

impl InteractionId {
    pub fn parse(text: &str) -> Result<Self, ApiError> {
        let valid = (1..=MAX_INTERACTION_ID_CHARS).contains(&text.len())
            && text.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
        if valid { Ok(Self(text.to_owned())) } else { Err(<Self as PathId>::refused()) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl PathId for InteractionId {
    const PARAMETER: &'static str = "interaction_id";

    fn parse(text: &str) -> Result<Self, ApiError> {
        InteractionId::parse(text)
    }

    fn refused() -> ApiError {
        ApiError::bad_request(format!(
            "interaction_id must be 1 to {MAX_INTERACTION_ID_CHARS} characters from A-Z a-z 0-9 _ - ."
        ))
    }
}

impl std::fmt::Display for InteractionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn is_bad_request(error: &ApiError) -> bool {
        error.status().as_u16() == 400
    }

    #[test]
    fn numeric_ids_accept_digits_and_leading_zeros() {
        assert_eq!(CampaignId::parse("002").unwrap().get(), 2);
        assert_eq!(AgentId::parse("0").unwrap().get(), 0);
        assert_eq!(AgentId::parse("2147483647").unwrap().get(), i32::MAX);
        assert_eq!(AgentId::parse("000000000000000000008").unwrap().get(), 8);
    }

    #[test]
    fn numeric_ids_refuse_anything_but_digits_in_range() {
        for raw in
            ["", "-1", "+1", " 1", "1 ", "1.0", "1e3", "0x10", "2147483648", "99999999999999999999", "abc", "%", "１"]
        {
            let error = AgentId::parse(raw).unwrap_err();
            assert_eq!(error.status().as_u16(), 400, "{raw:?}");
            assert!(error.detail().starts_with("agent_id "), "{raw:?}");
        }
    }

    #[test]
    fn interaction_ids_accept_the_stored_form() {
        assert_eq!(InteractionId::parse("210614222408193_ACD_00001").unwrap().as_str(), "210614222408193_ACD_00001");
        assert_eq!(InteractionId::parse("a.b-c_D").unwrap().as_str(), "a.b-c_D");
        assert_eq!(InteractionId::parse(&"x".repeat(64)).unwrap().as_str().len(), 64);
    }

    #[test]
    fn interaction_ids_refuse_other_characters_and_lengths() {
        for raw in
            ["", &"x".repeat(65), "a b", "a%20b", "%27abc", "a%2Fb", "a/b", "ñ", "abc%", "%zz", "%00", "\0", "a'b"]
        {
            assert!(InteractionId::parse(raw).is_err(), "{raw:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        #[test]
        fn numeric_ids_are_exactly_digits_in_range(raw in "\\PC{0,14}|[0-9%A-Fa-f+-. ]{0,14}") {
            match TaskId::parse(&raw) {
                Ok(id) => {
                    prop_assert!(raw.bytes().all(|b| b.is_ascii_digit()));
                    prop_assert_eq!(raw.parse::<u64>().unwrap(), id.get() as u64);
                }
                Err(error) => prop_assert!(is_bad_request(&error)),
            }
        }

        #[test]
        fn interaction_ids_are_exactly_the_allowed_characters(raw in "\\PC{0,70}|[A-Za-z0-9_.%-]{0,70}") {
            match InteractionId::parse(&raw).map(|id| id.as_str().to_owned()) {
                Ok(id) => prop_assert!(!id.is_empty() && id.len() <= 64
                    && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b))),
                Err(error) => prop_assert!(is_bad_request(&error)),
            }
        }

    }
}

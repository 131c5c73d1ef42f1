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

/// A `task_id`, `campaign_id` or `agent_id` path parameter.
fn numeric_id(field: &'static str, text: &str) -> Result<i32, ApiError> {
    parse_digits(text).ok_or_else(|| numeric_id_refused(field))
}

fn numeric_id_refused(field: &'static str) -> ApiError {
    ApiError::bad_request(format!("{field} must be a decimal integer from 0 to 2147483647 (digits only)"))
}

/// A task (`idTarea`): 0 to 2147483647, as CONTRACT 2 and `openapi.yaml` have it. In a path,
/// digits only (leading zeros allowed); in the POST's body, also an integral JSON number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaskId(i32);

/// A campaign (`idCampania`): 0 to 2147483647, digits only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CampaignId(i32);

/// An agent (`idAgente`): 0 to 2147483647, digits only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgentId(i32);

/// An interaction (`idInteraccion`): 1 to 64 characters from `A-Z a-z 0-9 _ - .`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InteractionId(String);

impl TaskId {
    /// Why the id was refused (also for a path segment that is not UTF-8 once decoded).
    pub fn refused() -> ApiError {
        numeric_id_refused(Self::PARAMETER)
    }

    pub const PARAMETER: &str = "task_id";

    pub fn parse(text: &str) -> Result<Self, ApiError> {
        numeric_id(Self::PARAMETER, text).map(Self)
    }

    pub fn get(self) -> i32 {
        self.0
    }
}

/// A task id from a number already known to be an integer (the POST's body): 0 to
/// 2147483647, else `Err`.
impl TryFrom<i64> for TaskId {
    type Error = std::num::TryFromIntError;

    fn try_from(value: i64) -> Result<Self, Self::Error> {
        u32::try_from(value).and_then(i32::try_from).map(Self)
    }
}

impl CampaignId {
    /// Why the id was refused (also for a path segment that is not UTF-8 once decoded).
    pub fn refused() -> ApiError {
        numeric_id_refused(Self::PARAMETER)
    }

    pub const PARAMETER: &str = "campaign_id";

    pub fn parse(text: &str) -> Result<Self, ApiError> {
        numeric_id(Self::PARAMETER, text).map(Self)
    }

    pub fn get(self) -> i32 {
        self.0
    }
}

impl AgentId {
    /// Why the id was refused (also for a path segment that is not UTF-8 once decoded).
    pub fn refused() -> ApiError {
        numeric_id_refused(Self::PARAMETER)
    }

    pub const PARAMETER: &str = "agent_id";

    pub fn parse(text: &str) -> Result<Self, ApiError> {
        numeric_id(Self::PARAMETER, text).map(Self)
    }

    pub fn get(self) -> i32 {
        self.0
    }
}

impl InteractionId {
    pub const PARAMETER: &str = "interaction_id";

    pub fn parse(text: &str) -> Result<Self, ApiError> {
        let valid = (1..=MAX_INTERACTION_ID_CHARS).contains(&text.len())
            && text.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
        if valid { Ok(Self(text.to_owned())) } else { Err(Self::refused()) }
    }

    /// Why an interaction id was refused (also for a path segment that is not UTF-8 once
    /// percent-decoded).
    pub fn refused() -> ApiError {
        ApiError::bad_request(format!(
            "interaction_id must be 1 to {MAX_INTERACTION_ID_CHARS} characters from A-Z a-z 0-9 _ - ."
        ))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for CampaignId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::fmt::Display for AgentId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
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

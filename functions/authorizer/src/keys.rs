//! The API keys secret: its JSON form, the SHA-256 hashes, the constant-time lookup, and new
//! keys. Pure code (no I/O), shared by the authorizer and the `api-keys` command.
//!
//! The secret's string value:
//!
//! ```json
//! {"keys": [{"client": "dialer-a", "sha256": "<64 hex digits>", "created": "2026-11-05T10:00:00Z",
//!            "scopes": ["parameters:read", "parameters:write"], "expires": "2027-06-01T00:00:00Z"}]}
//! ```
//!
//! `sha256` is the SHA-256 of the key exactly as the caller sends it, in hex:
//! `printf %s "$KEY" | sha256sum`. The key itself is stored nowhere.
//!
//! `scopes` lists what the key may call (CONTRACT section 6); an entry without `scopes` was
//! issued before scopes existed and may call every route (`api-keys list` marks it). A scope
//! name this version does not know grants nothing here and is kept. `expires` (RFC 3339,
//! optional): from that instant on the key is refused.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use shared::scope::{Grant, Scope};
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};

/// Longest client name; names go into logs and the authorizer's response context.
pub const MAX_CLIENT_LEN: usize = 64;

/// Prefix of every issued key, so a leaked key is recognisable (secret scanners, log searches).
pub const KEY_PREFIX: &str = "v3k_";

/// One issued key, as stored in the secret. Members this version does not know are kept
/// (`extra`), so the command never drops what a newer version or a person added.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyEntry {
    pub client: String,
    pub sha256: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// `None`: issued before scopes existed (every route).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    /// RFC 3339; `None`: never expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl KeyEntry {
    /// What the entry's key may call.
    pub fn grant(&self) -> Grant {
        match &self.scopes {
            None => Grant::Everything,
            Some(names) => Grant::Only(names.iter().filter_map(|name| Scope::parse(name)).collect()),
        }
    }

    /// The instant the key stops working, if any (`None` also when `expires` is not RFC 3339:
    /// [`KeyFile::parse`] refuses such a file before anything reads it).
    pub fn expiry(&self) -> Option<DateTime<Utc>> {
        self.expires.as_deref().and_then(parse_instant)
    }
}

/// An RFC 3339 instant (`2027-06-01T00:00:00Z`, any offset), as UTC.
pub fn parse_instant(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text).ok().map(|t| t.with_timezone(&Utc))
}

/// The whole secret value.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KeyFile {
    pub keys: Vec<KeyEntry>,
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// Why a secret value is not a usable key list. The messages never quote the secret's
/// content (it holds hashes and client names), only where the problem is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    #[error("not the expected JSON ({category} error at line {line}, column {column})")]
    Json { category: &'static str, line: usize, column: usize },
    #[error("entry {index}: client name must be 1-{MAX_CLIENT_LEN} characters of A-Z a-z 0-9 . _ -")]
    BadClient { index: usize },
    #[error("entry {index}: sha256 must be 64 hex digits")]
    BadHash { index: usize },
    #[error("entry {index}: expires must be an RFC 3339 time such as 2027-06-01T00:00:00Z")]
    BadExpiry { index: usize },
}

impl KeyFile {
    /// Parses and checks a secret value: JSON of the form above, every client name valid,
    /// every hash 64 hex digits. One bad entry rejects the whole value.
    pub fn parse(text: &str) -> Result<KeyFile, FormatError> {
        let file: KeyFile = serde_json::from_str(text).map_err(|e| FormatError::Json {
            category: match e.classify() {
                serde_json::error::Category::Io => "io",
                serde_json::error::Category::Syntax => "syntax",
                serde_json::error::Category::Data => "data",
                serde_json::error::Category::Eof => "unexpected end",
            },
            line: e.line(),
            column: e.column(),
        })?;
        for (index, entry) in file.keys.iter().enumerate() {
            if !valid_client_name(&entry.client) {
                return Err(FormatError::BadClient { index });
            }
            if decode_hash(&entry.sha256).is_none() {
                return Err(FormatError::BadHash { index });
            }
            if entry.expires.is_some() && entry.expiry().is_none() {
                return Err(FormatError::BadExpiry { index });
            }
        }
        Ok(file)
    }

    /// The value to store (compact JSON).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a key file always serializes")
    }

    /// The decoded hashes with what each key may do, for lookups.
    pub fn to_key_list(&self) -> KeyList {
        KeyList {
            entries: self
                .keys
                .iter()
                .filter_map(|e| {
                    let key = IssuedKey { client: e.client.clone(), grant: e.grant(), expires: e.expiry() };
                    Some((key, decode_hash(&e.sha256)?))
                })
                .collect(),
        }
    }

    /// Removes `client`'s entries (only the one created at `created`, when given).
    /// Returns how many were removed.
    pub fn revoke(&mut self, client: &str, created: Option<&str>) -> usize {
        let before = self.keys.len();
        self.keys.retain(|e| !(e.client == client && created.is_none_or(|c| e.created.as_deref() == Some(c))));
        before - self.keys.len()
    }
}

/// What the key list knows of one key, once its hash matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedKey {
    pub client: String,
    pub grant: Grant,
    pub expires: Option<DateTime<Utc>>,
}

/// Why a key that was presented may not make a request (the deny reason in the logs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    UnknownKey,
    Expired,
    /// The key is valid, but none of its scopes covers the route.
    OutOfScope,
}

impl Refusal {
    pub const fn reason(self) -> &'static str {
        match self {
            Refusal::UnknownKey => "unknown API key",
            Refusal::Expired => "expired API key",
            Refusal::OutOfScope => "API key's scopes do not cover the route",
        }
    }
}

/// The key hashes in a form ready for lookups.
#[derive(Debug, Clone, Default)]
pub struct KeyList {
    entries: Vec<(IssuedKey, [u8; 32])>,
}

impl KeyList {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether the key hashing to `hash` may, at `now`, make a request the route table maps to
    /// `required` (`None`: no route, the contract's 404/405). Allowed: the key's client name.
    pub fn check(&self, hash: &[u8; 32], required: Option<Scope>, now: DateTime<Utc>) -> Result<&str, Refusal> {
        let key = self.find(hash).ok_or(Refusal::UnknownKey)?;
        if key.expires.is_some_and(|expires| now >= expires) {
            return Err(Refusal::Expired);
        }
        if !key.grant.covers(required) {
            return Err(Refusal::OutOfScope);
        }
        Ok(&key.client)
    }

    /// The key whose stored hash equals `hash`. Every entry is compared, in constant time,
    /// whether or not an earlier one matched; only the final answer branches.
    pub fn find(&self, hash: &[u8; 32]) -> Option<&IssuedKey> {
        let mut found = Choice::from(0);
        let mut index = 0u64;
        for (i, (_, stored)) in self.entries.iter().enumerate() {
            let equal = stored.ct_eq(hash);
            index.conditional_assign(&(i as u64), equal);
            found |= equal;
        }
        if bool::from(found) { Some(&self.entries[index as usize].0) } else { None }
    }
}

/// SHA-256 of a key as the caller sent it.
pub fn hash_key(key: &[u8]) -> [u8; 32] {
    Sha256::digest(key).into()
}

/// The stored (hex) form of a key's hash.
pub fn hash_key_hex(key: &[u8]) -> String {
    hex::encode(hash_key(key))
}

fn decode_hash(text: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(text, &mut out).ok()?;
    Some(out)
}

/// A client name: 1-64 of `A-Z a-z 0-9 . _ -` (it is logged and put in the access log).
pub fn valid_client_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_CLIENT_LEN
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// A new key: the prefix and 32 bytes (256 bits) from the operating system's CSPRNG, in hex.
pub fn generate_key() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(format!("{KEY_PREFIX}{}", hex::encode(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(entries: &[(&str, &str)]) -> KeyFile {
        KeyFile {
            keys: entries
                .iter()
                .map(|(client, key)| KeyEntry {
                    client: client.to_string(),
                    sha256: hash_key_hex(key.as_bytes()),
                    created: Some("2026-11-05T10:00:00Z".into()),
                    scopes: None,
                    expires: None,
                    extra: Default::default(),
                })
                .collect(),
            extra: Default::default(),
        }
    }

    #[test]
    fn the_hash_is_sha256_hex_of_the_key_bytes() {
        // printf %s abc | sha256sum
        assert_eq!(hash_key_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn find_returns_the_matching_client_wherever_it_is() {
        let list = file(&[("a", "ka"), ("b", "kb"), ("c", "kc")]).to_key_list();
        let client = |key: &[u8]| list.find(&hash_key(key)).map(|k| k.client.as_str());
        assert_eq!(client(b"ka"), Some("a"));
        assert_eq!(client(b"kb"), Some("b"));
        assert_eq!(client(b"kc"), Some("c"));
        assert_eq!(client(b"kd"), None);
        assert_eq!(KeyList::default().find(&hash_key(b"ka")), None);
    }

    #[test]
    fn a_round_trip_keeps_unknown_members() {
        let text = r#"{"keys":[{"client":"a","sha256":"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad","created":"2026-11-05T10:00:00Z","note":"x"}],"version":2}"#;
        let parsed = KeyFile::parse(text).unwrap();
        assert_eq!(parsed.to_json(), text);
    }

    #[test]
    fn uppercase_hex_is_accepted() {
        let text =
            r#"{"keys":[{"client":"a","sha256":"BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"}]}"#;
        let list = KeyFile::parse(text).unwrap().to_key_list();
        assert_eq!(list.find(&hash_key(b"abc")).map(|k| k.client.as_str()), Some("a"));
    }

    #[test]
    fn malformed_values_are_rejected_without_quoting_them() {
        for text in [
            "",
            "not json",
            "{}",
            r#"{"keys":{}}"#,
            r#"{"keys":[{"client":"a"}]}"#,
            r#"{"keys":[{"client":"a","sha256":"secret-looking-text"}]}"#,
            r#"{"keys":[{"client":"a","sha256":"abcd"}]}"#,
            r#"{"keys":[{"client":"","sha256":"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"}]}"#,
            r#"{"keys":[{"client":"a b\"","sha256":"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"}]}"#,
            r#"{"keys":[{"client":"a","sha256":"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad","expires":"secret-looking-text"}]}"#,
            r#"{"keys":[{"client":"a","sha256":"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad","scopes":"agents:read"}]}"#,
        ] {
            let err = KeyFile::parse(text).expect_err(text).to_string();
            assert!(!err.contains("secret-looking-text"), "{err}");
            assert!(!err.contains("a b"), "{err}");
        }
    }

    #[test]
    fn an_empty_list_is_valid_and_matches_nothing() {
        let list = KeyFile::parse(r#"{"keys":[]}"#).unwrap().to_key_list();
        assert!(list.is_empty());
        assert_eq!(list.find(&hash_key(b"")), None);
    }

    #[test]
    fn revoke_removes_all_of_a_clients_entries_or_one_by_date() {
        let mut f = file(&[("a", "k1"), ("b", "k2"), ("a", "k3")]);
        f.keys[2].created = Some("2026-12-01T00:00:00Z".into());
        assert_eq!(f.revoke("a", Some("2026-12-01T00:00:00Z")), 1);
        assert_eq!(f.keys.len(), 2);
        assert_eq!(f.revoke("a", None), 1);
        assert_eq!(f.revoke("a", None), 0);
        assert_eq!(f.keys.len(), 1);
        assert_eq!(f.keys[0].client, "b");
    }

    #[test]
    fn generated_keys_are_distinct_and_header_safe() {
        let a = generate_key().unwrap();
        let b = generate_key().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), KEY_PREFIX.len() + 64);
        assert!(a.starts_with(KEY_PREFIX));
        assert!(a.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_'));
    }

    #[test]
    fn client_names() {
        assert!(valid_client_name("dialer-a"));
        assert!(valid_client_name("bot_1.prod"));
        assert!(!valid_client_name(""));
        assert!(!valid_client_name("a b"));
        assert!(!valid_client_name("a\"b"));
        assert!(!valid_client_name(&"x".repeat(65)));
    }

    fn at(text: &str) -> DateTime<Utc> {
        parse_instant(text).unwrap()
    }

    const NOW: &str = "2026-12-04T10:00:00Z";

    fn scoped(scopes: Option<&[&str]>, expires: Option<&str>) -> KeyList {
        let mut f = file(&[("bot", "k")]);
        f.keys[0].scopes = scopes.map(|s| s.iter().map(|n| n.to_string()).collect());
        f.keys[0].expires = expires.map(str::to_owned);
        KeyFile::parse(&f.to_json()).unwrap().to_key_list()
    }

    #[test]
    fn a_scoped_key_may_call_only_the_routes_its_scopes_cover() {
        let list = scoped(Some(&["parameters:write"]), None);
        let hash = hash_key(b"k");
        assert_eq!(list.check(&hash, Some(Scope::ParametersWrite), at(NOW)), Ok("bot"));
        for scope in [Scope::ParametersRead, Scope::InteractionsRead, Scope::CampaignsRead, Scope::AgentsRead] {
            assert_eq!(list.check(&hash, Some(scope), at(NOW)), Err(Refusal::OutOfScope), "{scope}");
        }
        // No route: the contract's 404/405, which any valid key may get.
        assert_eq!(list.check(&hash, None, at(NOW)), Ok("bot"));
    }

    #[test]
    fn a_key_issued_before_scopes_existed_may_call_every_route() {
        let list = scoped(None, None);
        for scope in Scope::ALL {
            assert_eq!(list.check(&hash_key(b"k"), Some(scope), at(NOW)), Ok("bot"));
        }
    }

    #[test]
    fn a_key_with_no_scopes_may_call_no_route() {
        let list = scoped(Some(&[]), None);
        assert!(Scope::ALL.iter().all(|s| list.check(&hash_key(b"k"), Some(*s), at(NOW)) == Err(Refusal::OutOfScope)));
    }

    #[test]
    fn an_expired_key_is_refused_from_its_expiry_on() {
        let list = scoped(None, Some("2026-12-04T10:00:00Z"));
        let hash = hash_key(b"k");
        assert_eq!(list.check(&hash, None, at("2026-12-04T09:59:59Z")), Ok("bot"));
        assert_eq!(list.check(&hash, None, at(NOW)), Err(Refusal::Expired));
        assert_eq!(list.check(&hash, Some(Scope::AgentsRead), at("2027-01-01T00:00:00Z")), Err(Refusal::Expired));
        // Any offset is read as the instant it names.
        let list = scoped(None, Some("2026-12-04T11:00:00+01:00"));
        assert_eq!(list.check(&hash, None, at(NOW)), Err(Refusal::Expired));
    }

    #[test]
    fn an_unknown_key_is_refused_before_anything_else_is_looked_at() {
        let list = scoped(Some(&[]), Some("2000-01-01T00:00:00Z"));
        assert_eq!(list.check(&hash_key(b"other"), None, at(NOW)), Err(Refusal::UnknownKey));
    }

    #[test]
    fn a_scope_name_this_version_does_not_know_grants_nothing_and_is_kept() {
        let text = r#"{"keys":[{"client":"a","sha256":"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad","scopes":["agents:read","reports:read"]}]}"#;
        let parsed = KeyFile::parse(text).unwrap();
        assert_eq!(parsed.to_json(), text);
        let list = parsed.to_key_list();
        assert_eq!(list.check(&hash_key(b"abc"), Some(Scope::AgentsRead), at(NOW)), Ok("a"));
        assert_eq!(list.check(&hash_key(b"abc"), Some(Scope::CampaignsRead), at(NOW)), Err(Refusal::OutOfScope));
    }
}

//! The one timestamp type of the API. It prints as the contract says,
//! `2021-06-15T01:24:08.193Z` (UTC, milliseconds, `Z`), whatever the engine, and is stored as
//! `timestamp(3)` holding UTC in PostgreSQL (as AWS DMS replicates MitACD's `datetime`) and as
//! TEXT in exactly that same form in SQLite (sqlx's own
//! chrono encoding would write `+00:00`, and two text forms in one column would not sort).

use std::fmt;

use chrono::{DateTime, Datelike, NaiveDateTime, SecondsFormat, Timelike, Utc};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgTypeInfo, PgValueRef};
use sqlx::sqlite::{SqliteArgumentValue, SqliteTypeInfo, SqliteValueRef};
use sqlx::{Decode, Encode, Postgres, Sqlite, Type, ValueRef as _};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub DateTime<Utc>);

impl Timestamp {
    /// Parses RFC 3339 text in any offset (`Z`, `+00:00`, `-03:00`), normalised to UTC.
    pub fn parse(text: &str) -> Result<Self, chrono::ParseError> {
        DateTime::parse_from_rfc3339(text).map(|at| Self(at.with_timezone(&Utc)))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = &self.0;
        if !(0..=9999).contains(&at.year()) {
            // Outside four-digit years there is no fixed-width form; keep RFC 3339.
            return f.write_str(&at.to_rfc3339_opts(SecondsFormat::Millis, true));
        }
        // A leap second carries nanoseconds ≥ 1e9: print it as .999 rather than .1000.
        let millis = (at.nanosecond() / 1_000_000).min(999);
        // Written digit by digit into a fixed buffer: this runs for every timestamp served.
        let mut text = *b"0000-00-00T00:00:00.000Z";
        let mut put = |at: usize, width: usize, mut value: u32| {
            for index in (at..at + width).rev() {
                text[index] = b'0' + (value % 10) as u8;
                value /= 10;
            }
        };
        put(0, 4, at.year() as u32);
        put(5, 2, at.month());
        put(8, 2, at.day());
        put(11, 2, at.hour());
        put(14, 2, at.minute());
        put(17, 2, at.second());
        put(20, 3, millis);
        f.write_str(std::str::from_utf8(&text).expect("ASCII digits"))
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// MitACD's `datetime` replicates into PostgreSQL as `timestamp` without time zone, holding
/// UTC: that is what the API writes. It reads either kind, so a copy made with `timestamptz`
/// (by hand, say) serves the same bytes.
impl Type<Postgres> for Timestamp {
    fn type_info() -> PgTypeInfo {
        <NaiveDateTime as Type<Postgres>>::type_info()
    }

    fn compatible(ty: &PgTypeInfo) -> bool {
        <NaiveDateTime as Type<Postgres>>::compatible(ty) || <DateTime<Utc> as Type<Postgres>>::compatible(ty)
    }
}

impl Encode<'_, Postgres> for Timestamp {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        // Milliseconds, as `datetime` keeps and the API prints: truncated, never rounded up.
        let at = self.0.naive_utc();
        let at = at.with_nanosecond(at.nanosecond() / 1_000_000 * 1_000_000).unwrap_or(at);
        <NaiveDateTime as Encode<'_, Postgres>>::encode_by_ref(&at, buf)
    }
}

impl<'r> Decode<'r, Postgres> for Timestamp {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        if <NaiveDateTime as Type<Postgres>>::compatible(&value.type_info()) {
            <NaiveDateTime as Decode<'r, Postgres>>::decode(value).map(|at| Self(at.and_utc()))
        } else {
            <DateTime<Utc> as Decode<'r, Postgres>>::decode(value).map(Self)
        }
    }
}

impl Type<Sqlite> for Timestamp {
    fn type_info() -> SqliteTypeInfo {
        <String as Type<Sqlite>>::type_info()
    }

    fn compatible(ty: &SqliteTypeInfo) -> bool {
        <DateTime<Utc> as Type<Sqlite>>::compatible(ty)
    }
}

impl<'q> Encode<'q, Sqlite> for Timestamp {
    fn encode_by_ref(&self, buf: &mut Vec<SqliteArgumentValue<'q>>) -> Result<IsNull, BoxDynError> {
        <String as Encode<'q, Sqlite>>::encode(self.to_string(), buf)
    }
}

impl<'r> Decode<'r, Sqlite> for Timestamp {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        <DateTime<Utc> as Decode<'r, Sqlite>>::decode(value).map(Self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_utc_with_milliseconds_and_z() {
        let at = Timestamp::parse("2021-06-14T22:24:08.193-03:00").unwrap();
        assert_eq!(at.to_string(), "2021-06-15T01:24:08.193Z");
    }

    #[test]
    fn prints_whole_seconds_with_three_zero_digits() {
        assert_eq!(Timestamp::parse("2021-06-15T01:40:12Z").unwrap().to_string(), "2021-06-15T01:40:12.000Z");
    }

    #[test]
    fn truncates_sub_millisecond_precision() {
        assert_eq!(Timestamp::parse("2021-06-15T01:42:45.270999Z").unwrap().to_string(), "2021-06-15T01:42:45.270Z");
    }

    #[test]
    fn serializes_as_a_json_string() {
        let at = Timestamp::parse("2021-07-16T01:50:03.460Z").unwrap();
        assert_eq!(serde_json::to_string(&at).unwrap(), r#""2021-07-16T01:50:03.460Z""#);
    }
}

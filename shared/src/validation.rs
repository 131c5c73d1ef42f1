//! Validation of the output-parameter body (CONTRACT 4 and 8); path ids are `crate::ids`.
//! Every rejection is an [`ApiError::BadRequest`] whose detail names the field and the rule;
//! nothing here touches the database.

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::error::ApiError;
use crate::ids::{TaskId, parse_digits};
use crate::models::OutgoingParameterWrite;

pub const MAX_BATCH_ITEMS: usize = 100;
pub const MAX_KEY_CHARS: usize = 100;
pub const MAX_VALUE_CHARS: usize = 4000;

/// The body of `POST /v3/parameters/outgoing`: one object or an array of 1 to 100, each
/// `{"task_id", "key", "value"}`; unknown fields are ignored. The result holds one write
/// per (task, key), in first-seen order, with the last value given for it (the same key
/// twice in one batch: the last one wins).
pub fn outgoing_parameters(body: &[u8]) -> Result<Vec<OutgoingParameterWrite>, ApiError> {
    let document: &RawValue = serde_json::from_slice(body).map_err(|error| {
        ApiError::bad_request(format!(
            "body must be a JSON object or an array of 1 to {MAX_BATCH_ITEMS} objects ({})",
            json_error_position(&error)
        ))
    })?;
    let text = document.get();
    let writes = if text.starts_with('[') {
        let items: Vec<&RawValue> = serde_json::from_str(text)
            .map_err(|error| ApiError::bad_request(format!("body: invalid array ({})", json_error_position(&error))))?;
        if items.is_empty() || items.len() > MAX_BATCH_ITEMS {
            return Err(ApiError::bad_request(format!(
                "body: an array must hold 1 to {MAX_BATCH_ITEMS} items (got {})",
                items.len()
            )));
        }
        items
            .iter()
            .enumerate()
            .map(|(index, item)| parameter_write(item, &format!("[{index}].")))
            .collect::<Result<Vec<_>, _>>()?
    } else {
        vec![parameter_write(document, "")?]
    };
    Ok(last_write_wins(writes))
}

fn json_error_position(error: &serde_json::Error) -> String {
    format!("{} at line {}, column {}", error_category(error), error.line(), error.column())
}

fn error_category(error: &serde_json::Error) -> &'static str {
    match error.classify() {
        serde_json::error::Category::Syntax => "syntax error",
        serde_json::error::Category::Eof => "unexpected end of input",
        serde_json::error::Category::Data => "unexpected data",
        serde_json::error::Category::Io => "unreadable input",
    }
}

/// One item as sent, each field still raw JSON so that number literals keep their text.
#[derive(Deserialize)]
struct RawParameter<'a> {
    #[serde(borrow, default)]
    task_id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    key: Option<&'a RawValue>,
    #[serde(borrow, default)]
    value: Option<&'a RawValue>,
}

fn parameter_write(item: &RawValue, at: &str) -> Result<OutgoingParameterWrite, ApiError> {
    if !item.get().starts_with('{') {
        return Err(ApiError::bad_request(format!("{}must be an object with task_id, key and value", item_name(at))));
    }
    let raw: RawParameter<'_> = serde_json::from_str(item.get())
        .map_err(|error| ApiError::bad_request(format!("{}{}", item_name(at), data_error(&error))))?;
    Ok(OutgoingParameterWrite {
        task_id: task_id(raw.task_id).ok_or_else(|| {
            ApiError::bad_request(format!("{at}task_id must be an integer from 0 to 2147483647, or a string of its digits"))
        })?,
        key: key(raw.key).ok_or_else(|| {
            ApiError::bad_request(format!(
                "{at}key must be a string of 1 to {MAX_KEY_CHARS} characters without control characters"
            ))
        })?,
        value: value(raw.value).ok_or_else(|| {
            ApiError::bad_request(format!(
                "{at}value must be a string of at most {MAX_VALUE_CHARS} characters without U+0000, or a number or boolean"
            ))
        })?,
    })
}

fn item_name(at: &str) -> String {
    if at.is_empty() { "body ".to_owned() } else { format!("{} ", at.trim_end_matches('.')) }
}

/// serde's message for a duplicate field names it; anything else is described generically.
fn data_error(error: &serde_json::Error) -> String {
    let message = error.to_string();
    match message.split_once(" at line") {
        Some((what, _)) if what.starts_with("duplicate field") => what.to_owned(),
        _ => format!("is not a valid parameter object ({})", json_error_position(error)),
    }
}

fn json_string(raw: &RawValue) -> Option<String> {
    if raw.get().starts_with('"') { serde_json::from_str(raw.get()).ok() } else { None }
}

fn task_id(raw: Option<&RawValue>) -> Option<TaskId> {
    let raw = raw?;
    match json_string(raw) {
        Some(text) => parse_digits(&text),
        None => integral_json_number(raw.get()),
    }
    .and_then(|id| TaskId::try_from(i64::from(id)).ok())
}

/// A JSON number literal whose value is an integer from 0 to 2147483647, however written:
/// `812`, `812.0`, `8.12e2` (CONTRACT 4: some bot platforms hold every number as a float,
/// and JSON Schema counts such numbers as integers). Exact, digit by digit: no float is
/// involved, so `812.0000000000001` is refused. Negative zero is 0.
fn integral_json_number(text: &str) -> Option<i32> {
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => (mantissa, exponent.parse::<i64>().ok()?),
        None => (unsigned, 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let is_digits = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
    if whole.is_empty() || !is_digits(whole) || !is_digits(fraction) {
        return None;
    }
    let digits = format!("{whole}{fraction}");
    let significant = digits.trim_start_matches('0').trim_end_matches('0');
    if significant.is_empty() {
        return Some(0);
    }
    if negative {
        return None;
    }
    // The value is significant × 10^scale.
    let trailing_zeros = digits.trim_start_matches('0').len() - significant.len();
    let scale = exponent.checked_sub(fraction.len() as i64)?.checked_add(trailing_zeros as i64)?;
    if scale < 0 || significant.len() as i64 + scale > 10 {
        return None;
    }
    let value = significant.parse::<u64>().ok()?.checked_mul(10_u64.checked_pow(scale as u32)?)?;
    i32::try_from(value).ok()
}

fn key(raw: Option<&RawValue>) -> Option<String> {
    let key = json_string(raw?)?;
    let chars = key.chars().count();
    ((1..=MAX_KEY_CHARS).contains(&chars) && !key.chars().any(char::is_control)).then_some(key)
}

/// A string as given, or a number or boolean as its literal JSON text (`43.0` stays
/// `"43.0"`); null, objects and arrays are refused.
fn value(raw: Option<&RawValue>) -> Option<String> {
    let raw = raw?;
    let text = raw.get();
    let value = match text.as_bytes().first()? {
        b'"' => json_string(raw)?,
        b't' | b'f' | b'-' | b'0'..=b'9' => text.to_owned(),
        _ => return None,
    };
    (value.chars().count() <= MAX_VALUE_CHARS && !value.contains('\0')).then_some(value)
}

fn last_write_wins(writes: Vec<OutgoingParameterWrite>) -> Vec<OutgoingParameterWrite> {
    let mut unique: Vec<OutgoingParameterWrite> = Vec::with_capacity(writes.len());
    for write in writes {
        match unique.iter_mut().find(|seen| seen.task_id == write.task_id && seen.key == write.key) {
            Some(seen) => seen.value = write.value,
            None => unique.push(write),
        }
    }
    unique
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(body: &str) -> OutgoingParameterWrite {
        let mut writes = outgoing_parameters(body.as_bytes()).unwrap();
        assert_eq!(writes.len(), 1);
        writes.remove(0)
    }

    fn refused(body: &str) -> String {
        match outgoing_parameters(body.as_bytes()) {
            Err(ApiError::BadRequest(detail)) => detail,
            other => panic!("expected 400 for {:?}, got {other:?}", body.chars().take(80).collect::<String>()),
        }
    }

    #[test]
    fn body_single_object_is_one_write() {
        assert_eq!(
            one(r#"{"task_id": 812, "key": "alexitos4", "value": "42sdfe"}"#),
            OutgoingParameterWrite {
                task_id: TaskId::try_from(812).unwrap(),
                key: "alexitos4".into(),
                value: "42sdfe".into()
            }
        );
    }

    #[test]
    fn task_id_may_be_a_string_of_digits() {
        assert_eq!(one(r#"{"task_id": "0812", "key": "k", "value": "v"}"#).task_id.get(), 812);
    }

    #[test]
    fn task_id_may_be_a_number_with_a_zero_fraction() {
        for (task, expected) in [("812.0", 812), ("8.12e2", 812), ("8120E-1", 812), ("8e2", 800), ("0.0", 0), ("-0", 0)]
        {
            assert_eq!(
                one(&format!(r#"{{"task_id": {task}, "key": "k", "value": "v"}}"#)).task_id.get(),
                expected,
                "{task}"
            );
        }
        assert_eq!(one(r#"{"task_id": 2.147483647e9, "key": "k", "value": "v"}"#).task_id.get(), 2147483647);
    }

    #[test]
    fn task_id_must_be_an_integer_in_range() {
        for task in [
            "-1",
            "812.5",
            "8.125e2",
            "812.0000000000001",
            "-812.0",
            "2147483648",
            "2.147483648e9",
            "1e10",
            "1e999999999999",
            r#""81a""#,
            r#""812.0""#,
            r#""""#,
            "null",
            "true",
            "[812]",
        ] {
            let detail = refused(&format!(r#"{{"task_id": {task}, "key": "k", "value": "v"}}"#));
            assert!(detail.starts_with("task_id "), "{task}: {detail}");
        }
    }

    #[test]
    fn number_and_boolean_values_keep_their_literal_text() {
        for (literal, stored) in [
            ("43", "43"),
            ("43.0", "43.0"),
            ("1e3", "1e3"),
            ("-0.5E-2", "-0.5E-2"),
            ("true", "true"),
            ("false", "false"),
        ] {
            assert_eq!(one(&format!(r#"{{"task_id": 1, "key": "k", "value": {literal}}}"#)).value, stored);
        }
    }

    #[test]
    fn null_object_and_array_values_are_refused() {
        for value in ["null", "{}", "[]", r#"{"a":1}"#] {
            let detail = refused(&format!(r#"{{"task_id": 1, "key": "k", "value": {value}}}"#));
            assert!(detail.starts_with("value "), "{value}: {detail}");
        }
    }

    #[test]
    fn missing_fields_are_refused_by_name() {
        assert!(refused(r#"{"key": "k", "value": "v"}"#).starts_with("task_id "));
        assert!(refused(r#"{"task_id": 1, "value": "v"}"#).starts_with("key "));
        assert!(refused(r#"{"task_id": 1, "key": "k"}"#).starts_with("value "));
    }

    #[test]
    fn unknown_fields_are_ignored() {
        assert_eq!(one(r#"{"task_id": 1, "key": "k", "value": "v", "extra": {"deep": [1]}}"#).key, "k");
    }

    #[test]
    fn key_length_counts_code_points() {
        assert_eq!(
            one(&format!(r#"{{"task_id": 1, "key": "{}", "value": "v"}}"#, "ñ".repeat(100))).key.chars().count(),
            100
        );
        assert!(
            refused(&format!(r#"{{"task_id": 1, "key": "{}", "value": "v"}}"#, "ñ".repeat(101))).starts_with("key ")
        );
        assert!(refused(r#"{"task_id": 1, "key": "", "value": "v"}"#).starts_with("key "));
    }

    #[test]
    fn key_with_control_characters_is_refused() {
        for key in [r"a\u0000b", r"a\nb", r"a\tb", r"\u007f", r"\u0085"] {
            assert!(
                refused(&format!(r#"{{"task_id": 1, "key": "{key}", "value": "v"}}"#)).starts_with("key "),
                "{key}"
            );
        }
    }

    #[test]
    fn value_length_counts_code_points_and_allows_4000() {
        assert_eq!(
            one(&format!(r#"{{"task_id": 1, "key": "k", "value": "{}"}}"#, "€".repeat(4000))).value.chars().count(),
            4000
        );
        assert!(
            refused(&format!(r#"{{"task_id": 1, "key": "k", "value": "{}"}}"#, "€".repeat(4001))).starts_with("value ")
        );
        assert_eq!(one(r#"{"task_id": 1, "key": "k", "value": ""}"#).value, "");
    }

    #[test]
    fn value_with_nul_is_refused_but_other_controls_are_kept() {
        assert!(refused(r#"{"task_id": 1, "key": "k", "value": "a\u0000"}"#).starts_with("value "));
        assert_eq!(one(r#"{"task_id": 1, "key": "k", "value": "line1\nline2"}"#).value, "line1\nline2");
    }

    #[test]
    fn batch_holds_one_to_a_hundred_items() {
        let item = r#"{"task_id": 1, "key": "k", "value": "v"}"#;
        assert!(refused("[]").contains("1 to 100 items"));
        let hundred = format!("[{}]", vec![item; 100].join(","));
        assert_eq!(outgoing_parameters(hundred.as_bytes()).unwrap().len(), 1);
        let too_many = format!("[{}]", vec![item; 101].join(","));
        assert!(refused(&too_many).contains("(got 101)"));
    }

    #[test]
    fn batch_errors_name_the_item() {
        let detail = refused(r#"[{"task_id": 1, "key": "k", "value": "v"}, {"task_id": 1, "key": 5, "value": "v"}]"#);
        assert!(detail.starts_with("[1].key "), "{detail}");
        assert!(refused(r#"[{"task_id": 1, "key": "k", "value": "v"}, 7]"#).starts_with("[1] must be an object"));
    }

    #[test]
    fn same_key_twice_in_a_batch_keeps_the_last_value() {
        let writes = outgoing_parameters(
            br#"[{"task_id":1,"key":"k","value":"first"},{"task_id":2,"key":"k","value":"x"},{"task_id":1,"key":"k","value":"last"}]"#,
        )
        .unwrap();
        assert_eq!(writes.len(), 2);
        assert_eq!((writes[0].task_id.get(), writes[0].value.as_str()), (1, "last"));
    }

    #[test]
    fn malformed_json_is_refused() {
        for body in ["", "{", "not json", r#"{"task_id": 1,}"#, "\u{feff}{}", "\"text\"", "42", "null"] {
            let _ = refused(body);
        }
    }

    #[test]
    fn invalid_utf8_is_refused() {
        assert!(outgoing_parameters(b"{\"task_id\":1,\"key\":\"\xff\",\"value\":\"v\"}").is_err());
    }

    #[test]
    fn duplicate_fields_are_refused() {
        assert!(refused(r#"{"task_id": 1, "key": "a", "key": "b", "value": "v"}"#).contains("duplicate field"));
    }

    #[test]
    fn deeply_nested_json_is_refused_without_overflowing_the_stack() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let _ = refused(&deep);
        // An unknown field is skipped without recursion, however deep: accepted, no overflow.
        let deep_field =
            format!(r#"{{"task_id":1,"key":"k","value":"v","x":{}{}}}"#, "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(outgoing_parameters(deep_field.as_bytes()).map(|writes| writes.len()).ok(), Some(1));
        let deep_value = format!(r#"{{"task_id":1,"key":"k","value":{}{}}}"#, "[".repeat(100_000), "]".repeat(100_000));
        assert!(outgoing_parameters(deep_value.as_bytes()).is_err());
    }
}

/// Properties over arbitrary input: nothing panics, and every answer is a value or a 400.
#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    fn is_bad_request(error: &ApiError) -> bool {
        matches!(error, ApiError::BadRequest(_))
    }

    /// JSON-ish documents: every JSON type, nested, with the field names that matter.
    fn json_value() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(serde_json::Value::from),
            ".{0,12}".prop_map(serde_json::Value::from),
            "[0-9]{1,12}".prop_map(serde_json::Value::from),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
                prop::collection::vec(
                    (
                        prop_oneof![
                            Just("task_id".to_owned()),
                            Just("key".to_owned()),
                            Just("value".to_owned()),
                            ".{0,6}"
                        ],
                        inner
                    ),
                    0..5
                )
                .prop_map(|fields| serde_json::Value::Object(fields.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        #[test]
        fn any_bytes_as_a_body_give_writes_or_400(body in prop::collection::vec(any::<u8>(), 0..256)) {
            if let Err(error) = outgoing_parameters(&body) {
                prop_assert!(is_bad_request(&error));
            }
        }

        #[test]
        fn any_json_as_a_body_gives_valid_writes_or_400(document in json_value()) {
            let body = serde_json::to_vec(&document).unwrap();
            match outgoing_parameters(&body) {
                Ok(writes) => {
                    prop_assert!((1..=MAX_BATCH_ITEMS).contains(&writes.len()));
                    for write in writes {
                        prop_assert!(write.task_id.get() >= 0);
                        let key_chars = write.key.chars().count();
                        prop_assert!((1..=MAX_KEY_CHARS).contains(&key_chars) && !write.key.chars().any(char::is_control));
                        prop_assert!(write.value.chars().count() <= MAX_VALUE_CHARS && !write.value.contains('\0'));
                    }
                }
                Err(error) => prop_assert!(is_bad_request(&error)),
            }
        }
    }
}

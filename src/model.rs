//! The Update user request as MX documents it, and every check made before anything is sent.
//!
//! Source: MX SSO API v2.8, "Update user" (`PUT /user/{user_guid}`). The body fields, their types
//! and their accepted values are the documented ones; each check's message names the field, what
//! is wrong and what is accepted.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;

use crate::error::Error;

/// Longest accepted API key, client guid or user guid, in bytes. MX documents no limit; real
/// values are tens of bytes, and a bound keeps a runaway input from becoming a huge URL.
pub const MAX_ID_BYTES: usize = 1024;

/// Longest accepted update body, in bytes. The documented fields fit in far less.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The body fields MX documents for Update user, in the order they are sent.
pub const FIELDS: [&str; 9] = [
    "email",
    "first_name",
    "last_name",
    "phone",
    "birthdate",
    "sex",
    "credit_score",
    "zip_code",
    "status",
];

/// A user's status (`status` field).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum UserStatus {
    Enabled,
    Disabled,
}

/// A user's sex (`sex` field) as the request takes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Sex {
    Male,
    Female,
}

/// Fields outside the documented set, each kept as the exact JSON text the caller gave, so that
/// they are sent unaltered (re-encoding through `serde_json::Value` would change numbers such as
/// `1e400` or `180007000010847803886648597760`).
#[derive(Clone, Debug, Default)]
pub struct ExtraFields(Vec<(String, Box<RawValue>)>);

impl ExtraFields {
    /// Adds a field whose value is the JSON text `raw_json`. A documented field name (set the
    /// typed field instead) or a name already added is refused: either would put the same key
    /// twice in the body, and which one MX keeps is not documented.
    pub fn insert(&mut self, name: impl Into<String>, raw_json: &str) -> Result<(), Error> {
        let name = name.into();
        if FIELDS.contains(&name.as_str()) {
            return Err(Error::Validation(format!(
                "extra field `{name}` is a documented field; set UserUpdate::{name} instead"
            )));
        }
        if self.0.iter().any(|(k, _)| *k == name) {
            return Err(Error::Validation(format!(
                "extra field `{}` was already added; give each field once",
                printable(&name)
            )));
        }
        let value = RawValue::from_string(raw_json.to_string()).map_err(|e| {
            Error::Validation(format!(
                "value of extra field `{}` is not JSON: {e}",
                printable(&name)
            ))
        })?;
        self.0.push((name, value));
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The field names, in the order given.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.as_str())
    }
}

impl PartialEq for ExtraFields {
    fn eq(&self, other: &Self) -> bool {
        self.0.len() == other.0.len()
            && self
                .0
                .iter()
                .zip(&other.0)
                .all(|((k1, v1), (k2, v2))| k1 == k2 && v1.get() == v2.get())
    }
}

impl Serialize for ExtraFields {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in &self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

/// The body of an Update user request: every field optional, at least one set.
///
/// Build it in Rust directly, or parse caller JSON with [`UserUpdate::from_json`], which applies
/// every documented constraint. `extra` holds fields outside the documented set; it can only be
/// non-empty when the client was built with `strict_fields: false`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct UserUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// ISO 8601 calendar date, `YYYY-MM-DD`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birthdate: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sex: Option<Sex>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credit_score: Option<i64>,
    /// `nnnnn`, `nnnnn-nnnn` or Canadian `ana nan`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zip_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<UserStatus>,
    #[serde(flatten)]
    pub extra: ExtraFields,
}

impl UserUpdate {
    /// An update that only sets the user's status, the one use MX recommends.
    pub fn status(status: UserStatus) -> Self {
        UserUpdate {
            status: Some(status),
            ..Default::default()
        }
    }

    /// Parses and checks caller JSON. `strict_fields` makes a field outside the documented set
    /// an error (it catches typos such as `stauts`); otherwise such fields are kept as they are.
    pub fn from_json(text: &str, strict_fields: bool) -> Result<Self, Error> {
        if text.len() > MAX_BODY_BYTES {
            return Err(Error::Validation(format!(
                "json_body is {} bytes; at most {MAX_BODY_BYTES} bytes are accepted",
                text.len()
            )));
        }
        let mut de = serde_json::Deserializer::from_str(text);
        let raw = RawBody::deserialize(&mut de).and_then(|raw| de.end().map(|()| raw));
        let raw = match raw {
            Ok(raw) => raw,
            Err(e) => return Err(body_error(e)),
        };
        let update = raw.into_update(strict_fields)?;
        update.validate()?;
        Ok(update)
    }

    /// Checks the documented constraints of a typed update (also one built in Rust).
    pub fn validate(&self) -> Result<(), Error> {
        if self.is_empty() {
            return Err(Error::Validation(format!(
                "json_body has no field; set at least one of: {}",
                FIELDS.join(", ")
            )));
        }
        if let Some(date) = &self.birthdate {
            check_birthdate(date)?;
        }
        if let Some(zip) = &self.zip_code {
            check_zip_code(zip)?;
        }
        Ok(())
    }

    /// True when no field at all is set.
    pub fn is_empty(&self) -> bool {
        self.email.is_none()
            && self.first_name.is_none()
            && self.last_name.is_none()
            && self.phone.is_none()
            && self.birthdate.is_none()
            && self.sex.is_none()
            && self.credit_score.is_none()
            && self.zip_code.is_none()
            && self.status.is_none()
            && self.extra.is_empty()
    }

    /// The JSON sent to MX.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("serializing a map of strings and integers cannot fail")
    }
}

/// Turns a JSON syntax or shape error into a validation message naming `json_body`.
fn body_error(e: serde_json::Error) -> Error {
    use serde_json::error::Category;
    let message = e.to_string();
    match e.classify() {
        Category::Data => Error::Validation(format!("json_body: {message}")),
        Category::Syntax | Category::Eof | Category::Io => Error::Validation(format!(
            "json_body is not valid JSON ({message}); expected an object such as {{\"status\": \"DISABLED\"}}"
        )),
    }
}

/// A body field as parsed: documented fields as values to check, others as their exact text.
enum RawField {
    Known(Value),
    Unknown(Box<RawValue>),
}

/// The body as parsed, before each field's type is checked: a JSON object without duplicate keys.
struct RawBody(Vec<(String, RawField)>);

impl<'de> Deserialize<'de> for RawBody {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor;
        impl<'de> Visitor<'de> for ObjectVisitor {
            type Value = RawBody;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object such as {\"status\": \"DISABLED\"}")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawBody, A::Error> {
                let mut fields: Vec<(String, RawField)> = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    if fields.iter().any(|(k, _)| *k == key) {
                        return Err(de::Error::custom(format_args!(
                            "field `{}` appears more than once; give each field once",
                            printable(&key)
                        )));
                    }
                    let value = if FIELDS.contains(&key.as_str()) {
                        RawField::Known(map.next_value::<Value>()?)
                    } else {
                        RawField::Unknown(map.next_value::<Box<RawValue>>()?)
                    };
                    fields.push((key, value));
                }
                Ok(RawBody(fields))
            }
        }
        deserializer.deserialize_map(ObjectVisitor)
    }
}

impl RawBody {
    fn into_update(self, strict_fields: bool) -> Result<UserUpdate, Error> {
        let mut update = UserUpdate::default();
        for (key, field) in self.0 {
            let value = match field {
                RawField::Known(value) => value,
                RawField::Unknown(_) if strict_fields => {
                    return Err(Error::Validation(format!(
                        "json_body has unknown field `{}`; accepted fields: {}",
                        printable(&key),
                        FIELDS.join(", ")
                    )))
                }
                RawField::Unknown(raw) => {
                    update.extra.0.push((key, raw));
                    continue;
                }
            };
            match key.as_str() {
                "email" => update.email = Some(string_field(&key, value)?),
                "first_name" => update.first_name = Some(string_field(&key, value)?),
                "last_name" => update.last_name = Some(string_field(&key, value)?),
                "phone" => update.phone = Some(string_field(&key, value)?),
                "birthdate" => update.birthdate = Some(string_field(&key, value)?),
                "zip_code" => update.zip_code = Some(string_field(&key, value)?),
                "sex" => update.sex = Some(enum_field(&key, value, &["MALE", "FEMALE"])?),
                "status" => {
                    update.status = Some(enum_field(&key, value, &["ENABLED", "DISABLED"])?)
                }
                "credit_score" => update.credit_score = Some(integer_field(&key, value)?),
                _ => unreachable!("only documented fields are parsed as values"),
            }
        }
        Ok(update)
    }
}

fn string_field(field: &str, value: Value) -> Result<String, Error> {
    match value {
        Value::String(s) => Ok(s),
        other => Err(Error::Validation(format!(
            "{field} must be a string, got {}",
            json_kind(&other)
        ))),
    }
}

fn enum_field<T: for<'de> Deserialize<'de>>(
    field: &str,
    value: Value,
    accepted: &[&str],
) -> Result<T, Error> {
    let shown = match &value {
        Value::String(s) => format!("\"{}\"", printable(s)),
        other => json_kind(other).to_string(),
    };
    serde_json::from_value(value).map_err(|_| {
        Error::Validation(format!(
            "{field} is {shown}; accepted values: {}",
            accepted.join(" or ")
        ))
    })
}

fn integer_field(field: &str, value: Value) -> Result<i64, Error> {
    match &value {
        Value::Number(n) => n.as_i64().ok_or_else(|| {
            Error::Validation(format!(
                "{field} is {n}; it must be an integer that fits in a signed 64-bit integer"
            ))
        }),
        other => Err(Error::Validation(format!(
            "{field} must be an integer, got {}",
            json_kind(other)
        ))),
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A short, single-line rendering of caller text for an error message.
fn printable(s: &str) -> String {
    const MAX_CHARS: usize = 64;
    let mut out: String = s
        .chars()
        .take(MAX_CHARS)
        .flat_map(char::escape_debug)
        .collect();
    if s.chars().count() > MAX_CHARS {
        out.push('…');
    }
    out
}

/// `YYYY-MM-DD`, a real calendar date.
fn check_birthdate(date: &str) -> Result<(), Error> {
    let bad = || {
        Error::Validation(format!(
            "birthdate is \"{}\"; expected an ISO 8601 calendar date YYYY-MM-DD, such as 1992-03-28",
            printable(date)
        ))
    };
    let b = date.as_bytes();
    let shape_ok = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape_ok {
        return Err(bad());
    }
    let number = |range: std::ops::Range<usize>| -> u32 {
        date[range].parse().expect("checked to be ASCII digits")
    };
    let (year, month, day) = (number(0..4), number(5..7), number(8..10));
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(bad()),
    };
    if day == 0 || day > days_in_month {
        return Err(bad());
    }
    Ok(())
}

/// US `nnnnn` / `nnnnn-nnnn`, or Canadian `ana nan` (letters in either case).
fn check_zip_code(zip: &str) -> Result<(), Error> {
    let b = zip.as_bytes();
    let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    let us5 = b.len() == 5 && digits(b);
    let us9 = b.len() == 10 && digits(&b[..5]) && b[5] == b'-' && digits(&b[6..]);
    let canada = b.len() == 7
        && b[3] == b' '
        && [0, 2, 5].iter().all(|&i| b[i].is_ascii_alphabetic())
        && [1, 4, 6].iter().all(|&i| b[i].is_ascii_digit());
    if us5 || us9 || canada {
        Ok(())
    } else {
        Err(Error::Validation(format!(
            "zip_code is \"{}\"; accepted: a US ZIP code nnnnn or nnnnn-nnnn, or a Canadian postal code ana nan (such as K1A 0B1)",
            printable(zip)
        )))
    }
}

/// Checks an API key, client guid or user guid: non-empty, at most [`MAX_ID_BYTES`], no control
/// characters. `name` is the parameter's name as the caller knows it. The value itself never
/// appears in the message (it may be the API key).
pub fn check_id(name: &str, value: &str) -> Result<(), Error> {
    if value.is_empty() {
        return Err(Error::Validation(format!("{name} is empty")));
    }
    if value.len() > MAX_ID_BYTES {
        return Err(Error::Validation(format!(
            "{name} is {} bytes long; at most {MAX_ID_BYTES} bytes are accepted",
            value.len()
        )));
    }
    if let Some(pos) = value.chars().position(char::is_control) {
        return Err(Error::Validation(format!(
            "{name} contains a control character at position {pos}; control characters are not accepted"
        )));
    }
    Ok(())
}

/// Percent-encodes everything but RFC 3986 unreserved characters, so that the result is one
/// path segment or one query value whatever the input holds (`a/b` stays one segment).
pub fn percent_encode(value: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(value.len());
    for &byte in value.as_bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(byte >> 4)] as char);
            out.push(HEX[usize::from(byte & 0xF)] as char);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strict(text: &str) -> Result<UserUpdate, Error> {
        UserUpdate::from_json(text, true)
    }

    fn assert_validation(text: &str, needle: &str) {
        match strict(text) {
            Err(Error::Validation(msg)) => assert!(
                msg.contains(needle),
                "message for {text} should contain {needle:?}: {msg}"
            ),
            other => panic!("{text}: expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn every_documented_field_with_good_and_bad_values() {
        // (field, good JSON values, bad JSON values)
        let table: &[(&str, &[&str], &[&str])] = &[
            (
                "email",
                &["\"a@b.c\"", "\"\""],
                &["null", "1", "true", "[]", "{}"],
            ),
            ("first_name", &["\"Julie\""], &["null", "1.5", "[\"a\"]"]),
            ("last_name", &["\"West\""], &["null", "false"]),
            ("phone", &["\"9015559990\""], &["9015559990", "null"]),
            (
                "birthdate",
                &["\"1992-03-28\"", "\"2000-02-29\"", "\"1999-12-31\""],
                &[
                    "\"1992-3-28\"",
                    "\"28/03/1992\"",
                    "\"1900-02-29\"",
                    "\"1992-13-01\"",
                    "\"1992-04-31\"",
                    "\"1992-00-10\"",
                    "\"1992-01-00\"",
                    "\"1992-03-28T00:00:00Z\"",
                    "\"\"",
                    "null",
                    "19920328",
                ],
            ),
            (
                "sex",
                &["\"MALE\"", "\"FEMALE\""],
                &["\"male\"", "\"M\"", "\"OTHER\"", "0", "null", "\"\""],
            ),
            (
                "credit_score",
                &[
                    "790",
                    "0",
                    "-1",
                    "9223372036854775807",
                    "-9223372036854775808",
                ],
                &[
                    "\"790\"",
                    "790.5",
                    "7.9e2",
                    "9223372036854775808",
                    "18446744073709551616",
                    "null",
                    "true",
                ],
            ),
            (
                "zip_code",
                &["\"12345\"", "\"12345-6789\"", "\"K1A 0B1\"", "\"k1a 0b1\""],
                &[
                    "\"1234\"",
                    "\"123456\"",
                    "\"12345-678\"",
                    "\"12345 6789\"",
                    "\"K1A0B1\"",
                    "\"1A1 A1A\"",
                    "12345",
                    "null",
                    "\"\"",
                ],
            ),
            (
                "status",
                &["\"ENABLED\"", "\"DISABLED\""],
                &["\"enabled\"", "\"ACTIVE\"", "1", "true", "null"],
            ),
        ];
        for (field, goods, bads) in table {
            for good in *goods {
                let text = format!("{{\"{field}\": {good}}}");
                let update = strict(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
                let sent: Value = serde_json::from_str(&update.to_json()).unwrap();
                let given: Value = serde_json::from_str(&text).unwrap();
                assert_eq!(sent, given, "{text} must be sent unchanged");
            }
            for bad in *bads {
                assert_validation(&format!("{{\"{field}\": {bad}}}"), field);
            }
        }
    }

    #[test]
    fn messages_say_what_is_accepted() {
        assert_validation(r#"{"status": "ACTIVE"}"#, "ENABLED or DISABLED");
        assert_validation(r#"{"sex": "X"}"#, "MALE or FEMALE");
        assert_validation(r#"{"zip_code": "1"}"#, "nnnnn-nnnn");
        assert_validation(r#"{"birthdate": "x"}"#, "YYYY-MM-DD");
        assert_validation(r#"{"credit_score": 1.5}"#, "signed 64-bit");
    }

    #[test]
    fn body_shape_errors() {
        assert_validation("{}", "at least one");
        assert_validation("", "not valid JSON");
        assert_validation("{\"status\": ", "not valid JSON");
        assert_validation("[1]", "JSON object");
        assert_validation("\"DISABLED\"", "JSON object");
        assert_validation("null", "JSON object");
        assert_validation(r#"{"status": "ENABLED"} x"#, "not valid JSON");
        assert_validation(r#"{"stauts": "DISABLED"}"#, "unknown field `stauts`");
        assert_validation(
            r#"{"status": "ENABLED", "status": "DISABLED"}"#,
            "more than once",
        );
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert_validation(&format!("{{\"x\": {deep}}}"), "json_body");
        assert_validation(&" ".repeat(MAX_BODY_BYTES + 1), "at most");
    }

    #[test]
    fn lenient_fields_pass_unknown_keys_through() {
        let update = UserUpdate::from_json(r#"{"nickname": "J", "status": "ENABLED"}"#, false)
            .expect("lenient parse");
        let sent: Value = serde_json::from_str(&update.to_json()).unwrap();
        assert_eq!(sent["nickname"], "J");
        assert_eq!(sent["status"], "ENABLED");
        // Unknown fields are sent exactly as given (found by fuzzing: a big integer used to be
        // re-encoded as a float).
        let update = UserUpdate::from_json(
            r#"{"x": [180007000010847803886648597760, 1e400, {"y": null}], "status": "ENABLED"}"#,
            false,
        )
        .expect("lenient parse");
        assert_eq!(
            update.to_json(),
            r#"{"status":"ENABLED","x":[180007000010847803886648597760, 1e400, {"y": null}]}"#
        );
        assert_eq!(
            UserUpdate::from_json(&update.to_json(), false).unwrap(),
            update
        );
        // Documented fields are still checked.
        assert!(UserUpdate::from_json(r#"{"status": "x", "nickname": "J"}"#, false).is_err());
    }

    #[test]
    fn typed_update_serializes_documented_names() {
        assert_eq!(
            UserUpdate::status(UserStatus::Disabled).to_json(),
            r#"{"status":"DISABLED"}"#
        );
        assert!(UserUpdate::default().validate().is_err());
    }

    #[test]
    fn ids_are_checked_without_echoing_them() {
        assert!(check_id("user_guid", "USR-123").is_ok());
        assert!(check_id("user_guid", "a/b c?d#e").is_ok());
        for bad in ["", "a\nb", "a\u{0}b", "\u{7f}"] {
            let err = check_id("api_key", bad).unwrap_err().to_string();
            assert!(err.starts_with("api_key"), "{err}");
        }
        let long = "x".repeat(MAX_ID_BYTES + 1);
        let err = check_id("api_key", &long).unwrap_err().to_string();
        assert!(err.contains("at most") && !err.contains("xxxx"), "{err}");
    }

    #[test]
    fn extra_fields_refuse_documented_and_repeated_names() {
        let mut extra = ExtraFields::default();
        extra.insert("nickname", "\"Bo\"").unwrap();
        let err = extra.insert("status", "\"DISABLED\"").unwrap_err();
        assert!(err.to_string().contains("UserUpdate::status"), "{err}");
        let err = extra.insert("nickname", "1").unwrap_err();
        assert!(err.to_string().contains("already added"), "{err}");
        let err = extra.insert("age", "not json").unwrap_err();
        assert!(err.to_string().contains("`age`"), "{err}");
        assert_eq!(extra.names().collect::<Vec<_>>(), ["nickname"]);
    }

    #[test]
    fn a_repeated_key_is_named_printably() {
        assert_validation(
            r#"{"a\nb": 1, "a\nb": 2}"#,
            "field `a\\nb` appears more than once",
        );
    }

    #[test]
    fn percent_encoding_keeps_one_segment() {
        assert_eq!(percent_encode("a/b c?d#e"), "a%2Fb%20c%3Fd%23e");
        assert_eq!(percent_encode("USR-1_a.b~"), "USR-1_a.b~");
        assert_eq!(percent_encode("é&="), "%C3%A9%26%3D");
        assert_eq!(percent_encode("../x"), "..%2Fx");
    }
}

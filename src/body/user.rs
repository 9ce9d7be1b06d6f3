//! User bodies: Update user as a typed model ([`UserUpdate`]) and the Create user rules.
//!
//! Source: MX SSO API v2.8, "Update user" and "Create user". The fields, their types and their
//! accepted values are the documented ones.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::fields::{self, enum_field, integer_field, printable, string_field, Field, Kind};
use super::{check_fields, parse_object, Checked, RawField};
use crate::error::Error;

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
        let raw = parse_object(text, &FIELDS)?;
        let update = into_update(raw.0, strict_fields)?;
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
            fields::check_birthdate(date)?;
        }
        if let Some(zip) = &self.zip_code {
            fields::check_zip_code(zip)?;
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

fn into_update(raw: Vec<(String, RawField)>, strict_fields: bool) -> Result<UserUpdate, Error> {
    {
        let mut update = UserUpdate::default();
        for (key, field) in raw {
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
                "sex" => update.sex = Some(enum_field(&key, value, SEXES)?),
                "status" => {
                    update.status = Some(enum_field(&key, value, &["ENABLED", "DISABLED"])?)
                }
                "credit_score" => update.credit_score = Some(integer_field(&key, value)?),
                _ => {}
            }
        }
        Ok(update)
    }
}

const SEXES: &[&str] = &["MALE", "FEMALE"];

/// The profile fields, shared by Create user and Update user (whose typed model is above).
const PROFILE: [Field; 8] = [
    Field {
        name: "email",
        kind: Kind::Text,
    },
    Field {
        name: "first_name",
        kind: Kind::Text,
    },
    Field {
        name: "last_name",
        kind: Kind::Text,
    },
    Field {
        name: "phone",
        kind: Kind::Text,
    },
    Field {
        name: "birthdate",
        kind: Kind::Date,
    },
    Field {
        name: "sex",
        kind: Kind::OneOf(SEXES),
    },
    Field {
        name: "credit_score",
        kind: Kind::Integer,
    },
    Field {
        name: "zip_code",
        kind: Kind::ZipCode,
    },
];

/// Create user: the partner's guid, then the profile fields; no `status` (MX documents it for
/// Update user only).
pub(crate) const CREATE_FIELDS: [Field; 9] = [
    Field {
        name: "external_user_guid",
        kind: Kind::ExternalGuid {
            reserved_prefix: "USR-",
        },
    },
    PROFILE[0],
    PROFILE[1],
    PROFILE[2],
    PROFILE[3],
    PROFILE[4],
    PROFILE[5],
    PROFILE[6],
    PROFILE[7],
];

/// Checks a Create user body. The body sent is the caller's text, byte for byte.
pub(crate) fn check_create(text: &str, strict_fields: bool) -> Result<Checked, Error> {
    let names: Vec<&str> = CREATE_FIELDS.iter().map(|f| f.name).collect();
    let raw = parse_object(text, &names)?;
    check_fields(&raw, &CREATE_FIELDS, strict_fields, |name| {
        (name == "status").then(|| {
            Error::Validation(
                "json_body has status, which Create user does not take (MX documents it for \
                 Update user only); create the user, then update its status"
                    .into(),
            )
        })
    })?;
    let external_guid = raw
        .known("external_user_guid")
        .and_then(|v| v.as_str())
        .map(str::to_string);
    if external_guid.is_none() && strict_fields {
        return Err(Error::Validation(
            "json_body has no external_user_guid; MX requires it of new integrations (your own \
             id for the user: a string of 1 to 1024 bytes, not beginning with USR-). Only a \
             client with strict_fields false may omit it"
                .into(),
        ));
    }
    Ok(Checked {
        json: text.to_string(),
        external_guid,
        secrets: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body::MAX_BODY_BYTES;
    use serde_json::Value;

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
    fn a_rejected_enumeration_value_is_shown_in_the_message() {
        assert_validation(
            r#"{"status": "disabled"}"#,
            r#"status is "disabled"; accepted values: ENABLED or DISABLED"#,
        );
        assert_validation(
            r#"{"status": 1}"#,
            "status is a number; accepted values: ENABLED or DISABLED",
        );
        assert_validation(r#"{"sex": null}"#, "sex is null; accepted values: ");
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

    fn create(text: &str, strict: bool) -> Result<Checked, Error> {
        check_create(text, strict)
    }

    #[test]
    fn create_requires_an_external_guid_in_strict_mode_only() {
        let err = create(r#"{"email": "a@b.c"}"#, true)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("external_user_guid") && err.contains("strict_fields"),
            "{err}"
        );
        let lenient = create(r#"{"email": "a@b.c"}"#, false).unwrap();
        assert_eq!(lenient.external_guid, None);
        let ok = create(
            r#"{"external_user_guid": "bank-1", "zip_code": "12345"}"#,
            true,
        )
        .unwrap();
        assert_eq!(ok.external_guid.as_deref(), Some("bank-1"));
        assert_eq!(
            ok.json,
            r#"{"external_user_guid": "bank-1", "zip_code": "12345"}"#
        );
    }

    #[test]
    fn create_refuses_the_usr_prefix_in_any_case_and_bad_guids() {
        for guid in ["USR-1", "usr-1", "Usr-x"] {
            let body = format!(r#"{{"external_user_guid": "{guid}"}}"#);
            let err = create(&body, true).unwrap_err().to_string();
            assert!(err.contains("USR-"), "{err}");
        }
        assert!(create(r#"{"external_user_guid": "USR"}"#, true).is_ok());
        for bad in ["\"\"", "null", "12", "\"a\\u0001b\""] {
            let body = format!(r#"{{"external_user_guid": {bad}}}"#);
            let err = create(&body, true).unwrap_err().to_string();
            assert!(err.contains("external_user_guid"), "{bad}: {err}");
        }
        let long = format!(r#"{{"external_user_guid": "{}"}}"#, "a".repeat(1025));
        assert!(create(&long, true).is_err());
    }

    #[test]
    fn create_checks_profile_fields_and_refuses_status_in_strict_mode() {
        let bad = [
            (r#"{"external_user_guid": "e", "sex": "male"}"#, "sex"),
            (
                r#"{"external_user_guid": "e", "zip_code": "1234"}"#,
                "zip_code",
            ),
            (
                r#"{"external_user_guid": "e", "birthdate": "1992-02-30"}"#,
                "birthdate",
            ),
            (
                r#"{"external_user_guid": "e", "credit_score": "7"}"#,
                "credit_score",
            ),
            (r#"{"external_user_guid": "e", "email": null}"#, "email"),
            (
                r#"{"external_user_guid": "e", "status": "ENABLED"}"#,
                "status",
            ),
            (r#"{"external_user_guid": "e", "emial": "x"}"#, "emial"),
            (
                r#"{"external_user_guid": "e", "external_user_guid": "f"}"#,
                "more than once",
            ),
        ];
        for (body, needle) in bad {
            let err = create(body, true).unwrap_err().to_string();
            assert!(err.contains(needle), "{body}: {err}");
        }
        let lenient = create(
            r#"{"external_user_guid": "e", "status": "X", "n": 1e400}"#,
            false,
        );
        assert_eq!(
            lenient.unwrap().json,
            r#"{"external_user_guid": "e", "status": "X", "n": 1e400}"#
        );
        assert!(create(r#"{"external_user_guid": "e", "sex": "x"}"#, false).is_err());
    }

    #[test]
    fn update_field_list_is_the_profile_plus_status() {
        let mut names: Vec<&str> = PROFILE.iter().map(|f| f.name).collect();
        names.push("status");
        assert_eq!(names, FIELDS);
    }
}

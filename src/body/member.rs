//! Member bodies: Create member (documented by MX) and Update member (inferred from MX's guide:
//! "update the member when the credentials change"), and the credential rules they share.
//!
//! A credential's `response` is a secret, like the API key: no message quotes it; a credential
//! is named by its position and `field_name`.

use serde_json::Value;

use super::fields::{json_kind, printable, Field, Kind};
use super::{check_fields, parse_object, Checked};
use crate::error::Error;

/// The credential names MX documents: `login` with `password`, or `userkey` alone.
const DOCUMENTED_NAMES: [&str; 3] = ["login", "password", "userkey"];

pub(crate) const CREATE_FIELDS: [Field; 6] = [
    Field {
        name: "user_guid",
        kind: Kind::Guid,
    },
    Field {
        name: "external_user_guid",
        kind: Kind::ExternalGuid {
            reserved_prefix: "USR-",
        },
    },
    Field {
        name: "credentials",
        kind: Kind::Credentials,
    },
    Field {
        name: "external_member_guid",
        kind: Kind::ExternalGuid {
            reserved_prefix: "MBR-",
        },
    },
    Field {
        name: "name",
        kind: Kind::Text,
    },
    Field {
        name: "institution_guid",
        kind: Kind::Text,
    },
];

pub(crate) const UPDATE_FIELDS: [Field; 1] = [Field {
    name: "credentials",
    kind: Kind::Credentials,
}];

/// Checks a Create member body. The body sent is the caller's text, byte for byte.
pub(crate) fn check_create(text: &str, strict_fields: bool) -> Result<Checked, Error> {
    let names: Vec<&str> = CREATE_FIELDS.iter().map(|f| f.name).collect();
    let raw = parse_object(text, &names)?;
    // Credentials first: a later failure must not leave their values unchecked for masking.
    let secrets = credentials(raw.known("credentials"), strict_fields)?;
    check_fields(&raw, &CREATE_FIELDS, strict_fields, |_| None)?;
    match (raw.known("user_guid"), raw.known("external_user_guid")) {
        (Some(_), Some(_)) => {
            return Err(Error::Validation(
                "json_body has both user_guid and external_user_guid; give exactly one of them \
                 to name the member's user"
                    .into(),
            ))
        }
        (None, None) => {
            return Err(Error::Validation(
                "json_body names no user; give exactly one of user_guid (MX's USR- guid) or \
                 external_user_guid (yours)"
                    .into(),
            ))
        }
        _ => {}
    }
    let external_guid = raw
        .known("external_member_guid")
        .and_then(Value::as_str)
        .map(str::to_string);
    Ok(Checked {
        json: text.to_string(),
        external_guid,
        secrets,
    })
}

/// Checks an Update member body: `credentials`, and in strict mode nothing else.
pub(crate) fn check_update(text: &str, strict_fields: bool) -> Result<Checked, Error> {
    let raw = parse_object(text, &["credentials"])?;
    let secrets = credentials(raw.known("credentials"), strict_fields)?;
    check_fields(&raw, &UPDATE_FIELDS, strict_fields, |_| None)?;
    Ok(Checked {
        json: text.to_string(),
        external_guid: None,
        secrets,
    })
}

/// Checks `credentials` and returns the response values (to be masked). Rules: a non-empty
/// array of `{"field_name": string, "response": string}` objects; each name once; `login` and
/// `password` together or `userkey` alone; other names, and other keys in an item, only in
/// lenient mode.
fn credentials(value: Option<&Value>, strict_fields: bool) -> Result<Vec<String>, Error> {
    let bad = |why: String| Err(Error::Validation(format!("credentials: {why}")));
    let Some(value) = value else {
        return Err(Error::Validation(
            "json_body has no credentials; give an array such as [{\"field_name\": \"userkey\", \
             \"response\": \"...\"}] (login with password, or userkey alone)"
                .into(),
        ));
    };
    let Value::Array(items) = value else {
        return bad(format!(
            "must be an array of {{\"field_name\", \"response\"}} objects, got {}",
            json_kind(value)
        ));
    };
    if items.is_empty() {
        return bad("the array is empty; give login with password, or userkey".into());
    }
    let mut names: Vec<&str> = Vec::with_capacity(items.len());
    let mut secrets = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let Value::Object(fields) = item else {
            return bad(format!(
                "item {i} must be an object {{\"field_name\": ..., \"response\": ...}}, got {}",
                json_kind(item)
            ));
        };
        let name = match fields.get("field_name") {
            Some(Value::String(name)) => name.as_str(),
            Some(other) => {
                return bad(format!(
                    "item {i}: field_name must be a string, got {}",
                    json_kind(other)
                ))
            }
            None => return bad(format!("item {i} has no field_name")),
        };
        match fields.get("response") {
            // `***` is what every mx-sso print of a credential shows (Go's json.Marshal of a
            // Credential too): a masked copy sent back would replace the real value at MX.
            Some(Value::String(response)) if response == "***" => {
                return bad(format!(
                    "item {i} ({}): response is \"***\", a masked copy of a credential (as \
                     printed or marshalled for a log), not its value",
                    printable(name)
                ))
            }
            Some(Value::String(response)) => secrets.push(response.clone()),
            Some(other) => {
                return bad(format!(
                    "item {i} ({}): response must be a string, got {}",
                    printable(name),
                    json_kind(other)
                ))
            }
            None => return bad(format!("item {i} ({}) has no response", printable(name))),
        }
        if strict_fields {
            if let Some(extra) = fields
                .keys()
                .find(|k| *k != "field_name" && *k != "response")
            {
                return bad(format!(
                    "item {i} ({}) has unknown key `{}`; an item holds field_name and response only",
                    printable(name),
                    printable(extra)
                ));
            }
            if !DOCUMENTED_NAMES.contains(&name) {
                return bad(format!(
                    "item {i} has field_name \"{}\"; accepted: login with password, or userkey \
                     (other names only with strict_fields false)",
                    printable(name)
                ));
            }
        }
        if names.contains(&name) {
            return bad(format!(
                "field_name \"{}\" appears more than once; give each credential once",
                printable(name)
            ));
        }
        names.push(name);
    }
    let has = |n: &str| names.contains(&n);
    let pairing = match (has("login"), has("password"), has("userkey")) {
        (true, false, _) => Some("login needs password with it"),
        (false, true, _) => Some("password needs login with it"),
        (true, true, true) => Some("userkey goes alone, not with login and password"),
        (false, false, false) if strict_fields => Some("give login with password, or userkey"),
        _ => None,
    };
    match pairing {
        Some(why) => bad(why.into()),
        None => Ok(secrets),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "hunter2-SECRET-VALUE";

    fn cred(name: &str) -> String {
        format!(r#"{{"field_name": "{name}", "response": "{SECRET}"}}"#)
    }

    fn create_with(creds: &str, strict: bool) -> Result<Checked, Error> {
        check_create(
            &format!(r#"{{"external_user_guid": "u-1", "credentials": {creds}}}"#),
            strict,
        )
    }

    #[test]
    fn accepted_credential_sets() {
        for set in [
            format!("[{}]", cred("userkey")),
            format!("[{}, {}]", cred("login"), cred("password")),
            format!("[{}, {}]", cred("password"), cred("login")),
        ] {
            let checked = create_with(&set, true).unwrap_or_else(|e| panic!("{set}: {e}"));
            assert!(checked.secrets.iter().all(|s| s == SECRET));
        }
        let lenient = create_with(&format!("[{}]", cred("pin")), false).unwrap();
        assert_eq!(lenient.secrets, vec![SECRET.to_string()]);
    }

    #[test]
    fn refused_credential_sets_name_the_problem_and_never_the_value() {
        let cases = [
            ("[]".to_string(), "empty"),
            ("{}".to_string(), "must be an array"),
            ("[1]".to_string(), "item 0 must be an object"),
            (format!("[{}]", cred("login")), "login needs password"),
            (format!("[{}]", cred("password")), "password needs login"),
            (
                format!(
                    "[{}, {}, {}]",
                    cred("login"),
                    cred("password"),
                    cred("userkey")
                ),
                "userkey goes alone",
            ),
            (
                format!("[{}, {}]", cred("userkey"), cred("userkey")),
                "more than once",
            ),
            (format!("[{}]", cred("pin")), "field_name \"pin\""),
            (
                r#"[{"field_name": "userkey"}]"#.to_string(),
                "has no response",
            ),
            (
                r#"[{"field_name": "userkey", "response": 5}]"#.to_string(),
                "response must be a string",
            ),
            (r#"[{"response": "x"}]"#.to_string(), "has no field_name"),
            (
                r#"[{"field_name": "userkey", "response": "***"}]"#.to_string(),
                "a masked copy",
            ),
            (
                format!(r#"[{{"field_name": "userkey", "response": "{SECRET}", "x": 1}}]"#),
                "unknown key `x`",
            ),
        ];
        for (set, needle) in cases {
            let err = create_with(&set, true).unwrap_err().to_string();
            assert!(err.contains(needle), "{set}: {err}");
            assert!(!err.contains(SECRET), "{err}");
        }
    }

    #[test]
    fn the_owner_and_the_guids() {
        let c = cred("userkey");
        let cases = [
            (format!(r#"{{"credentials": [{c}]}}"#), "names no user"),
            (
                format!(
                    r#"{{"user_guid": "USR-1", "external_user_guid": "u", "credentials": [{c}]}}"#
                ),
                "both",
            ),
            (
                format!(
                    r#"{{"user_guid": "USR-1", "external_member_guid": "mbr-1", "credentials": [{c}]}}"#
                ),
                "MBR-",
            ),
            (
                format!(r#"{{"user_guid": "", "credentials": [{c}]}}"#),
                "user_guid is empty",
            ),
            (
                format!(r#"{{"user_guid": "USR-1", "name": 5, "credentials": [{c}]}}"#),
                "name must be a string",
            ),
            (
                format!(r#"{{"user_guid": "USR-1", "nmae": "x", "credentials": [{c}]}}"#),
                "unknown field `nmae`",
            ),
            (r#"{"user_guid": "USR-1"}"#.to_string(), "no credentials"),
        ];
        for (body, needle) in cases {
            let err = check_create(&body, true).unwrap_err().to_string();
            assert!(err.contains(needle), "{body}: {err}");
            assert!(!err.contains(SECRET), "{err}");
        }
        let ok = check_create(
            &format!(r#"{{"user_guid": "USR-1", "external_member_guid": "M-1", "name": "Bank", "institution_guid": "INS-1", "credentials": [{c}]}}"#),
            true,
        )
        .unwrap();
        assert_eq!(ok.external_guid.as_deref(), Some("M-1"));
    }

    #[test]
    fn update_takes_credentials_only_in_strict_mode() {
        let c = cred("userkey");
        assert!(check_update(&format!(r#"{{"credentials": [{c}]}}"#), true).is_ok());
        let err = check_update(&format!(r#"{{"credentials": [{c}], "name": "x"}}"#), true)
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field `name`"), "{err}");
        assert!(check_update(&format!(r#"{{"credentials": [{c}], "name": "x"}}"#), false).is_ok());
        assert!(check_update("{}", true)
            .unwrap_err()
            .to_string()
            .contains("no credentials"));
    }
}

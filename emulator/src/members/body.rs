//! Validation of create-member and update-member bodies (MX's create-member page: exactly one
//! of `user_guid` / `external_user_guid`, `credentials` with `login` + `password` or `userkey`
//! alone, optional `external_member_guid`, `name`, `institution_guid`).
//!
//! Only "Invalid format for external member guid" is documented by MX; every other text here is
//! an inference listed in the README. No text ever echoes a credential's `response`.

use crate::errors::{string_field, MxError};
use serde_json::{Map, Value};

/// The documented answer to an external member guid that begins with `MBR-` (any case).
pub(crate) const INVALID_EXTERNAL_MEMBER_GUID: &str = "Invalid format for external member guid";

/// The owning user, as named in a create-member body.
pub(crate) enum Owner {
    /// `user_guid`: an MX user guid.
    Guid(String),
    /// `external_user_guid`.
    External(String),
}

/// A validated create-member body (a seed member may also fix its `guid`).
pub(crate) struct NewMember {
    pub owner: Owner,
    pub credentials: Vec<(String, String)>,
    pub external_member_guid: Option<String>,
    pub name: Option<String>,
    pub institution_guid: Option<String>,
    pub guid: Option<String>,
}

fn bad(message: impl Into<String>) -> MxError {
    MxError::bad_request(message)
}

fn unknown_field(name: &str) -> MxError {
    bad(format!("Unknown attribute '{name}' for member."))
}

/// `credentials`: a non-empty array of `{"field_name": str, "response": str}` whose names are
/// exactly `login` and `password`, or `userkey` alone.
pub(crate) fn credentials(value: Option<&Value>) -> Result<Vec<(String, String)>, MxError> {
    let Some(value) = value else {
        return Err(bad("Credentials are required."));
    };
    let items = match value {
        Value::Array(items) if !items.is_empty() => items,
        _ => return Err(bad("Credentials must be a non-empty array.")),
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let pair = item.as_object().and_then(|o| {
            if o.len() != 2 {
                return None;
            }
            let name = o.get("field_name")?.as_str()?;
            let response = o.get("response")?.as_str()?;
            Some((name.to_string(), response.to_string()))
        });
        out.push(pair.ok_or_else(|| {
            bad("Invalid format for credentials: each must be {\"field_name\": string, \"response\": string}.")
        })?);
    }
    let mut names: Vec<&str> = out.iter().map(|(n, _)| n.as_str()).collect();
    names.sort_unstable();
    if names != ["login", "password"] && names != ["userkey"] {
        return Err(bad(
            "Credentials must be login and password, or userkey alone.",
        ));
    }
    Ok(out)
}

fn external_member_guid(value: &Value) -> Result<String, MxError> {
    let text = value
        .as_str()
        .ok_or_else(|| bad(INVALID_EXTERNAL_MEMBER_GUID))?;
    let reserved = text
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case("MBR-"));
    if text.is_empty() || reserved {
        return Err(bad(INVALID_EXTERNAL_MEMBER_GUID));
    }
    Ok(text.to_string())
}

fn owner_field(name: &str, value: &Value) -> Result<String, MxError> {
    match value.as_str() {
        Some(s) if !s.is_empty() => Ok(s.to_string()),
        _ => Err(bad(format!(
            "Invalid format for {}.",
            name.replace('_', " ")
        ))),
    }
}

/// Validates a create-member body; `seed` also allows a fixed `guid` (`MBR-…`).
pub(crate) fn create(map: &Map<String, Value>, seed: bool) -> Result<NewMember, MxError> {
    let mut user_guid = None;
    let mut external_user_guid = None;
    let mut new = NewMember {
        owner: Owner::Guid(String::new()),
        credentials: Vec::new(),
        external_member_guid: None,
        name: None,
        institution_guid: None,
        guid: None,
    };
    for (name, value) in map {
        match name.as_str() {
            "user_guid" => user_guid = Some(owner_field(name, value)?),
            "external_user_guid" => external_user_guid = Some(owner_field(name, value)?),
            "credentials" => {}
            "external_member_guid" => {
                new.external_member_guid = Some(external_member_guid(value)?);
            }
            "name" => new.name = Some(string_field(name, value)?),
            "institution_guid" => new.institution_guid = Some(string_field(name, value)?),
            "guid" if seed => {
                let text = string_field(name, value)?;
                if !text.starts_with("MBR-") {
                    return Err(bad("A seed member's guid must start with MBR-."));
                }
                new.guid = Some(text);
            }
            _ => return Err(unknown_field(name)),
        }
    }
    new.owner = match (user_guid, external_user_guid) {
        (Some(guid), None) => Owner::Guid(guid),
        (None, Some(ext)) => Owner::External(ext),
        (Some(_), Some(_)) => {
            return Err(bad(
                "Only one of user guid and external user guid may be given.",
            ))
        }
        (None, None) => return Err(bad("A user guid or an external user guid is required.")),
    };
    new.credentials = credentials(map.get("credentials"))?;
    Ok(new)
}

/// Validates an update-member body: `credentials` and nothing else.
pub(crate) fn update(map: &Map<String, Value>) -> Result<Vec<(String, String)>, MxError> {
    if let Some(name) = map.keys().find(|k| *k != "credentials") {
        return Err(unknown_field(name));
    }
    credentials(map.get("credentials"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn creds(v: Value) -> Result<Vec<(String, String)>, String> {
        credentials(Some(&v)).map_err(|e| e.message)
    }

    #[test]
    fn credential_sets() {
        let ok = creds(json!([{"field_name":"password","response":"p"},
                              {"field_name":"login","response":"l"}]))
        .unwrap();
        assert_eq!(ok[0], ("password".to_string(), "p".to_string()));
        assert!(creds(json!([{"field_name":"userkey","response":"k"}])).is_ok());
        let set = "Credentials must be login and password, or userkey alone.";
        for bad_set in [
            json!([{"field_name":"login","response":"l"}]),
            json!([{"field_name":"userkey","response":"k"},{"field_name":"login","response":"l"}]),
            json!([{"field_name":"login","response":"l"},{"field_name":"login","response":"m"}]),
            json!([{"field_name":"pin","response":"1"}]),
        ] {
            assert_eq!(creds(bad_set).unwrap_err(), set);
        }
        for bad_shape in [
            json!([{"field_name":"userkey"}]),
            json!([{"field_name":"userkey","response":1}]),
            json!([{"field_name":"userkey","response":"k","x":1}]),
            json!(["userkey"]),
        ] {
            let err = creds(bad_shape).unwrap_err();
            assert!(err.starts_with("Invalid format for credentials"), "{err}");
        }
        assert_eq!(
            creds(json!([])).unwrap_err(),
            "Credentials must be a non-empty array."
        );
        assert_eq!(
            credentials(None).unwrap_err().message,
            "Credentials are required."
        );
    }

    #[test]
    fn errors_never_echo_a_response() {
        let err = creds(json!([{"field_name":"secret-name","response":"hunter2"}])).unwrap_err();
        assert!(!err.contains("hunter2"));
    }

    #[test]
    fn reserved_prefix_in_any_case() {
        for bad_guid in ["MBR-1", "mbr-1", "Mbr-x", ""] {
            assert_eq!(
                external_member_guid(&json!(bad_guid)).unwrap_err().message,
                INVALID_EXTERNAL_MEMBER_GUID
            );
        }
        assert!(external_member_guid(&json!("M-USR-1")).is_ok());
    }
}

//! Request bodies as MX documents them, and every check made before anything is sent.
//!
//! Every body is one JSON object of at most [`MAX_BODY_BYTES`] with no repeated key. Each
//! operation names its [`Rules`]: which fields are documented, of what kind, which are required.
//! A failed check is a [`Error::Validation`] whose message names the field, the problem and what
//! is accepted; nothing is sent. With `strict_fields` false, undocumented fields are sent as given.

mod fields;
mod member;
mod user;

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::Value;

use crate::error::Error;
use fields::printable;

pub use user::{ExtraFields, Sex, UserStatus, UserUpdate, FIELDS};

/// Longest accepted body, in bytes. The documented fields fit in far less.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The rules of one kind of body (design "Body rules").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rules {
    /// Update user: at least one profile field or `status`.
    UpdateUser,
    /// Create user: `external_user_guid` (required in strict mode) and the profile fields.
    CreateUser,
    /// Create member: the owning user, `credentials`, optional guid, name and institution.
    CreateMember,
    /// Update member: `credentials` only.
    UpdateMember,
}

/// A body that passed its rules: the JSON to send and what the request path needs of it.
#[derive(Clone, PartialEq)]
pub(crate) struct Checked {
    /// The JSON text sent to MX.
    pub json: String,
    /// The partner guid a create carries (`external_user_guid`, `external_member_guid`), by
    /// which an unknown outcome is resolved.
    pub external_guid: Option<String>,
    /// Credential values: masked in every message, never in an event.
    pub secrets: Vec<String>,
}

impl fmt::Debug for Checked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Checked")
            .field("external_guid", &self.external_guid)
            .finish_non_exhaustive()
    }
}

impl Rules {
    /// Checks `text` against these rules.
    pub(crate) fn check(self, text: &str, strict_fields: bool) -> Result<Checked, Error> {
        match self {
            Rules::UpdateUser => {
                let update = UserUpdate::from_json(text, strict_fields)?;
                Ok(Checked {
                    json: update.to_json(),
                    external_guid: None,
                    secrets: Vec::new(),
                })
            }
            Rules::CreateUser => user::check_create(text, strict_fields),
            Rules::CreateMember => member::check_create(text, strict_fields),
            Rules::UpdateMember => member::check_update(text, strict_fields),
        }
    }
}

/// Checks the size, parses the object and refuses repeated keys. Fields named in `known` are
/// parsed as values to check; others are kept as their exact text.
pub(crate) fn parse_object(text: &str, known: &[&str]) -> Result<RawBody, Error> {
    if text.len() > MAX_BODY_BYTES {
        return Err(Error::Validation(format!(
            "json_body is {} bytes; at most {MAX_BODY_BYTES} bytes are accepted",
            text.len()
        )));
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let raw = RawBodySeed { known }
        .deserialize(&mut de)
        .and_then(|raw| de.end().map(|()| raw));
    raw.map_err(body_error)
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
pub(crate) enum RawField {
    Known(Value),
    Unknown(Box<RawValue>),
}

/// The body as parsed, before each field's type is checked: a JSON object without repeated
/// keys, in the order given.
pub(crate) struct RawBody(pub Vec<(String, RawField)>);

impl RawBody {
    /// The value of a documented field, if given.
    pub(crate) fn known(&self, name: &str) -> Option<&Value> {
        self.0.iter().find_map(|(k, f)| match f {
            RawField::Known(v) if k == name => Some(v),
            _ => None,
        })
    }
}

/// The message for an undocumented field in strict mode.
pub(crate) fn unknown_field(name: &str, accepted: &[&str]) -> Error {
    Error::Validation(format!(
        "json_body has unknown field `{}`; accepted fields: {}",
        printable(name),
        accepted.join(", ")
    ))
}

struct RawBodySeed<'a> {
    known: &'a [&'a str],
}

impl<'de> de::DeserializeSeed<'de> for RawBodySeed<'_> {
    type Value = RawBody;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<RawBody, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RawBodySeed<'_> {
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
            let value = if self.known.contains(&key.as_str()) {
                RawField::Known(map.next_value::<Value>()?)
            } else {
                RawField::Unknown(map.next_value::<Box<RawValue>>()?)
            };
            fields.push((key, value));
        }
        Ok(RawBody(fields))
    }
}

/// Checks every documented field of `raw` against `rules_fields` and refuses undocumented ones in
/// strict mode (`extra_message` may word that refusal for a particular name). `raw` must have
/// been parsed with the names of `rules_fields` as its known fields.
pub(crate) fn check_fields(
    raw: &RawBody,
    rules_fields: &[fields::Field],
    strict_fields: bool,
    extra_message: impl Fn(&str) -> Option<Error>,
) -> Result<(), Error> {
    for (name, field) in &raw.0 {
        match field {
            RawField::Known(value) => {
                if let Some(rule) = rules_fields.iter().find(|f| f.name == name) {
                    fields::check(rule, value)?;
                }
            }
            RawField::Unknown(_) if strict_fields => {
                if let Some(e) = extra_message(name) {
                    return Err(e);
                }
                let names: Vec<&str> = rules_fields.iter().map(|f| f.name).collect();
                return Err(unknown_field(name, &names));
            }
            RawField::Unknown(_) => {}
        }
    }
    Ok(())
}

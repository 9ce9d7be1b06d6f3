//! Checks of single body fields, shared by every body's rules: the value kinds MX documents
//! (strings, enumerations, integers, dates, postal codes, partner guids) and how a failure is
//! worded. A message names the field and what is accepted, never a secret value.

use serde::Deserialize;
use serde_json::Value;

use crate::error::Error;
use crate::url::MAX_ID_BYTES;

/// What a documented field holds.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Kind {
    /// Any JSON string.
    Text,
    /// One of these strings, exactly.
    OneOf(&'static [&'static str]),
    /// An integer that fits in a signed 64-bit integer.
    Integer,
    /// `YYYY-MM-DD`, a real calendar date.
    Date,
    /// A US ZIP code or a Canadian postal code.
    ZipCode,
    /// An MX guid or a partner's guid: the id rules (non-empty, at most 1024 bytes, no control
    /// characters).
    Guid,
    /// A partner's guid that must not begin with MX's own prefix (`USR-`, `MBR-`) in any case.
    ExternalGuid { reserved_prefix: &'static str },
    /// A member's credentials (checked by `body::member`).
    Credentials,
}

/// A documented body field.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Field {
    pub name: &'static str,
    pub kind: Kind,
}

/// Checks one field's value against its kind (credentials excepted: see `body::member`).
pub(crate) fn check(field: &Field, value: &Value) -> Result<(), Error> {
    let name = field.name;
    match field.kind {
        Kind::Text => string_ref(name, value).map(drop),
        Kind::OneOf(accepted) => match value {
            Value::String(s) if accepted.contains(&s.as_str()) => Ok(()),
            other => Err(Error::Validation(format!(
                "{name} is {}; accepted values: {}",
                shown(other),
                accepted.join(" or ")
            ))),
        },
        Kind::Integer => integer_field(name, value.clone()).map(drop),
        Kind::Date => check_birthdate(string_ref(name, value)?),
        Kind::ZipCode => check_zip_code(string_ref(name, value)?),
        Kind::Guid => guid(name, value).map(drop),
        Kind::ExternalGuid { reserved_prefix } => {
            let text = guid(name, value)?;
            let head = text.get(..reserved_prefix.len()).unwrap_or("");
            if head.eq_ignore_ascii_case(reserved_prefix) {
                return Err(Error::Validation(format!(
                    "{name} begins with \"{head}\"; MX reserves the prefix {reserved_prefix} (in any \
                     letter case) for its own guids, so choose a partner guid without it"
                )));
            }
            Ok(())
        }
        Kind::Credentials => Ok(()),
    }
}

/// A string field holding an id; the value is not echoed (a guid is not secret, but the rules
/// are the same as for the API key, whose checks never echo).
fn guid<'v>(name: &str, value: &'v Value) -> Result<&'v str, Error> {
    let text = string_ref(name, value)?;
    if text.is_empty() {
        return Err(Error::Validation(format!(
            "{name} is empty; expected a guid"
        )));
    }
    if text.len() > MAX_ID_BYTES {
        return Err(Error::Validation(format!(
            "{name} is {} bytes long; at most {MAX_ID_BYTES} bytes are accepted",
            text.len()
        )));
    }
    if text.chars().any(char::is_control) {
        return Err(Error::Validation(format!(
            "{name} contains a control character; control characters are not accepted"
        )));
    }
    Ok(text)
}

pub(crate) fn string_ref<'v>(name: &str, value: &'v Value) -> Result<&'v str, Error> {
    match value {
        Value::String(s) => Ok(s),
        other => Err(not_a_string(name, other)),
    }
}

fn not_a_string(name: &str, value: &Value) -> Error {
    Error::Validation(format!("{name} must be a string, got {}", json_kind(value)))
}

/// How a rejected value is shown: a string quoted printably, anything else by its kind.
fn shown(value: &Value) -> String {
    match value {
        Value::String(s) => format!("\"{}\"", printable(s)),
        other => json_kind(other).to_string(),
    }
}

pub(crate) fn string_field(field: &str, value: Value) -> Result<String, Error> {
    match value {
        Value::String(s) => Ok(s),
        other => Err(not_a_string(field, &other)),
    }
}

pub(crate) fn enum_field<T: for<'de> Deserialize<'de>>(
    field: &str,
    value: Value,
    accepted: &[&str],
) -> Result<T, Error> {
    // Deserialized from a borrow so that the rejected value is only formatted on failure.
    T::deserialize(&value).map_err(|_| {
        Error::Validation(format!(
            "{field} is {}; accepted values: {}",
            shown(&value),
            accepted.join(" or ")
        ))
    })
}

pub(crate) fn integer_field(field: &str, value: Value) -> Result<i64, Error> {
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

pub(crate) fn json_kind(value: &Value) -> &'static str {
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
pub(crate) fn printable(s: &str) -> String {
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
pub(crate) fn check_birthdate(date: &str) -> Result<(), Error> {
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
pub(crate) fn check_zip_code(zip: &str) -> Result<(), Error> {
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

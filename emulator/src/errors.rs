//! MX's error answer (`{"error": "..."}` with an HTTP status) and the request-body helpers that
//! the user and member resources share.

use serde_json::{Map, Value};

/// An MX error answer: HTTP status and the `error` text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MxError {
    /// HTTP status MX answers with.
    pub status: u16,
    /// The text of MX's `{"error": "..."}` body.
    pub message: String,
}

impl MxError {
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        MxError {
            status: 400,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for MxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status, self.message)
    }
}

impl std::error::Error for MxError {}

/// The error type of user operations (kept under its 0.1 name).
pub type UserError = MxError;
/// The error type of member operations.
pub type MemberError = MxError;

pub(crate) fn parse_object(body: &[u8]) -> Result<Map<String, Value>, MxError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|_| MxError::bad_request("Request body is not valid JSON."))?;
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(MxError::bad_request("Request body must be a JSON object.")),
    }
}

pub(crate) fn string_field(name: &str, value: &Value) -> Result<String, MxError> {
    match value {
        Value::String(s) => Ok(s.clone()),
        _ => Err(MxError::bad_request(format!(
            "Invalid format for {}.",
            name.replace('_', " ")
        ))),
    }
}

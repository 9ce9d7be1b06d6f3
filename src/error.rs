//! The one error type of the library, its mapping onto the C status codes, and the JSON error
//! object that every failed C call hands back.
//!
//! Messages are written for a person reading a log: they name the problem and what is accepted.
//! None of them ever holds the API key: every text that may come from elsewhere (ureq's error
//! texts can contain the whole URL) goes through [`redact`] first.

use std::ffi::CStr;

use serde_json::json;

/// The status of a call, as the C ABI numbers it (`mx_status` in `mx_sso.h`).
///
/// The numbers are part of the public ABI: never renumber or reuse one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    Ok = 0,
    InvalidArgument = 1,
    Validation = 2,
    Http = 3,
    Timeout = 4,
    Transport = 5,
    Response = 6,
    Internal = 7,
}

impl Status {
    /// Every status, in numeric order.
    pub const ALL: [Status; 8] = [
        Status::Ok,
        Status::InvalidArgument,
        Status::Validation,
        Status::Http,
        Status::Timeout,
        Status::Transport,
        Status::Response,
        Status::Internal,
    ];

    /// The C name of the status, as it appears in the header and in error objects.
    pub fn name(self) -> &'static str {
        match self {
            Status::Ok => "MX_OK",
            Status::InvalidArgument => "MX_ERR_INVALID_ARGUMENT",
            Status::Validation => "MX_ERR_VALIDATION",
            Status::Http => "MX_ERR_HTTP",
            Status::Timeout => "MX_ERR_TIMEOUT",
            Status::Transport => "MX_ERR_TRANSPORT",
            Status::Response => "MX_ERR_RESPONSE",
            Status::Internal => "MX_ERR_INTERNAL",
        }
    }

    /// A short fixed description of the status (the text `mx_status_str` returns).
    pub fn description(self) -> &'static CStr {
        match self {
            Status::Ok => c"success",
            Status::InvalidArgument => {
                c"invalid argument (NULL pointer, text that is not UTF-8, or bad options)"
            }
            Status::Validation => {
                c"the request breaks a documented constraint of the API; nothing was sent"
            }
            Status::Http => c"the server answered with an HTTP error status",
            Status::Timeout => c"the connect timeout or the overall deadline passed",
            Status::Transport => {
                c"transport failure (DNS, connect, TLS, or connection closed without an answer)"
            }
            Status::Response => c"the server's success answer is not JSON or is too large",
            Status::Internal => c"internal error in mx-sso (a bug); please report it",
        }
    }

    /// The status with this number, if there is one.
    pub fn from_code(code: i64) -> Option<Status> {
        Status::ALL.into_iter().find(|s| *s as i64 == code)
    }
}

/// What went wrong in a call. Each variant maps onto one [`Status`].
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A NULL pointer, text that is not UTF-8, or unusable client options.
    #[error("{0}")]
    InvalidArgument(String),

    /// The request breaks a documented constraint; nothing was sent.
    #[error("{0}")]
    Validation(String),

    /// The server answered with a non-2xx status.
    #[error("{message}")]
    Http {
        status: u16,
        /// MX's own `error` text, when the body had one.
        mx_error: Option<String>,
        message: String,
        attempts: u32,
    },

    /// The connect timeout or the overall deadline passed.
    #[error("{message}")]
    Timeout { message: String, attempts: u32 },

    /// DNS, connect, TLS or a connection closed without an answer.
    #[error("{message}")]
    Transport { message: String, attempts: u32 },

    /// A 2xx answer whose body is not JSON or is larger than allowed.
    #[error("{message}")]
    Response {
        status: u16,
        message: String,
        attempts: u32,
    },

    /// A bug: a caught panic or an impossible state.
    #[error("{0}")]
    Internal(String),
}

impl Error {
    /// The C status this error is reported as.
    pub fn status(&self) -> Status {
        match self {
            Error::InvalidArgument(_) => Status::InvalidArgument,
            Error::Validation(_) => Status::Validation,
            Error::Http { .. } => Status::Http,
            Error::Timeout { .. } => Status::Timeout,
            Error::Transport { .. } => Status::Transport,
            Error::Response { .. } => Status::Response,
            Error::Internal(_) => Status::Internal,
        }
    }

    /// The HTTP status of the answer this error comes from, if an answer came.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Error::Http { status, .. } | Error::Response { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// How many requests were sent, where the error comes from a call that sent any.
    pub fn attempts(&self) -> Option<u32> {
        match self {
            Error::Http { attempts, .. }
            | Error::Timeout { attempts, .. }
            | Error::Transport { attempts, .. }
            | Error::Response { attempts, .. } => Some(*attempts),
            Error::InvalidArgument(_) | Error::Validation(_) => Some(0),
            Error::Internal(_) => None,
        }
    }

    /// MX's own `error` text, when the server sent one.
    pub fn mx_error(&self) -> Option<&str> {
        match self {
            Error::Http { mx_error, .. } => mx_error.as_deref(),
            _ => None,
        }
    }

    /// The same error with `f` applied to every text it carries.
    pub(crate) fn map_messages(self, f: impl Fn(&str) -> String) -> Error {
        match self {
            Error::InvalidArgument(m) => Error::InvalidArgument(f(&m)),
            Error::Validation(m) => Error::Validation(f(&m)),
            Error::Http {
                status,
                mx_error,
                message,
                attempts,
            } => Error::Http {
                status,
                mx_error: mx_error.map(|m| f(&m)),
                message: f(&message),
                attempts,
            },
            Error::Timeout { message, attempts } => Error::Timeout {
                message: f(&message),
                attempts,
            },
            Error::Transport { message, attempts } => Error::Transport {
                message: f(&message),
                attempts,
            },
            Error::Response {
                status,
                message,
                attempts,
            } => Error::Response {
                status,
                message: f(&message),
                attempts,
            },
            Error::Internal(m) => Error::Internal(f(&m)),
        }
    }

    /// The error object handed to C callers:
    /// `{"error": {"code": "MX_ERR_HTTP", "message": "...", "http_status": 400, ...}}`.
    pub fn to_json(&self) -> String {
        let mut error = json!({
            "code": self.status().name(),
            "message": self.to_string(),
            "http_status": self.http_status(),
        });
        if let Some(attempts) = self.attempts() {
            error["attempts"] = json!(attempts);
        }
        if let Some(mx_error) = self.mx_error() {
            error["mx_error"] = json!(mx_error);
        }
        json!({ "error": error }).to_string()
    }
}

/// Masks the API key in a text that may contain a URL or the key itself.
///
/// Every `k=` query parameter value becomes `***`, and so does every occurrence of `api_key`,
/// raw or percent-encoded. Used on every text that did not come from this crate's own format
/// strings (ureq's error texts can contain the whole request URL).
pub fn redact(text: &str, api_key: &str) -> String {
    let mut out = mask_query_key(text);
    if !api_key.is_empty() {
        for form in [api_key.to_string(), crate::model::percent_encode(api_key)] {
            if !form.is_empty() && out.contains(&form) {
                out = out.replace(&form, "***");
            }
        }
    }
    out
}

/// Replaces the value of every `k=` parameter that follows `?` or `&` with `***`.
pub(crate) fn mask_query_key(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = find_key_param(rest) {
        let value_start = pos + 2;
        out.push_str(&rest[..value_start]);
        out.push_str("***");
        let tail = &rest[value_start..];
        let value_len = tail
            .find(|c: char| c == '&' || c == '#' || c.is_whitespace() || c == '"' || c == '\'')
            .unwrap_or(tail.len());
        rest = &tail[value_len..];
    }
    out.push_str(rest);
    out
}

/// The byte offset of the next `k=` that starts a query parameter (preceded by `?` or `&`).
fn find_key_param(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    (1..bytes.len().saturating_sub(1))
        .find(|&i| bytes[i] == b'k' && bytes[i + 1] == b'=' && matches!(bytes[i - 1], b'?' | b'&'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_numbers_are_the_abi() {
        for (n, status) in Status::ALL.iter().enumerate() {
            assert_eq!(*status as usize, n);
        }
    }

    #[test]
    fn redact_masks_key_parameter_and_literal_key() {
        let text = "http://h/user/x?k=s3cr%2Ft&c=CLT-1 failed; key s3cr/t";
        let out = redact(text, "s3cr/t");
        assert_eq!(out, "http://h/user/x?k=***&c=CLT-1 failed; key ***");
        assert_eq!(redact("a?c=1&k=abc", ""), "a?c=1&k=***");
        assert_eq!(redact("no url here", "zz"), "no url here");
    }

    #[test]
    fn error_json_has_the_documented_shape() {
        let err = Error::Http {
            status: 400,
            mx_error: Some("User with guid X not found.".into()),
            message: "MX answered HTTP 400".into(),
            attempts: 1,
        };
        let v: serde_json::Value = serde_json::from_str(&err.to_json()).unwrap();
        assert_eq!(v["error"]["code"], "MX_ERR_HTTP");
        assert_eq!(v["error"]["http_status"], 400);
        assert_eq!(v["error"]["attempts"], 1);
        assert_eq!(v["error"]["mx_error"], "User with guid X not found.");
        let v: serde_json::Value =
            serde_json::from_str(&Error::Validation("bad".into()).to_json()).unwrap();
        assert!(v["error"]["http_status"].is_null());
        assert_eq!(v["error"]["code"], "MX_ERR_VALIDATION");
    }
}

//! The one error type of the library, its mapping onto the statuses, and the JSON error object
//! that every failed C call hands back.
//!
//! Messages are written for a person reading a log: they name the problem and what is accepted.
//! None of them ever holds a secret: every text that may come from elsewhere (ureq's error texts
//! can contain the whole URL) goes through [`crate::redact`] first.

use serde_json::json;

pub use crate::status::Status;

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
    Transport {
        message: String,
        attempts: u32,
        /// The proxy answered CONNECT with 407 (or 401): it refused the credentials of the
        /// proxy setting, or asked for some. See [`Error::is_proxy_credentials_refused`].
        proxy_credentials_refused: bool,
    },

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

    /// True when the proxy refused the credentials of the proxy setting (or asked for some it
    /// was not given): it answered CONNECT with 407 or 401. Such a call is never retried, and a
    /// caller making many calls should stop making them until the proxy setting is fixed: each
    /// further call sends the wrong password again, and a proxy may lock the account. The
    /// error is still [`Status::Transport`] with the same message.
    pub fn is_proxy_credentials_refused(&self) -> bool {
        matches!(
            self,
            Error::Transport {
                proxy_credentials_refused: true,
                ..
            }
        )
    }

    /// MX's own `error` text, when the server sent one.
    pub fn mx_error(&self) -> Option<&str> {
        match self {
            Error::Http { mx_error, .. } => mx_error.as_deref(),
            _ => None,
        }
    }

    /// The same error with `f` applied to its message only (to add what the call knows).
    pub(crate) fn with_message(self, f: impl FnOnce(&str) -> String) -> Error {
        let mut f = Some(f);
        self.map_texts(|m| f.take().map_or_else(|| m.to_string(), |f| f(m)), |m| m)
    }

    /// The same error with `attempts` set to the call's total (an error from a read-back or an
    /// earlier step carries the count of its own moment).
    pub(crate) fn with_attempts(self, total: u32) -> Error {
        match self {
            Error::Http {
                status,
                mx_error,
                message,
                ..
            } => Error::Http {
                status,
                mx_error,
                message,
                attempts: total,
            },
            Error::Timeout { message, .. } => Error::Timeout {
                message,
                attempts: total,
            },
            Error::Transport {
                message,
                proxy_credentials_refused,
                ..
            } => Error::Transport {
                message,
                attempts: total,
                proxy_credentials_refused,
            },
            Error::Response {
                status, message, ..
            } => Error::Response {
                status,
                message,
                attempts: total,
            },
            other => other,
        }
    }

    /// The same error with `f` applied to every text it carries.
    pub(crate) fn map_messages(self, f: impl Fn(&str) -> String) -> Error {
        self.map_texts(&f, |m| f(&m))
    }

    fn map_texts(
        self,
        mut message: impl FnMut(&str) -> String,
        mut mx_text: impl FnMut(String) -> String,
    ) -> Error {
        match self {
            Error::InvalidArgument(m) => Error::InvalidArgument(message(&m)),
            Error::Validation(m) => Error::Validation(message(&m)),
            Error::Http {
                status,
                mx_error,
                message: m,
                attempts,
            } => Error::Http {
                status,
                mx_error: mx_error.map(&mut mx_text),
                message: message(&m),
                attempts,
            },
            Error::Timeout {
                message: m,
                attempts,
            } => Error::Timeout {
                message: message(&m),
                attempts,
            },
            Error::Transport {
                message: m,
                attempts,
                proxy_credentials_refused,
            } => Error::Transport {
                message: message(&m),
                attempts,
                proxy_credentials_refused,
            },
            Error::Response {
                status,
                message: m,
                attempts,
            } => Error::Response {
                status,
                message: message(&m),
                attempts,
            },
            Error::Internal(m) => Error::Internal(message(&m)),
        }
    }

    /// The error object handed to C callers:
    /// `{"error": {"code": "MX_ERR_HTTP", "status": 3, "message": "...", "http_status": 400, ...}}`.
    ///
    /// Invariant: the object inside `"error"` stays flat, every value a scalar (string, number or
    /// null), never an object or an array. The C++ wrapper (include/mx_sso.hpp) relies on it: it
    /// finds a field by the text `"key":` without a JSON parser, which is unambiguous only while
    /// no value holds keys of its own. A test below holds every variant to it.
    pub fn to_json(&self) -> String {
        let mut error = json!({
            "code": self.status().name(),
            "status": self.status() as i32,
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

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(v["error"]["status"], 3);
        assert_eq!(v["error"]["http_status"], 400);
        assert_eq!(v["error"]["attempts"], 1);
        assert_eq!(v["error"]["mx_error"], "User with guid X not found.");
        let v: serde_json::Value =
            serde_json::from_str(&Error::Validation("bad".into()).to_json()).unwrap();
        assert!(v["error"]["http_status"].is_null());
        assert_eq!(v["error"]["code"], "MX_ERR_VALIDATION");
    }

    #[test]
    fn error_json_is_one_flat_object_of_scalars() {
        let every_variant = [
            Error::InvalidArgument("bad options".into()),
            Error::Validation("bad body".into()),
            Error::Http {
                status: 400,
                mx_error: Some("{\"nested\": [1]}".into()),
                message: "MX answered HTTP 400".into(),
                attempts: 2,
            },
            Error::Http {
                status: 503,
                mx_error: None,
                message: "MX answered HTTP 503".into(),
                attempts: 3,
            },
            Error::Timeout {
                message: "timed out".into(),
                attempts: 1,
            },
            Error::Transport {
                message: "refused".into(),
                attempts: 1,
                proxy_credentials_refused: false,
            },
            Error::Response {
                status: 200,
                message: "not JSON".into(),
                attempts: 1,
            },
            Error::Internal("panic".into()),
        ];
        for err in &every_variant {
            // A new variant fails to compile here: add it to this match and to the list above.
            match err {
                Error::InvalidArgument(_)
                | Error::Validation(_)
                | Error::Http { .. }
                | Error::Timeout { .. }
                | Error::Transport { .. }
                | Error::Response { .. }
                | Error::Internal(_) => {}
            }
            let v: serde_json::Value = serde_json::from_str(&err.to_json()).unwrap();
            let outer = v.as_object().unwrap();
            assert_eq!(outer.keys().collect::<Vec<_>>(), ["error"], "{v}");
            let inner = outer["error"].as_object().unwrap();
            for (key, value) in inner {
                assert!(
                    !value.is_object() && !value.is_array(),
                    "{key} is not a scalar in {v}"
                );
            }
        }
    }
}

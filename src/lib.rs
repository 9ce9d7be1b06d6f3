//! mx-sso: MX's SSO API v2.8 (users and members) for C, C++, Python, Go and Rust programs.
//!
//! The Rust API is the core ([`Client`], [`Operation`], [`Error`]); the C ABI in [`ffi`] is a
//! thin shell over it, and the Python and Go packages and the CLI are thin shells over that.
//! Every call is one row of the operations table ([`operation::OPERATIONS`]) and goes through
//! one request path ([`Client::call`]).
//!
//! ```no_run
//! use mx_sso::{Client, Options, UserStatus, UserUpdate};
//! let client = Client::new(Options {
//!     base_url: "https://int-api2.moneydesktop.com".into(),
//!     api_key: Some("API_KEY".into()),
//!     client_guid: Some("CLT-…".into()),
//!     ..Options::default()
//! })?;
//! let ensured = client.ensure_user(r#"{"external_user_guid": "bank-user-1"}"#)?;
//! let user_json = client.update_user("API_KEY", "CLT-…", "bank-user-1", &UserUpdate::status(UserStatus::Disabled))?;
//! # Ok::<(), mx_sso::Error>(())
//! ```

mod body;
mod client;
mod error;
pub mod ffi;
mod http;
pub mod operation;
mod options;
mod proxy;
mod redact;
mod retry;
mod status;
mod url;

pub use body::{ExtraFields, Rules, Sex, UserStatus, UserUpdate, FIELDS, MAX_BODY_BYTES};
pub use client::{default_client, Call, CallOptions, Client, Event, EventHandler};
pub use error::Error;
pub use operation::Operation;
pub use options::{
    Options, API_KEY_ENV, BASE_URL_ENV, CLIENT_GUID_ENV, DEFAULT_BASE_URL, OPTION_KEYS,
};
pub use redact::redact;
pub use status::Status;
pub use url::{percent_encode, MAX_ID_BYTES};

/// Internals exposed to the fuzz targets in `fuzz/` only (`cargo fuzz` sets `--cfg fuzzing`).
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzzing {
    pub use crate::http::answer::fuzz_answer;
    pub use crate::retry::parse_retry_after;

    /// Checks a body against the rules of `rules`, as a call would before sending.
    pub fn check_body(rules: crate::Rules, text: &str, strict: bool) -> Result<(), crate::Error> {
        rules.check(text, strict).map(drop)
    }
}

/// The library version as MAJOR*1000000 + MINOR*1000 + PATCH.
pub const VERSION_NUMBER: u32 = parse_u32(env!("CARGO_PKG_VERSION_MAJOR")) * 1_000_000
    + parse_u32(env!("CARGO_PKG_VERSION_MINOR")) * 1_000
    + parse_u32(env!("CARGO_PKG_VERSION_PATCH"));

const fn parse_u32(digits: &str) -> u32 {
    let bytes = digits.as_bytes();
    let mut value = 0;
    let mut i = 0;
    while i < bytes.len() {
        value = value * 10 + (bytes[i] - b'0') as u32;
        i += 1;
    }
    value
}

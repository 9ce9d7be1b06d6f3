//! mx-sso: MX's SSO API v2.8 "Update user" for C, C++, Python, Go and Rust programs.
//!
//! The Rust API is the core ([`Client`], [`UserUpdate`], [`Error`]); the C ABI in [`ffi`] is a
//! thin shell over it, and the Python and Go packages are thin shells over the C ABI.
//!
//! ```no_run
//! use mx_sso::{Client, Options, UserStatus, UserUpdate};
//! let client = Client::new(Options {
//!     base_url: "https://int-api2.moneydesktop.com".into(),
//!     ..Options::default()
//! })?;
//! let user_json = client.update_user("API_KEY", "CLT-…", "USR-…", &UserUpdate::status(UserStatus::Disabled))?;
//! # Ok::<(), mx_sso::Error>(())
//! ```

mod client;
mod error;
pub mod ffi;
mod model;
mod options;
mod retry;
mod tcp;
mod tls;
mod transport;

pub use client::{default_client, Client};
pub use error::{redact, Error, Status};
pub use model::{
    percent_encode, Sex, UserStatus, UserUpdate, FIELDS, MAX_BODY_BYTES, MAX_ID_BYTES,
};
pub use options::{Options, BASE_URL_ENV, DEFAULT_BASE_URL};

/// Internals exposed to the fuzz targets in `fuzz/` only (`cargo fuzz` sets `--cfg fuzzing`).
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzzing {
    pub use crate::client::fuzz_answer;
    pub use crate::retry::parse_retry_after;
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

//! The C ABI (stable within a minor version: README "ABI policy"). `include/mx_sso.h` is generated from this folder by cbindgen, doc
//! comments included, so every comment on an exported item is written for C programmers.
//!
//! Conventions, checked once for every function in [`boundary`]:
//! - every exported function runs inside its panic boundary, so no panic crosses into C;
//! - every pointer is checked for NULL and every string for UTF-8 before use;
//! - error detail comes back in the same call (`out_buf`), never in thread-local state;
//! - strings handed to C go back through `mx_string_free`.
//!
//! Files: [`client`] (client handles, the generic call, events, statistics, strings, version),
//! [`user`] and [`member`] (one named wrapper per operation of the table).

#![allow(non_camel_case_types)]
// The doc comments are the C header's: each states what every pointer must be in plain words
// for C programmers, rather than under a Rust-only "# Safety" heading.
#![allow(clippy::missing_safety_doc)]

mod boundary;
mod client;
mod member;
mod user;

use crate::client::Client;
use crate::error::Status;

pub use client::*;
pub use member::*;
pub use user::*;

/// Status of a call. The numbers are part of the ABI and never change meaning.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum mx_status {
    /// Success.
    MX_OK = 0,
    /// A NULL pointer, text that is not UTF-8, an unknown operation, or bad options JSON.
    MX_ERR_INVALID_ARGUMENT = 1,
    /// The request breaks a documented constraint of the API; nothing was sent.
    MX_ERR_VALIDATION = 2,
    /// The server answered with a non-2xx status.
    MX_ERR_HTTP = 3,
    /// The connect timeout or the overall deadline passed.
    MX_ERR_TIMEOUT = 4,
    /// DNS, connect, TLS, or the connection closed without a response.
    MX_ERR_TRANSPORT = 5,
    /// A 2xx answer whose body is not JSON or is larger than allowed.
    MX_ERR_RESPONSE = 6,
    /// A bug in mx-sso: a caught panic or an impossible state.
    MX_ERR_INTERNAL = 7,
}

impl From<Status> for mx_status {
    fn from(status: Status) -> Self {
        match status {
            Status::Ok => mx_status::MX_OK,
            Status::InvalidArgument => mx_status::MX_ERR_INVALID_ARGUMENT,
            Status::Validation => mx_status::MX_ERR_VALIDATION,
            Status::Http => mx_status::MX_ERR_HTTP,
            Status::Timeout => mx_status::MX_ERR_TIMEOUT,
            Status::Transport => mx_status::MX_ERR_TRANSPORT,
            Status::Response => mx_status::MX_ERR_RESPONSE,
            Status::Internal => mx_status::MX_ERR_INTERNAL,
        }
    }
}

/// A client: options plus a pool of connections (and TLS sessions) reused across calls.
///
/// Opaque. Create with `mx_client_new`, free with `mx_client_free`. One client may be used
/// from any number of threads at once.
pub struct mx_client {
    pub(crate) inner: Client,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::{c_int, CStr};

    #[test]
    fn the_c_enum_matches_the_status_table() {
        for status in Status::ALL {
            let c = mx_status::from(status);
            assert_eq!(c as i32, status as i32);
            assert_eq!(format!("{c:?}"), status.name());
            let text = unsafe { CStr::from_ptr(mx_status_str(status as c_int)) };
            assert_eq!(text, status.description());
        }
        for unknown in [-1, 8, 1000, c_int::MIN, c_int::MAX] {
            let text = unsafe { CStr::from_ptr(mx_status_str(unknown)) };
            assert_eq!(text.to_str().unwrap(), "unknown status");
        }
    }
}

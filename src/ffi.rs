//! The C ABI (version 1). `include/mx_sso.h` is generated from this file by cbindgen, doc
//! comments included, so every comment on an exported item is written for C programmers.
//!
//! Conventions, checked here once for every function:
//! - every exported function runs inside [`boundary`], so no panic crosses into C;
//! - every pointer is checked for NULL and every string for UTF-8 before use;
//! - error detail comes back in the same call (`out_buf`), never in thread-local state;
//! - strings handed to C come from [`into_c_string`] and go back through `mx_string_free`.

#![allow(non_camel_case_types)]

use std::ffi::{c_char, c_int, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::client::{default_client, Client};
use crate::error::{Error, Status};

/// Status of a call. The numbers are part of the ABI and never change meaning.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum mx_status {
    /// Success.
    MX_OK = 0,
    /// A NULL pointer, text that is not UTF-8, or bad options JSON.
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
    inner: Client,
}

/// The panic boundary: runs `f`, turning a panic into `on_panic()` so that no unwind crosses
/// into C. Every exported function that can run code that might panic goes through here.
fn boundary<T>(on_panic: impl FnOnce() -> T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| on_panic())
}

/// What a caught panic reports (the panic message itself stays out: it could quote anything).
fn caught_panic<T>() -> Result<T, Error> {
    Err(Error::Internal(
        "a panic inside mx-sso was caught; please report this bug".into(),
    ))
}

/// Borrows a C string argument as UTF-8, or names the argument in an error.
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string valid for the duration of the call.
unsafe fn arg_str<'a>(name: &str, ptr: *const c_char) -> Result<&'a str, Error> {
    if ptr.is_null() {
        return Err(Error::InvalidArgument(format!("{name} is NULL")));
    }
    CStr::from_ptr(ptr)
        .to_str()
        .map_err(|e| Error::InvalidArgument(format!("{name} is not valid UTF-8 ({e})")))
}

/// Hands a string to C; `mx_string_free` gives it back. JSON never holds a raw NUL byte, but
/// should one appear the caller still gets an error object rather than a truncated text.
fn into_c_string(text: String) -> *mut c_char {
    CString::new(text)
        .unwrap_or_else(|_| {
            CString::new(Error::Internal("a result held a NUL byte".into()).to_json())
                .expect("error JSON has no NUL byte")
        })
        .into_raw()
}

/// The shape shared by the calls that fill `out_buf`: check `out_buf`, run `call` inside the
/// panic boundary, and store either the result or the error object.
///
/// # Safety
/// `out_buf` is NULL or valid for one pointer write.
unsafe fn with_out_buf(
    out_buf: *mut *mut c_char,
    call: impl FnOnce() -> Result<String, Error>,
) -> mx_status {
    if out_buf.is_null() {
        return mx_status::MX_ERR_INVALID_ARGUMENT;
    }
    let result = boundary(caught_panic, call);
    let (status, text) = match result {
        Ok(body) => (mx_status::MX_OK, body),
        Err(e) => (e.status().into(), e.to_json()),
    };
    // The write happens outside `catch_unwind` but cannot panic: `into_c_string` falls back to
    // a fixed error text.
    *out_buf = into_c_string(text);
    status
}

/// Update a user (MX SSO API v2.8 "Update user") through the process-wide default client.
///
/// Sends `PUT {base}/user/{user_guid}?k={api_key}&c={client_guid}` with `json_body` after
/// checking every documented constraint; on `MX_ERR_INVALID_ARGUMENT` or `MX_ERR_VALIDATION`
/// nothing was sent. The default client is created at first use from the environment variable
/// `MX_SSO_BASE_URL` (default `https://api2.moneydesktop.com`) with default options, and reuses
/// connections across calls; if that variable is unusable every call returns
/// `MX_ERR_INVALID_ARGUMENT` with a message naming it.
///
/// - `api_key`, `client_guid`, `user_guid`: NUL-terminated UTF-8, non-empty, no control
///   characters, at most 1024 bytes. `user_guid` is a `user_guid` or `external_user_guid`.
/// - `json_body`: a JSON object such as `{"status": "DISABLED"}`.
/// - `out_buf`: must not be NULL. On return `*out_buf` always holds a string owned by the
///   caller, to be released with `mx_string_free`: on `MX_OK` the server's JSON response exactly
///   as received, otherwise an error object
///   `{"error": {"code": "...", "message": "...", "http_status": 400 or null, ...}}`.
///   If `out_buf` is NULL the call returns `MX_ERR_INVALID_ARGUMENT` and sends nothing.
///
/// Thread-safe. Blocks for at most the timeout (30 s by default), retries included.
///
/// # Safety
/// Each pointer is NULL or valid as described above: string arguments NUL-terminated and
/// readable for the call, `out_buf` writable.
#[no_mangle]
pub unsafe extern "C" fn mx_update_user(
    api_key: *const c_char,
    client_guid: *const c_char,
    user_guid: *const c_char,
    json_body: *const c_char,
    out_buf: *mut *mut c_char,
) -> mx_status {
    with_out_buf(out_buf, || {
        let (api_key, client_guid, user_guid, json_body) =
            update_args(api_key, client_guid, user_guid, json_body)?;
        default_client()?.update_user_json(api_key, client_guid, user_guid, json_body)
    })
}

/// Checks the four string arguments of an update call, in order.
unsafe fn update_args<'a>(
    api_key: *const c_char,
    client_guid: *const c_char,
    user_guid: *const c_char,
    json_body: *const c_char,
) -> Result<(&'a str, &'a str, &'a str, &'a str), Error> {
    Ok((
        arg_str("api_key", api_key)?,
        arg_str("client_guid", client_guid)?,
        arg_str("user_guid", user_guid)?,
        arg_str("json_body", json_body)?,
    ))
}

/// Create a client from an options JSON object, or with every default when `options_json` is
/// NULL.
///
/// Keys (all optional): `base_url`, `timeout_ms`, `connect_timeout_ms`, `max_retries`, `proxy`,
/// `ca_file`, `user_agent`, `max_response_bytes`, `allow_insecure_http`, `strict_fields`; an
/// unknown key or a wrong type is an error that names it. No connection is made yet.
///
/// Returns a client owned by the caller, to be released with `mx_client_free`, or NULL on bad
/// options. On failure, if `out_err` is not NULL, `*out_err` receives an error object (same
/// shape as `out_buf` of `mx_update_user`) that the caller releases with `mx_string_free`; on
/// success `*out_err` is set to NULL. `out_err` may be NULL.
///
/// Thread-safe.
///
/// # Safety
/// `options_json` is NULL or a NUL-terminated string; `out_err` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mx_client_new(
    options_json: *const c_char,
    out_err: *mut *mut c_char,
) -> *mut mx_client {
    let result = boundary(caught_panic, || {
        let options = if options_json.is_null() {
            None
        } else {
            Some(arg_str("options_json", options_json)?)
        };
        Client::from_json(options)
    });
    match result {
        Ok(inner) => {
            if !out_err.is_null() {
                *out_err = std::ptr::null_mut();
            }
            Box::into_raw(Box::new(mx_client { inner }))
        }
        Err(e) => {
            if !out_err.is_null() {
                *out_err = into_c_string(e.to_json());
            }
            std::ptr::null_mut()
        }
    }
}

/// Update a user through `client`; see `mx_update_user` for the arguments, `out_buf` and the
/// statuses. `client` must not be NULL (else `MX_ERR_INVALID_ARGUMENT`, with the error object
/// in `*out_buf` when `out_buf` is not NULL).
///
/// Thread-safe: any number of threads may call this on one client at once. The client must
/// stay alive (not passed to `mx_client_free`) until every call on it has returned; using a
/// freed client is undefined behaviour.
///
/// # Safety
/// `client` is NULL or a live client from `mx_client_new`; the other pointers as for
/// `mx_update_user`.
#[no_mangle]
pub unsafe extern "C" fn mx_client_update_user(
    client: *const mx_client,
    api_key: *const c_char,
    client_guid: *const c_char,
    user_guid: *const c_char,
    json_body: *const c_char,
    out_buf: *mut *mut c_char,
) -> mx_status {
    with_out_buf(out_buf, || {
        let client = client
            .as_ref()
            .ok_or_else(|| Error::InvalidArgument("client is NULL".into()))?;
        let (api_key, client_guid, user_guid, json_body) =
            update_args(api_key, client_guid, user_guid, json_body)?;
        client
            .inner
            .update_user_json(api_key, client_guid, user_guid, json_body)
    })
}

/// Free a client made by `mx_client_new`, closing its connections. NULL is fine (nothing
/// happens). Free each client exactly once, after every call on it has returned; freeing a
/// pointer that `mx_client_new` did not return is undefined behaviour.
///
/// # Safety
/// `client` is NULL or a client from `mx_client_new` not yet freed and not in use.
#[no_mangle]
pub unsafe extern "C" fn mx_client_free(client: *mut mx_client) {
    if !client.is_null() {
        boundary(|| (), || drop(Box::from_raw(client)));
    }
}

/// Free a string that this library returned (`out_buf`, `out_err`). NULL is fine (nothing
/// happens). Never pass a string from anywhere else (undefined behaviour), never free one
/// twice, and never release these strings with `free()`: the library may use another allocator.
/// Treat the strings as read-only until freed: writing into one (a NUL byte in particular
/// changes the length the library frees with) is undefined behaviour.
///
/// # Safety
/// `s` is NULL or a string from this library not yet freed.
#[no_mangle]
pub unsafe extern "C" fn mx_string_free(s: *mut c_char) {
    if !s.is_null() {
        boundary(|| (), || drop(CString::from_raw(s)));
    }
}

/// A fixed English description of a status, such as "success". Any int is accepted: values
/// outside `mx_status` get "unknown status". The text is static: never free it.
#[no_mangle]
pub extern "C" fn mx_status_str(status: c_int) -> *const c_char {
    // Take a plain int: an out-of-range value in an `mx_status` parameter would be undefined
    // behaviour on the Rust side.
    boundary(
        || c"unknown status".as_ptr(),
        || {
            Status::from_code(i64::from(status))
                .map_or(c"unknown status", Status::description)
                .as_ptr()
        },
    )
}

/// The library's version, such as "0.1.0". Static text: never free it. Compare
/// `mx_version_number()` with `MX_SSO_VERSION_NUMBER` at start-up to catch a header/library
/// mismatch.
#[no_mangle]
pub extern "C" fn mx_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// The library's version as MAJOR*1000000 + MINOR*1000 + PATCH (the form of
/// `MX_SSO_VERSION_NUMBER`).
#[no_mangle]
pub extern "C" fn mx_version_number() -> u32 {
    crate::VERSION_NUMBER
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_texts_match_the_rust_descriptions() {
        for status in Status::ALL {
            let text = unsafe { CStr::from_ptr(mx_status_str(status as c_int)) };
            assert_eq!(text, status.description());
            assert_eq!(mx_status::from(status) as i32, status as i32);
        }
        for unknown in [-1, 8, 1000, c_int::MIN, c_int::MAX] {
            let text = unsafe { CStr::from_ptr(mx_status_str(unknown)) };
            assert_eq!(text.to_str().unwrap(), "unknown status");
        }
    }

    #[test]
    fn version_text_and_number_agree() {
        let text = unsafe { CStr::from_ptr(mx_version()) }.to_str().unwrap();
        assert_eq!(text, env!("CARGO_PKG_VERSION"));
        let parts: Vec<u32> = text.split('.').map(|p| p.parse().unwrap()).collect();
        assert_eq!(
            mx_version_number(),
            parts[0] * 1_000_000 + parts[1] * 1_000 + parts[2]
        );
    }

    #[test]
    fn panics_become_internal_errors() {
        let mut out: *mut c_char = std::ptr::null_mut();
        let status = unsafe { with_out_buf(&mut out, || panic!("boom")) };
        assert_eq!(status, mx_status::MX_ERR_INTERNAL);
        let text = unsafe { CStr::from_ptr(out) }.to_str().unwrap().to_owned();
        unsafe { mx_string_free(out) };
        assert!(text.contains("MX_ERR_INTERNAL"), "{text}");
    }
}

//! Client handles, the generic call, events and statistics, and the library's strings and
//! version.

use std::ffi::{c_char, c_int, c_void, CString};
use std::sync::Arc;

use super::boundary::{
    arg_str, boundary, call_op, caught_panic, client_arg, into_c_string, with_out_buf, Args,
};
use super::{mx_client, mx_status};
use crate::client::{default_client, Client, Event};
use crate::error::Status;
use crate::operation::Operation;

/// Create a client from an options JSON object, or with every default when `options_json` is
/// NULL.
///
/// Keys (all optional): `base_url`, `api_key`, `client_guid`, `timeout_ms`,
/// `connect_timeout_ms`, `max_retries`, `proxy`, `ca_file`, `user_agent`, `max_response_bytes`,
/// `allow_insecure_http`, `strict_fields`; an unknown key or a wrong type is an error that names
/// it. `api_key` and `client_guid` are the credentials of calls that pass NULL for them; they
/// follow the id rules and are checked here. No connection is made yet.
///
/// Returns a client owned by the caller, to be released with `mx_client_free`, or NULL on bad
/// options. On failure, if `out_err` is not NULL, `*out_err` receives an error object (same
/// shape as `out_buf` of `mx_update_user`) that the caller releases with `mx_string_free`; on
/// success `*out_err` is set to NULL. `out_err` may be NULL.
///
/// Thread-safe.
///
/// `options_json` must be NULL or a NUL-terminated string; `out_err` NULL or writable.
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

/// Run any operation of the table by name: the one entry point for bindings and generic callers
/// (every named function is a wrapper of it).
///
/// - `client`: a live client from `mx_client_new`, or NULL for the process-wide default client.
/// - `operation`: `"user.create"`, `"user.read"`, `"user.update"`, `"user.delete"`,
///   `"user.ensure"`, `"member.create"`, `"member.read"`, `"member.update"`, `"member.delete"`
///   or `"member.ensure"`; anything else is `MX_ERR_INVALID_ARGUMENT` listing them.
/// - `api_key`, `client_guid`: NULL for the client's own (its options; the default client's
///   come from `MX_SSO_API_KEY` and `MX_SSO_CLIENT_GUID`).
/// - `id`: the path id for read, update and delete (a guid or external guid); NULL for create
///   and ensure. An id given where none is taken, or missing where one is, is
///   `MX_ERR_INVALID_ARGUMENT` naming it.
/// - `json_body`: the JSON body for create, update and ensure; NULL for read and delete.
/// - `call_options_json`: NULL, or `{"timeout_ms": N, "max_retries": N}` for this call only.
/// - `out_buf`: must not be NULL; `*out_buf` is filled as for `mx_update_user` (on `MX_OK`, the
///   operation's success text: MX's JSON, `{}` for an empty delete answer, or
///   `{"created": ..., "user"|"member": ...}` for ensure).
///
/// Thread-safe. Each pointer must be NULL or valid as described.
#[no_mangle]
pub unsafe extern "C" fn mx_client_call(
    client: *const mx_client,
    operation: *const c_char,
    api_key: *const c_char,
    client_guid: *const c_char,
    id: *const c_char,
    json_body: *const c_char,
    call_options_json: *const c_char,
    out_buf: *mut *mut c_char,
) -> mx_status {
    let args = Args {
        call_options: call_options_json,
        generic: true,
        ..Args::named(api_key, client_guid, Some(("id", id)), Some(json_body))
    };
    let target = || {
        if client.is_null() {
            default_client()
        } else {
            client_arg(client)
        }
    };
    call_op(
        target,
        || Operation::from_name(arg_str("operation", operation)?),
        args,
        out_buf,
    )
}

/// An event handler: `user_data` as given to `mx_client_set_event_handler`, and one event as a
/// JSON object (`call`, `op`, `method`, `path`, `attempt`, `outcome`, `http_status`,
/// `elapsed_us`, `connection`, `retry_in_ms`, `retry_after_ms`, `message`, `ts`). `event_json`
/// lives for the duration of the callback only: copy what you keep. It never holds the API key,
/// a credential value, a login token, a widget URL or a body.
pub type mx_event_fn =
    Option<unsafe extern "C" fn(user_data: *mut c_void, event_json: *const c_char)>;

/// The C handler and its user data. The caller promises (set_event_handler's contract) that
/// `user_data` may be used from any thread that calls the client.
struct CHandler {
    on_event: unsafe extern "C" fn(*mut c_void, *const c_char),
    user_data: *mut c_void,
}

impl CHandler {
    fn deliver(&self, event: &Event) {
        if let Ok(json) = CString::new(event.to_json()) {
            // SAFETY: the caller's handler and user data, per mx_client_set_event_handler.
            unsafe { (self.on_event)(self.user_data, json.as_ptr()) }
        }
    }
}

// SAFETY: documented contract of mx_client_set_event_handler: the handler and its user data are
// usable from every thread that calls the client.
unsafe impl Send for CHandler {}
unsafe impl Sync for CHandler {}

/// Set the function called after every attempt of every call on `client` (and once for a call
/// refused before sending), or remove it with `on_event` NULL.
///
/// The handler runs on the thread that made the call, once per attempt, before any wait for a
/// retry; it must be safe to call from every thread that uses the client, with `user_data`.
/// It may call any mx function except `mx_client_free` of this client. Safe while other threads
/// call: attempts that end after this returns see the new handler. An attempt that was already
/// delivering its event on another thread may still call the previous handler, with the
/// previous `user_data`, after this returns. `user_data` is not freed by the library: keep the
/// previous one valid until every call that was in progress when you replaced (or removed) the
/// handler has returned, or until the client is freed.
///
/// Returns `MX_ERR_INVALID_ARGUMENT` for a NULL `client`, else `MX_OK`.
#[no_mangle]
pub unsafe extern "C" fn mx_client_set_event_handler(
    client: *mut mx_client,
    on_event: mx_event_fn,
    user_data: *mut c_void,
) -> mx_status {
    boundary(
        || mx_status::MX_ERR_INTERNAL,
        || {
            let Some(client) = client.as_ref() else {
                return mx_status::MX_ERR_INVALID_ARGUMENT;
            };
            let handler = on_event.map(|on_event| {
                let c = CHandler {
                    on_event,
                    user_data,
                };
                Arc::new(move |event: &Event| c.deliver(event)) as crate::client::EventHandler
            });
            client.inner.set_event_handler(handler);
            mx_status::MX_OK
        },
    )
}

/// The counters of `client` since it was made, as a JSON object in `*out_buf` (released with
/// `mx_string_free`): `calls`, `attempts`, `retries`, `by_outcome` (calls by final status, e.g.
/// `{"MX_OK": 3, ...}`), `connections_opened`, `tls_handshakes`, `read_backs`, `races`.
///
/// `client` must not be NULL and `out_buf` must not be NULL (else `MX_ERR_INVALID_ARGUMENT`,
/// with the error object in `*out_buf` when `out_buf` is not NULL). Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn mx_client_stats(
    client: *const mx_client,
    out_buf: *mut *mut c_char,
) -> mx_status {
    with_out_buf(out_buf, || Ok(client_arg(client)?.stats_json()))
}

/// Free a client made by `mx_client_new`, closing its connections. NULL is fine (nothing
/// happens). Free each client exactly once, after every call on it has returned; freeing a
/// pointer that `mx_client_new` did not return is undefined behaviour.
///
/// `client` must be NULL or a client from `mx_client_new`, not yet freed and not in use.
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
/// `s` must be NULL or a string from this library not yet freed.
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

/// The library's version, such as "0.2.0". Static text: never free it. Compare
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
    use std::ffi::CStr;

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

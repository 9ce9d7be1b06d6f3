//! The one panic boundary and the argument helpers every exported function uses: NULL and
//! UTF-8 checks that name the argument, strings handed to C, and the `out_buf` contract.

use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

use super::{mx_client, mx_status};
use crate::client::{Call, CallOptions, Client};
use crate::error::Error;
use crate::operation::Operation;

/// The panic boundary: runs `f`, turning a panic into `on_panic()` so that no unwind crosses
/// into C. Every exported function that can run code that might panic goes through here.
pub(super) fn boundary<T>(on_panic: impl FnOnce() -> T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| on_panic())
}

/// What a caught panic reports (the panic message itself stays out: it could quote anything).
pub(super) fn caught_panic<T>() -> Result<T, Error> {
    Err(Error::Internal(
        "a panic inside mx-sso was caught; please report this bug".into(),
    ))
}

/// Borrows a C string argument as UTF-8, or names the argument in an error.
///
/// Safety: `ptr` is NULL or points to a NUL-terminated string valid for the duration of the
/// call.
pub(super) unsafe fn arg_str<'a>(name: &str, ptr: *const c_char) -> Result<&'a str, Error> {
    if ptr.is_null() {
        return Err(Error::InvalidArgument(format!("{name} is NULL")));
    }
    CStr::from_ptr(ptr)
        .to_str()
        .map_err(|e| Error::InvalidArgument(format!("{name} is not valid UTF-8 ({e})")))
}

/// Hands a string to C; `mx_string_free` gives it back. JSON never holds a raw NUL byte, but
/// should one appear the caller still gets an error object rather than a truncated text.
pub(super) fn into_c_string(text: String) -> *mut c_char {
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
/// Safety: `out_buf` is NULL or valid for one pointer write.
pub(super) unsafe fn with_out_buf(
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

/// Borrows an optional C string argument: NULL is `None`.
///
/// Safety: as [`arg_str`].
pub(super) unsafe fn opt_str<'a>(name: &str, ptr: *const c_char) -> Result<Option<&'a str>, Error> {
    if ptr.is_null() {
        Ok(None)
    } else {
        arg_str(name, ptr).map(Some)
    }
}

/// The client behind a `mx_client_*` function: NULL is an error.
///
/// Safety: `client` is NULL or a live client from `mx_client_new`.
pub(super) unsafe fn client_arg<'a>(client: *const mx_client) -> Result<&'a Client, Error> {
    client
        .as_ref()
        .map(|c| &c.inner)
        .ok_or_else(|| Error::InvalidArgument("client is NULL".into()))
}

/// How a function's C arguments become one [`Call`].
pub(super) struct Args {
    pub api_key: *const c_char,
    pub client_guid: *const c_char,
    /// The path id argument: its C name and pointer, for functions that have one.
    pub id: Option<(&'static str, *const c_char)>,
    pub body: Option<*const c_char>,
    pub call_options: *const c_char,
    /// NULL credentials mean the client's own (every function but the two of 0.1, which
    /// require them, as they always did).
    pub nullable_credentials: bool,
    /// NULL id and body mean "none" (`mx_client_call`), rather than a missing argument.
    pub generic: bool,
}

impl Args {
    /// The arguments of a named function: credentials NULL for the client's own, the id and
    /// the body (where the function has them) required.
    pub(super) fn named(
        api_key: *const c_char,
        client_guid: *const c_char,
        id: Option<(&'static str, *const c_char)>,
        body: Option<*const c_char>,
    ) -> Args {
        Args {
            api_key,
            client_guid,
            id,
            body,
            call_options: std::ptr::null(),
            nullable_credentials: true,
            generic: false,
        }
    }

    /// Safety: every pointer is NULL or a NUL-terminated string valid for the call.
    unsafe fn read<'a>(&self) -> Result<Call<'a>, Error> {
        let credential = |name: &str, ptr: *const c_char| {
            if self.nullable_credentials {
                opt_str(name, ptr)
            } else if ptr.is_null() {
                Err(Error::InvalidArgument(format!(
                    "{name} is NULL; mx_update_user and mx_client_update_user require it (the \
                     other functions and mx_client_call take NULL for the client's {name} option)"
                )))
            } else {
                arg_str(name, ptr).map(Some)
            }
        };
        let text = |name: &str, ptr| {
            if self.generic {
                opt_str(name, ptr)
            } else {
                arg_str(name, ptr).map(Some)
            }
        };
        let api_key = credential("api_key", self.api_key)?;
        let client_guid = credential("client_guid", self.client_guid)?;
        let id = match self.id {
            Some((name, ptr)) => text(name, ptr)?,
            None => None,
        };
        let body = match self.body {
            Some(ptr) => text("json_body", ptr)?,
            None => None,
        };
        let options = match opt_str("call_options_json", self.call_options)? {
            Some(json) => CallOptions::from_json(json)?,
            None => CallOptions::default(),
        };
        Ok(Call {
            api_key,
            client_guid,
            id,
            body,
            options,
        })
    }
}

/// Runs `op` on the client `client()` gives, with the arguments `args`, filling `out_buf`.
/// Argument mistakes found after the client is known (a NULL `out_buf` included) count as
/// refused calls of that client, with their event naming the operation.
///
/// Safety: as [`Args::read`] and [`with_out_buf`].
pub(super) unsafe fn call_op<'c>(
    client: impl FnOnce() -> Result<&'c Client, Error>,
    op: impl FnOnce() -> Result<Operation, Error>,
    args: Args,
    out_buf: *mut *mut c_char,
) -> mx_status {
    if out_buf.is_null() {
        // Nowhere to put the error object; the refusal still reaches the counters and events.
        boundary(
            || (),
            || {
                if let Ok(client) = client() {
                    let refusal = Error::InvalidArgument("out_buf is NULL".into());
                    let _ = client.refuse(op().ok(), refusal);
                }
            },
        );
        return mx_status::MX_ERR_INVALID_ARGUMENT;
    }
    with_out_buf(out_buf, || {
        let client = client()?;
        let op = match op() {
            Ok(op) => op,
            Err(e) => return client.refuse(None, e),
        };
        match args.read() {
            Ok(call) => client.call(op, &call),
            Err(e) => client.refuse(Some(op), e),
        }
    })
}

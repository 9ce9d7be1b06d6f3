//! The user operations: one named wrapper per row of the operations table, each a call of
//! the generic path (`mx_client_call` does the same by name). They are written out, not made by
//! a macro, because cbindgen reads source text; `tests/header.rs` checks that every operation
//! of the table has its two functions.

use std::ffi::c_char;

use super::boundary::{call_op, client_arg, Args};
use super::{mx_client, mx_status};
use crate::client::default_client;
use crate::operation::Operation;

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
/// Each pointer must be NULL or valid as described above: string arguments NUL-terminated and
/// readable for the call, `out_buf` writable.
#[no_mangle]
pub unsafe extern "C" fn mx_update_user(
    api_key: *const c_char,
    client_guid: *const c_char,
    user_guid: *const c_char,
    json_body: *const c_char,
    out_buf: *mut *mut c_char,
) -> mx_status {
    call_op(
        default_client,
        || Ok(Operation::UserUpdate),
        update_args(api_key, client_guid, user_guid, json_body),
        out_buf,
    )
}

/// Update a user through `client`; see `mx_update_user` for the arguments, `out_buf` and the
/// statuses. `client` must not be NULL (else `MX_ERR_INVALID_ARGUMENT`, with the error object
/// in `*out_buf` when `out_buf` is not NULL).
///
/// Thread-safe: any number of threads may call this on one client at once. The client must
/// stay alive (not passed to `mx_client_free`) until every call on it has returned; using a
/// freed client is undefined behaviour.
///
/// `client` must be NULL or a live client from `mx_client_new`; the other pointers as for
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
    call_op(
        || client_arg(client),
        || Ok(Operation::UserUpdate),
        update_args(api_key, client_guid, user_guid, json_body),
        out_buf,
    )
}

/// The 0.1 update functions require every argument, as they always did.
fn update_args(
    api_key: *const c_char,
    client_guid: *const c_char,
    user_guid: *const c_char,
    json_body: *const c_char,
) -> Args {
    Args {
        nullable_credentials: false,
        ..Args::named(
            api_key,
            client_guid,
            Some(("user_guid", user_guid)),
            Some(json_body),
        )
    }
}

/// Create a user (MX "Create user", `POST /user`).
///
/// `json_body`: a JSON object with `external_user_guid` (your own id for the user, not
/// beginning with `USR-`; required unless the client has `strict_fields` false) and any profile
/// field of Update user (`email`, `first_name`, `last_name`, `phone`, `birthdate`, `sex`,
/// `credit_score`, `zip_code`), but not `status`. A create whose outcome is unknown (connection
/// lost after sending, 502, 503, 504) is never re-sent blindly: it is resolved by reading the
/// user back by its `external_user_guid`.
///
/// As every one-shot function (see "Calls" at the top of this header): NULL `api_key` or
/// `client_guid` means the default client's (`MX_SSO_API_KEY`, `MX_SSO_CLIENT_GUID`); `out_buf`
/// must not be NULL and `*out_buf` is always set, freed with `mx_string_free`; nothing is sent
/// on `MX_ERR_INVALID_ARGUMENT` or `MX_ERR_VALIDATION`; thread-safe.
/// Each pointer must be NULL or valid as described above.
#[no_mangle]
pub unsafe extern "C" fn mx_create_user(
    api_key: *const c_char,
    client_guid: *const c_char,
    json_body: *const c_char,
    out_buf: *mut *mut c_char,
) -> mx_status {
    let args = Args::named(api_key, client_guid, None, Some(json_body));
    call_op(default_client, || Ok(Operation::UserCreate), args, out_buf)
}

/// Create a user (MX "Create user", `POST /user`), on `client`.
///
/// `client`: a live client from `mx_client_new`, not NULL (else `MX_ERR_INVALID_ARGUMENT`); it
/// must outlive the call. NULL `api_key` or `client_guid` means the client's options. Otherwise
/// as `mx_create_user`.
/// `client` must be NULL or a live client; the other pointers as for `mx_create_user`.
#[no_mangle]
pub unsafe extern "C" fn mx_client_create_user(
    client: *const mx_client,
    api_key: *const c_char,
    client_guid: *const c_char,
    json_body: *const c_char,
    out_buf: *mut *mut c_char,
) -> mx_status {
    let args = Args::named(api_key, client_guid, None, Some(json_body));
    call_op(
        || client_arg(client),
        || Ok(Operation::UserCreate),
        args,
        out_buf,
    )
}

/// Read a user (MX "Read user", `GET /user/{id}`).
///
/// `user_guid`: a `user_guid` or `external_user_guid`. MX's JSON holds the `login_token` and
/// the widget URLs: secrets, like the API key.
///
/// As every one-shot function (see "Calls" at the top of this header): NULL `api_key` or
/// `client_guid` means the default client's (`MX_SSO_API_KEY`, `MX_SSO_CLIENT_GUID`); `out_buf`
/// must not be NULL and `*out_buf` is always set, freed with `mx_string_free`; nothing is sent
/// on `MX_ERR_INVALID_ARGUMENT` or `MX_ERR_VALIDATION`; thread-safe.
/// Each pointer must be NULL or valid as described above.
#[no_mangle]
pub unsafe extern "C" fn mx_read_user(
    api_key: *const c_char,
    client_guid: *const c_char,
    user_guid: *const c_char,
    out_buf: *mut *mut c_char,
) -> mx_status {
    let args = Args::named(api_key, client_guid, Some(("user_guid", user_guid)), None);
    call_op(default_client, || Ok(Operation::UserRead), args, out_buf)
}

/// Read a user (MX "Read user", `GET /user/{id}`), on `client`.
///
/// `client`: a live client from `mx_client_new`, not NULL (else `MX_ERR_INVALID_ARGUMENT`); it
/// must outlive the call. NULL `api_key` or `client_guid` means the client's options. Otherwise
/// as `mx_read_user`.
/// `client` must be NULL or a live client; the other pointers as for `mx_read_user`.
#[no_mangle]
pub unsafe extern "C" fn mx_client_read_user(
    client: *const mx_client,
    api_key: *const c_char,
    client_guid: *const c_char,
    user_guid: *const c_char,
    out_buf: *mut *mut c_char,
) -> mx_status {
    let args = Args::named(api_key, client_guid, Some(("user_guid", user_guid)), None);
    call_op(
        || client_arg(client),
        || Ok(Operation::UserRead),
        args,
        out_buf,
    )
}

/// Delete a user (`DELETE /user/{id}`; not documented by MX, inferred from its errors page).
///
/// `user_guid`: a `user_guid` or `external_user_guid`. On `MX_OK`, `*out_buf` holds MX's JSON,
/// or `{}` when MX answered without a body (any 2xx is success). Retried as an idempotent call;
/// a "not found" after an attempt whose outcome was unknown is `MX_OK` with `{}` (that attempt
/// did it).
///
/// As every one-shot function (see "Calls" at the top of this header): NULL `api_key` or
/// `client_guid` means the default client's (`MX_SSO_API_KEY`, `MX_SSO_CLIENT_GUID`); `out_buf`
/// must not be NULL and `*out_buf` is always set, freed with `mx_string_free`; nothing is sent
/// on `MX_ERR_INVALID_ARGUMENT` or `MX_ERR_VALIDATION`; thread-safe.
/// Each pointer must be NULL or valid as described above.
#[no_mangle]
pub unsafe extern "C" fn mx_delete_user(
    api_key: *const c_char,
    client_guid: *const c_char,
    user_guid: *const c_char,
    out_buf: *mut *mut c_char,
) -> mx_status {
    let args = Args::named(api_key, client_guid, Some(("user_guid", user_guid)), None);
    call_op(default_client, || Ok(Operation::UserDelete), args, out_buf)
}

/// Delete a user (`DELETE /user/{id}`; not documented by MX, inferred from its errors page), on `client`.
///
/// `client`: a live client from `mx_client_new`, not NULL (else `MX_ERR_INVALID_ARGUMENT`); it
/// must outlive the call. NULL `api_key` or `client_guid` means the client's options. Otherwise
/// as `mx_delete_user`.
/// `client` must be NULL or a live client; the other pointers as for `mx_delete_user`.
#[no_mangle]
pub unsafe extern "C" fn mx_client_delete_user(
    client: *const mx_client,
    api_key: *const c_char,
    client_guid: *const c_char,
    user_guid: *const c_char,
    out_buf: *mut *mut c_char,
) -> mx_status {
    let args = Args::named(api_key, client_guid, Some(("user_guid", user_guid)), None);
    call_op(
        || client_arg(client),
        || Ok(Operation::UserDelete),
        args,
        out_buf,
    )
}

/// Ensure a user exists: read it by `external_user_guid`, create it if MX says it is not found (MX's documented workflow, as one call).
///
/// `json_body`: as for `mx_create_user`, `external_user_guid` required. On `MX_OK`, `*out_buf`
/// holds `{"created": true|false, "user": <MX's JSON>}`; `created` is true when this call's
/// create made the user. A create refused because another process created the user meanwhile is
/// answered by a second read (`created: false`).
///
/// As every one-shot function (see "Calls" at the top of this header): NULL `api_key` or
/// `client_guid` means the default client's (`MX_SSO_API_KEY`, `MX_SSO_CLIENT_GUID`); `out_buf`
/// must not be NULL and `*out_buf` is always set, freed with `mx_string_free`; nothing is sent
/// on `MX_ERR_INVALID_ARGUMENT` or `MX_ERR_VALIDATION`; thread-safe.
/// Each pointer must be NULL or valid as described above.
#[no_mangle]
pub unsafe extern "C" fn mx_ensure_user(
    api_key: *const c_char,
    client_guid: *const c_char,
    json_body: *const c_char,
    out_buf: *mut *mut c_char,
) -> mx_status {
    let args = Args::named(api_key, client_guid, None, Some(json_body));
    call_op(default_client, || Ok(Operation::UserEnsure), args, out_buf)
}

/// Ensure a user exists: read it by `external_user_guid`, create it if MX says it is not found (MX's documented workflow, as one call), on `client`.
///
/// `client`: a live client from `mx_client_new`, not NULL (else `MX_ERR_INVALID_ARGUMENT`); it
/// must outlive the call. NULL `api_key` or `client_guid` means the client's options. Otherwise
/// as `mx_ensure_user`.
/// `client` must be NULL or a live client; the other pointers as for `mx_ensure_user`.
#[no_mangle]
pub unsafe extern "C" fn mx_client_ensure_user(
    client: *const mx_client,
    api_key: *const c_char,
    client_guid: *const c_char,
    json_body: *const c_char,
    out_buf: *mut *mut c_char,
) -> mx_status {
    let args = Args::named(api_key, client_guid, None, Some(json_body));
    call_op(
        || client_arg(client),
        || Ok(Operation::UserEnsure),
        args,
        out_buf,
    )
}

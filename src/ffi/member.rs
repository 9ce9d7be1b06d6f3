//! The member operations: one named wrapper per row of the operations table, each a call of
//! the generic path (`mx_client_call` does the same by name). They are written out, not made by
//! a macro, because cbindgen reads source text; `tests/header.rs` checks that every operation
//! of the table has its two functions.

use std::ffi::c_char;

use super::boundary::{call_op, client_arg, Args};
use super::{mx_client, mx_status};
use crate::client::default_client;
use crate::operation::Operation;

/// Create a member (MX "Create member", `POST /member`): the credentials that link a user to an institution.
///
/// `json_body`: a JSON object with exactly one of `user_guid` or `external_user_guid`,
/// `credentials` (an array of `{"field_name": ..., "response": ...}`: `login` with `password`,
/// or `userkey` alone), and optionally `external_member_guid` (not beginning with `MBR-`),
/// `name`, `institution_guid`. Credential values are secrets: they appear in no message and no
/// event. An unknown outcome is resolved by reading the member back by `external_member_guid`.
///
/// As every one-shot function (see "Calls" at the top of this header): NULL `api_key` or
/// `client_guid` means the default client's (`MX_SSO_API_KEY`, `MX_SSO_CLIENT_GUID`); `out_buf`
/// must not be NULL and `*out_buf` is always set, freed with `mx_string_free`; nothing is sent
/// on `MX_ERR_INVALID_ARGUMENT` or `MX_ERR_VALIDATION`; thread-safe.
/// Each pointer must be NULL or valid as described above.
#[no_mangle]
pub unsafe extern "C" fn mx_create_member(
    api_key: *const c_char,
    client_guid: *const c_char,
    json_body: *const c_char,
    out_buf: *mut *mut c_char,
) -> mx_status {
    let args = Args::named(api_key, client_guid, None, Some(json_body));
    call_op(
        default_client,
        || Ok(Operation::MemberCreate),
        args,
        out_buf,
    )
}

/// Create a member (MX "Create member", `POST /member`): the credentials that link a user to an institution, on `client`.
///
/// `client`: a live client from `mx_client_new`, not NULL (else `MX_ERR_INVALID_ARGUMENT`); it
/// must outlive the call. NULL `api_key` or `client_guid` means the client's options. Otherwise
/// as `mx_create_member`.
/// `client` must be NULL or a live client; the other pointers as for `mx_create_member`.
#[no_mangle]
pub unsafe extern "C" fn mx_client_create_member(
    client: *const mx_client,
    api_key: *const c_char,
    client_guid: *const c_char,
    json_body: *const c_char,
    out_buf: *mut *mut c_char,
) -> mx_status {
    let args = Args::named(api_key, client_guid, None, Some(json_body));
    call_op(
        || client_arg(client),
        || Ok(Operation::MemberCreate),
        args,
        out_buf,
    )
}

/// Read a member (`GET /member/{id}`; not documented by MX, inferred from its guide).
///
/// `member_guid`: a `member_guid` or `external_member_guid`. MX answers an unknown member with
/// HTTP 500 `Member not found.`
///
/// As every one-shot function (see "Calls" at the top of this header): NULL `api_key` or
/// `client_guid` means the default client's (`MX_SSO_API_KEY`, `MX_SSO_CLIENT_GUID`); `out_buf`
/// must not be NULL and `*out_buf` is always set, freed with `mx_string_free`; nothing is sent
/// on `MX_ERR_INVALID_ARGUMENT` or `MX_ERR_VALIDATION`; thread-safe.
/// Each pointer must be NULL or valid as described above.
#[no_mangle]
pub unsafe extern "C" fn mx_read_member(
    api_key: *const c_char,
    client_guid: *const c_char,
    member_guid: *const c_char,
    out_buf: *mut *mut c_char,
) -> mx_status {
    let args = Args::named(
        api_key,
        client_guid,
        Some(("member_guid", member_guid)),
        None,
    );
    call_op(default_client, || Ok(Operation::MemberRead), args, out_buf)
}

/// Read a member (`GET /member/{id}`; not documented by MX, inferred from its guide), on `client`.
///
/// `client`: a live client from `mx_client_new`, not NULL (else `MX_ERR_INVALID_ARGUMENT`); it
/// must outlive the call. NULL `api_key` or `client_guid` means the client's options. Otherwise
/// as `mx_read_member`.
/// `client` must be NULL or a live client; the other pointers as for `mx_read_member`.
#[no_mangle]
pub unsafe extern "C" fn mx_client_read_member(
    client: *const mx_client,
    api_key: *const c_char,
    client_guid: *const c_char,
    member_guid: *const c_char,
    out_buf: *mut *mut c_char,
) -> mx_status {
    let args = Args::named(
        api_key,
        client_guid,
        Some(("member_guid", member_guid)),
        None,
    );
    call_op(
        || client_arg(client),
        || Ok(Operation::MemberRead),
        args,
        out_buf,
    )
}

/// Update a member's credentials (`PUT /member/{id}`; not documented by MX, inferred from its guide).
///
/// `member_guid`: a `member_guid` or `external_member_guid`; `json_body`: `{"credentials":
/// [...]}` with the rules of `mx_create_member`.
///
/// As every one-shot function (see "Calls" at the top of this header): NULL `api_key` or
/// `client_guid` means the default client's (`MX_SSO_API_KEY`, `MX_SSO_CLIENT_GUID`); `out_buf`
/// must not be NULL and `*out_buf` is always set, freed with `mx_string_free`; nothing is sent
/// on `MX_ERR_INVALID_ARGUMENT` or `MX_ERR_VALIDATION`; thread-safe.
/// Each pointer must be NULL or valid as described above.
#[no_mangle]
pub unsafe extern "C" fn mx_update_member(
    api_key: *const c_char,
    client_guid: *const c_char,
    member_guid: *const c_char,
    json_body: *const c_char,
    out_buf: *mut *mut c_char,
) -> mx_status {
    let args = Args::named(
        api_key,
        client_guid,
        Some(("member_guid", member_guid)),
        Some(json_body),
    );
    call_op(
        default_client,
        || Ok(Operation::MemberUpdate),
        args,
        out_buf,
    )
}

/// Update a member's credentials (`PUT /member/{id}`; not documented by MX, inferred from its guide), on `client`.
///
/// `client`: a live client from `mx_client_new`, not NULL (else `MX_ERR_INVALID_ARGUMENT`); it
/// must outlive the call. NULL `api_key` or `client_guid` means the client's options. Otherwise
/// as `mx_update_member`.
/// `client` must be NULL or a live client; the other pointers as for `mx_update_member`.
#[no_mangle]
pub unsafe extern "C" fn mx_client_update_member(
    client: *const mx_client,
    api_key: *const c_char,
    client_guid: *const c_char,
    member_guid: *const c_char,
    json_body: *const c_char,
    out_buf: *mut *mut c_char,
) -> mx_status {
    let args = Args::named(
        api_key,
        client_guid,
        Some(("member_guid", member_guid)),
        Some(json_body),
    );
    call_op(
        || client_arg(client),
        || Ok(Operation::MemberUpdate),
        args,
        out_buf,
    )
}

/// Delete a member (`DELETE /member/{id}`; not documented by MX, inferred).
///
/// `member_guid`: a `member_guid` or `external_member_guid`. On `MX_OK`, MX's JSON or `{}`; a
/// "not found" after an attempt whose outcome was unknown is `MX_OK` with `{}`.
///
/// As every one-shot function (see "Calls" at the top of this header): NULL `api_key` or
/// `client_guid` means the default client's (`MX_SSO_API_KEY`, `MX_SSO_CLIENT_GUID`); `out_buf`
/// must not be NULL and `*out_buf` is always set, freed with `mx_string_free`; nothing is sent
/// on `MX_ERR_INVALID_ARGUMENT` or `MX_ERR_VALIDATION`; thread-safe.
/// Each pointer must be NULL or valid as described above.
#[no_mangle]
pub unsafe extern "C" fn mx_delete_member(
    api_key: *const c_char,
    client_guid: *const c_char,
    member_guid: *const c_char,
    out_buf: *mut *mut c_char,
) -> mx_status {
    let args = Args::named(
        api_key,
        client_guid,
        Some(("member_guid", member_guid)),
        None,
    );
    call_op(
        default_client,
        || Ok(Operation::MemberDelete),
        args,
        out_buf,
    )
}

/// Delete a member (`DELETE /member/{id}`; not documented by MX, inferred), on `client`.
///
/// `client`: a live client from `mx_client_new`, not NULL (else `MX_ERR_INVALID_ARGUMENT`); it
/// must outlive the call. NULL `api_key` or `client_guid` means the client's options. Otherwise
/// as `mx_delete_member`.
/// `client` must be NULL or a live client; the other pointers as for `mx_delete_member`.
#[no_mangle]
pub unsafe extern "C" fn mx_client_delete_member(
    client: *const mx_client,
    api_key: *const c_char,
    client_guid: *const c_char,
    member_guid: *const c_char,
    out_buf: *mut *mut c_char,
) -> mx_status {
    let args = Args::named(
        api_key,
        client_guid,
        Some(("member_guid", member_guid)),
        None,
    );
    call_op(
        || client_arg(client),
        || Ok(Operation::MemberDelete),
        args,
        out_buf,
    )
}

/// Ensure a member exists: read it by `external_member_guid`, create it if MX says `Member not found.` (MX's documented workflow, as one call).
///
/// `json_body`: as for `mx_create_member`, `external_member_guid` required. On `MX_OK`,
/// `*out_buf` holds `{"created": true|false, "member": <MX's JSON>}`.
///
/// As every one-shot function (see "Calls" at the top of this header): NULL `api_key` or
/// `client_guid` means the default client's (`MX_SSO_API_KEY`, `MX_SSO_CLIENT_GUID`); `out_buf`
/// must not be NULL and `*out_buf` is always set, freed with `mx_string_free`; nothing is sent
/// on `MX_ERR_INVALID_ARGUMENT` or `MX_ERR_VALIDATION`; thread-safe.
/// Each pointer must be NULL or valid as described above.
#[no_mangle]
pub unsafe extern "C" fn mx_ensure_member(
    api_key: *const c_char,
    client_guid: *const c_char,
    json_body: *const c_char,
    out_buf: *mut *mut c_char,
) -> mx_status {
    let args = Args::named(api_key, client_guid, None, Some(json_body));
    call_op(
        default_client,
        || Ok(Operation::MemberEnsure),
        args,
        out_buf,
    )
}

/// Ensure a member exists: read it by `external_member_guid`, create it if MX says `Member not found.` (MX's documented workflow, as one call), on `client`.
///
/// `client`: a live client from `mx_client_new`, not NULL (else `MX_ERR_INVALID_ARGUMENT`); it
/// must outlive the call. NULL `api_key` or `client_guid` means the client's options. Otherwise
/// as `mx_ensure_member`.
/// `client` must be NULL or a live client; the other pointers as for `mx_ensure_member`.
#[no_mangle]
pub unsafe extern "C" fn mx_client_ensure_member(
    client: *const mx_client,
    api_key: *const c_char,
    client_guid: *const c_char,
    json_body: *const c_char,
    out_buf: *mut *mut c_char,
) -> mx_status {
    let args = Args::named(api_key, client_guid, None, Some(json_body));
    call_op(
        || client_arg(client),
        || Ok(Operation::MemberEnsure),
        args,
        out_buf,
    )
}

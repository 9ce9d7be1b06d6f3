//! The statuses of a call: one table from which the Rust enum's numbers, the C names and the
//! fixed descriptions come. The C enum `mx_status` in `ffi/mod.rs` must match it; a test there
//! and `tests/header.rs` check that it does (cbindgen reads source text, not macro output, so
//! the C enum cannot be generated from this table).

use std::ffi::CStr;

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

/// One row of the status table.
struct StatusRow {
    status: Status,
    name: &'static str,
    description: &'static CStr,
}

/// Every status in numeric order, with its C name and its description (`mx_status_str`).
const TABLE: [StatusRow; 8] = [
    StatusRow {
        status: Status::Ok,
        name: "MX_OK",
        description: c"success",
    },
    StatusRow {
        status: Status::InvalidArgument,
        name: "MX_ERR_INVALID_ARGUMENT",
        description: c"invalid argument (NULL pointer, text that is not UTF-8, unknown operation, or bad options)",
    },
    StatusRow {
        status: Status::Validation,
        name: "MX_ERR_VALIDATION",
        description: c"the request breaks a documented constraint of the API; nothing was sent",
    },
    StatusRow {
        status: Status::Http,
        name: "MX_ERR_HTTP",
        description: c"the server answered with an HTTP error status",
    },
    StatusRow {
        status: Status::Timeout,
        name: "MX_ERR_TIMEOUT",
        description: c"the connect timeout or the overall deadline passed",
    },
    StatusRow {
        status: Status::Transport,
        name: "MX_ERR_TRANSPORT",
        description: c"transport failure (DNS, connect, TLS, or connection closed without an answer)",
    },
    StatusRow {
        status: Status::Response,
        name: "MX_ERR_RESPONSE",
        description: c"the server's success answer is not JSON or is too large",
    },
    StatusRow {
        status: Status::Internal,
        name: "MX_ERR_INTERNAL",
        description: c"internal error in mx-sso (a bug); please report it",
    },
];

impl Status {
    /// Every status, in numeric order.
    pub const ALL: [Status; 8] = {
        let mut all = [Status::Ok; 8];
        let mut i = 0;
        while i < TABLE.len() {
            all[i] = TABLE[i].status;
            i += 1;
        }
        all
    };

    fn row(self) -> &'static StatusRow {
        &TABLE[self as usize]
    }

    /// The C name of the status, as it appears in the header and in error objects.
    pub fn name(self) -> &'static str {
        self.row().name
    }

    /// A short fixed description of the status (the text `mx_status_str` returns).
    pub fn description(self) -> &'static CStr {
        self.row().description
    }

    /// The status with this number, if there is one.
    pub fn from_code(code: i64) -> Option<Status> {
        usize::try_from(code)
            .ok()
            .and_then(|i| TABLE.get(i))
            .map(|row| row.status)
    }

    /// The status with this C name (`"MX_ERR_HTTP"`), if there is one.
    pub fn from_name(name: &str) -> Option<Status> {
        TABLE
            .iter()
            .find(|row| row.name == name)
            .map(|row| row.status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_in_numeric_order_and_names_unique() {
        for (n, row) in TABLE.iter().enumerate() {
            assert_eq!(row.status as usize, n, "{}", row.name);
            assert_eq!(Status::from_code(n as i64), Some(row.status));
            assert_eq!(Status::from_name(row.name), Some(row.status));
        }
        assert_eq!(Status::from_code(-1), None);
        assert_eq!(Status::from_code(8), None);
    }
}

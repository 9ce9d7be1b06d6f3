//! The operations table: every call the library makes is one row. The C ABI, the bindings and
//! the CLI look operations up here by name; the request path (`client::request`) reads the
//! method, the path, the id, the body rules and the retry class from the row.

use crate::body::Rules;
use crate::error::Error;

/// HTTP method of an operation's request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

/// The resource an operation acts on, with what MX calls its ids and how "not found" looks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resource {
    User,
    Member,
}

impl Resource {
    /// The path segment: `/user`, `/member`.
    pub fn segment(self) -> &'static str {
        match self {
            Resource::User => "user",
            Resource::Member => "member",
        }
    }

    /// The name of the path id argument, as messages name it.
    pub fn id_name(self) -> &'static str {
        match self {
            Resource::User => "user_guid",
            Resource::Member => "member_guid",
        }
    }

    /// What the path id may be, for messages.
    pub fn id_kinds(self) -> &'static str {
        match self {
            Resource::User => "a user_guid or external_user_guid",
            Resource::Member => "a member_guid or external_member_guid",
        }
    }

    /// The key of the resource in an ensure's answer: `{"created": …, "user": …}`.
    pub fn key(self) -> &'static str {
        self.segment()
    }

    /// Whether an answer means "no such resource": MX answers 400 `User with guid … not found.`
    /// for users and 500 `Member not found.` for members (documented statuses; the text
    /// decides, since 400 and 500 have other causes too).
    pub fn is_not_found(self, http_status: u16, mx_error: Option<&str>) -> bool {
        let text = mx_error.unwrap_or("").to_ascii_lowercase();
        match self {
            Resource::User => http_status == 400 && text.contains("not found"),
            Resource::Member => http_status == 500 && text.contains("member not found"),
        }
    }

    /// The read operation of this resource (ensure's first step, a create's read-back).
    pub fn read(self) -> Operation {
        match self {
            Resource::User => Operation::UserRead,
            Resource::Member => Operation::MemberRead,
        }
    }

    /// The create operation of this resource.
    pub fn create(self) -> Operation {
        match self {
            Resource::User => Operation::UserCreate,
            Resource::Member => Operation::MemberCreate,
        }
    }
}

/// How an operation may be retried (design "Retries, by operation").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryClass {
    /// Reads and updates: retried on connect failures, 429, 502, 503, 504.
    Idempotent,
    /// As idempotent; "not found" after an unknown outcome means the earlier attempt did it.
    Delete,
    /// Not idempotent: retried freely only while nothing was processed; an unknown outcome is
    /// resolved by reading the external guid back.
    Create,
    /// Read, then create when not found (the guide's workflow), the race resolved by a read.
    Ensure,
}

/// One row of the table.
#[derive(Debug)]
pub struct Spec {
    pub operation: Operation,
    /// The public name: `"user.update"`.
    pub name: &'static str,
    pub resource: Resource,
    pub method: Method,
    /// The request path takes an id (`/user/{id}`).
    pub takes_id: bool,
    /// The body's rules; `None` for a request without a body.
    pub body: Option<Rules>,
    pub retry: RetryClass,
    /// MX documents the operation (a reference page); the others are inferred from the guide
    /// and the errors page, and accept any 2xx with or without a body.
    pub documented: bool,
}

/// Every operation of the API, in the order of the table below.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operation {
    UserCreate,
    UserRead,
    UserUpdate,
    UserDelete,
    UserEnsure,
    MemberCreate,
    MemberRead,
    MemberUpdate,
    MemberDelete,
    MemberEnsure,
}

use Method::{Get, Post, Put};
use Resource::{Member, User};
use RetryClass::{Create, Ensure, Idempotent};

/// The operations table (design "Operations (0.2)"). Row `i` describes `Operation` number `i`.
#[rustfmt::skip]
pub const OPERATIONS: [Spec; 10] = [
    row(Operation::UserCreate, "user.create", User, Post, false, Some(Rules::CreateUser), Create, true),
    row(Operation::UserRead, "user.read", User, Get, true, None, Idempotent, true),
    row(Operation::UserUpdate, "user.update", User, Put, true, Some(Rules::UpdateUser), Idempotent, true),
    row(Operation::UserDelete, "user.delete", User, Method::Delete, true, None, RetryClass::Delete, false),
    row(Operation::UserEnsure, "user.ensure", User, Post, false, Some(Rules::CreateUser), Ensure, true),
    row(Operation::MemberCreate, "member.create", Member, Post, false, Some(Rules::CreateMember), Create, true),
    row(Operation::MemberRead, "member.read", Member, Get, true, None, Idempotent, false),
    row(Operation::MemberUpdate, "member.update", Member, Put, true, Some(Rules::UpdateMember), Idempotent, false),
    row(Operation::MemberDelete, "member.delete", Member, Method::Delete, true, None, RetryClass::Delete, false),
    row(Operation::MemberEnsure, "member.ensure", Member, Post, false, Some(Rules::CreateMember), Ensure, true),
];

#[allow(clippy::too_many_arguments)]
const fn row(
    operation: Operation,
    name: &'static str,
    resource: Resource,
    method: Method,
    takes_id: bool,
    body: Option<Rules>,
    retry: RetryClass,
    documented: bool,
) -> Spec {
    Spec {
        operation,
        name,
        resource,
        method,
        takes_id,
        body,
        retry,
        documented,
    }
}

impl Operation {
    /// Every operation, in table order.
    pub fn all() -> impl Iterator<Item = Operation> {
        OPERATIONS.iter().map(|spec| spec.operation)
    }

    /// This operation's row.
    pub fn spec(self) -> &'static Spec {
        &OPERATIONS[self as usize]
    }

    /// The public name, such as `"user.update"`.
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// The operation with this public name; an unknown name is an error that lists the known.
    pub fn from_name(name: &str) -> Result<Operation, Error> {
        OPERATIONS
            .iter()
            .find(|spec| spec.name == name)
            .map(|spec| spec.operation)
            .ok_or_else(|| {
                let known: Vec<&str> = OPERATIONS.iter().map(|s| s.name).collect();
                Error::InvalidArgument(format!(
                    "operation \"{}\" is unknown; known operations: {}",
                    name.escape_debug(),
                    known.join(", ")
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_in_enum_order_and_names_are_resource_dot_verb() {
        for (i, spec) in OPERATIONS.iter().enumerate() {
            assert_eq!(spec.operation as usize, i, "{}", spec.name);
            assert_eq!(Operation::from_name(spec.name).unwrap(), spec.operation);
            assert!(spec.name.starts_with(spec.resource.segment()));
            // A read or delete has no body; everything but create/ensure takes an id.
            let verb = spec.name.split('.').nth(1).unwrap();
            assert_eq!(
                spec.takes_id,
                !matches!(verb, "create" | "ensure"),
                "{}",
                spec.name
            );
            assert_eq!(
                spec.body.is_none(),
                matches!(verb, "read" | "delete"),
                "{}",
                spec.name
            );
        }
        let err = Operation::from_name("user.updat").unwrap_err().to_string();
        assert!(
            err.contains("user.update") && err.contains("user.updat"),
            "{err}"
        );
    }

    #[test]
    fn not_found_is_told_by_status_and_text() {
        assert!(User.is_not_found(400, Some("User with guid x not found.")));
        assert!(!User.is_not_found(400, Some("Invalid format for external user guid.")));
        assert!(!User.is_not_found(404, None));
        assert!(Member.is_not_found(500, Some("Member not found.")));
        assert!(!Member.is_not_found(500, Some("Create user failed: Client must be associated.")));
    }
}

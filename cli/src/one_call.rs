//! `mx-sso user …` and `mx-sso member …`: one operation, one call through the library's one
//! request path (`Client::call`), MX's JSON printed.

use mx_sso::{Call, Client, Operation};

use crate::args::{BodyArgs, MemberCommand, NoFields, UserCommand, UserFields};
use crate::body;
use crate::exit::UsageError;
use crate::output;

/// What one command asks for: the operation, its id and its body text.
struct Request {
    op: Operation,
    id: Option<String>,
    body: Option<String>,
}

fn user_body(args: &BodyArgs<UserFields>) -> Result<Option<String>, UsageError> {
    body::from_args(args.json.as_deref(), &args.fields.given())
}

fn member_body(args: &BodyArgs<NoFields>) -> Result<Option<String>, UsageError> {
    body::from_args(args.json.as_deref(), &[])
}

fn user_request(command: &UserCommand) -> Result<Request, UsageError> {
    let (op, id, body) = match command {
        UserCommand::Read { id } => (Operation::UserRead, Some(id), None),
        UserCommand::Delete { id } => (Operation::UserDelete, Some(id), None),
        UserCommand::Create(args) => (Operation::UserCreate, None, user_body(args)?),
        UserCommand::Ensure(args) => (Operation::UserEnsure, None, user_body(args)?),
        UserCommand::Update { id, body } => (Operation::UserUpdate, Some(id), user_body(body)?),
    };
    Ok(Request {
        op,
        id: id.cloned(),
        body,
    })
}

fn member_request(command: &MemberCommand) -> Result<Request, UsageError> {
    let (op, id, body) = match command {
        MemberCommand::Read { id } => (Operation::MemberRead, Some(id), None),
        MemberCommand::Delete { id } => (Operation::MemberDelete, Some(id), None),
        MemberCommand::Create(args) => (Operation::MemberCreate, None, member_body(args)?),
        MemberCommand::Ensure(args) => (Operation::MemberEnsure, None, member_body(args)?),
        MemberCommand::Update { id, body } => {
            (Operation::MemberUpdate, Some(id), member_body(body)?)
        }
    };
    Ok(Request {
        op,
        id: id.cloned(),
        body,
    })
}

/// Runs a user command; the exit status.
pub fn user(client: &Client, command: &UserCommand) -> Result<u8, UsageError> {
    Ok(run(client, user_request(command)?))
}

/// Runs a member command; the exit status.
pub fn member(client: &Client, command: &MemberCommand) -> Result<u8, UsageError> {
    Ok(run(client, member_request(command)?))
}

fn run(client: &Client, request: Request) -> u8 {
    let body = match (request.op.spec().body.is_some(), request.body) {
        // The library names the missing body; the CLI says how to give one.
        (true, None) => {
            eprintln!(
                "mx-sso: {} needs a body: --json BODY (or @FILE, or - for standard input){}",
                request.op.name(),
                if request.op.spec().resource == mx_sso::operation::Resource::User {
                    ", or field flags such as --status DISABLED"
                } else {
                    ""
                }
            );
            return crate::exit::USAGE;
        }
        (_, body) => body,
    };
    let result = client.call(
        request.op,
        &Call::new(request.id.as_deref(), body.as_deref()),
    );
    output::print_result(result)
}

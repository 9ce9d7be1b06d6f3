//! Exit statuses (design "The command-line tool") and the usage error that leads to status 2.

use std::process::ExitCode;

/// Every call or row succeeded.
pub const OK: u8 = 0;
/// A call failed, or some rows of a batch did (the report says which).
pub const FAILED: u8 = 1;
/// A usage error or a bad input file: nothing was sent.
pub const USAGE: u8 = 2;
/// Interrupted by Ctrl-C (or SIGTERM): in-flight rows were finished and reported.
pub const INTERRUPTED: u8 = 130;

/// A usage error: a message that says what to do; exit status 2, nothing sent.
#[derive(Debug)]
pub struct UsageError(pub String);

impl UsageError {
    /// Prints the message on standard error and gives exit status 2.
    pub fn report(&self) -> ExitCode {
        eprintln!("mx-sso: {}", self.0);
        ExitCode::from(USAGE)
    }
}

impl From<String> for UsageError {
    fn from(message: String) -> Self {
        UsageError(message)
    }
}

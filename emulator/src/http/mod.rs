//! Server-side HTTP/1.1 for the emulator: request heads parsed with `httparse`, bodies
//! (`Content-Length` and chunked), responses built in one buffer, and query-string helpers.
//!
//! The socket loop stays ours (see `server.rs`): faults need to close without an answer, cut an
//! answer short or trickle it, which no HTTP server library lets a handler do.

mod input;
mod query;
mod request;
mod response;
mod transport;

pub use input::Input;
pub use query::{percent_decode, query_param, redact_query};
pub use request::{read_body, read_head, ReadError, RequestHead};
pub use response::{reason_phrase, Response};
pub use transport::Transport;

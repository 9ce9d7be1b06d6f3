//! Server-side HTTP/1.1 for the emulator: request heads parsed with `httparse`, bodies
//! (`Content-Length` and chunked), responses built in one buffer, and query-string helpers.
//!
//! The socket loop stays ours (see `server.rs`): faults need to close without an answer, cut an
//! answer short or trickle it, which no HTTP server library lets a handler do.

mod query;
mod request;
mod response;

pub use query::{percent_decode, query_param, redact_query};
pub use request::{read_body, read_head, Input, ReadError, RequestHead};
pub use response::{reason_phrase, Response};

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::Duration;

/// A byte stream the server can answer on: plain TCP or TLS over TCP.
pub trait Transport: Read + Write + Send {
    /// Half-closes the underlying socket for writing (the client then sees EOF), without
    /// sending anything else (no TLS close_notify: "no answer" must mean no bytes of HTTP).
    fn shutdown_write(&mut self);
    /// Sets the read timeout of the underlying socket.
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()>;
}

impl Transport for TcpStream {
    fn shutdown_write(&mut self) {
        let _ = self.shutdown(Shutdown::Write);
    }
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        TcpStream::set_read_timeout(self, timeout)
    }
}

//! The byte streams the server answers on: plain TCP, or TLS over TCP (`tls.rs`).

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

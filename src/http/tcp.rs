//! A lean TCP transport for ureq (its `unversioned` transport API, hence the exact ureq pin).
//!
//! Measured in `bench/`: ureq's own `TcpTransport` makes 12 syscalls per keep-alive call where
//! libcurl makes 5, and the syscalls, not ureq's code, are what made mx-sso slower than libcurl.
//! This transport does the same work in 3:
//! - liveness: one `recv(MSG_PEEK | MSG_DONTWAIT)` instead of switching the socket to
//!   non-blocking and back, and none at all when the pool takes back a connection that has just
//!   finished an exchange (it is probed again before its next use anyway);
//! - the request head and body leave in one `send` (buffered until the first read; mx-sso never
//!   uses `Expect: 100-continue`, so nothing waits for the server in between);
//! - socket timeouts move in 10 ms steps, rounded up, so `setsockopt` runs only when a
//!   deadline really changes, not at every step of every call. A timeout can therefore fire up
//!   to 10 ms after its deadline, never before.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use ureq::unversioned::transport::time::{Duration as UreqDuration, Instant as UreqInstant};
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, Either, LazyBuffers, NextTimeout, ShutdownHandle,
    Transport,
};

/// Socket timeouts are set in steps of this size.
const TIMEOUT_STEP: Duration = Duration::from_millis(10);

/// Requests are small; past this much buffered output, send at once rather than grow.
const MAX_BUFFERED_OUTPUT: usize = 256 * 1024;

/// Opens plain TCP connections (the first hop; TLS is chained after it).
#[derive(Debug, Default)]
pub struct LeanTcpConnector;

impl<In: Transport> Connector<In> for LeanTcpConnector {
    type Out = Either<In, LeanTcpTransport>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        if let Some(transport) = chained {
            // An earlier connector (a CONNECT proxy) already made the connection.
            return Ok(Some(Either::A(transport)));
        }
        let stream = connect_any(&details.addrs, time_left(details))?;
        if details.config.no_delay() {
            stream.set_nodelay(true)?;
        }
        let buffers = LazyBuffers::new(
            details.config.input_buffer_size(),
            details.config.output_buffer_size(),
        );
        let transport = LeanTcpTransport {
            stream: Arc::new(stream),
            buffers,
            pending_output: Vec::new(),
            read_timeout: None,
            write_timeout: None,
            just_exchanged: false,
        };
        (details.register_shutdown)(Arc::downgrade(&transport.stream) as Weak<dyn ShutdownHandle>)?;
        Ok(Some(Either::B(transport)))
    }
}

/// What is left of the connect deadline of `details` now: every step of a connection (the
/// proxy's name and answer, the TCP connects, the TLS handshakes) shares the one deadline.
pub(crate) fn time_left(details: &ConnectionDetails) -> NextTimeout {
    let mut timeout = details.timeout;
    if let (UreqDuration::Exact(limit), UreqInstant::Exact(now), UreqInstant::Exact(start)) =
        (timeout.after, (details.current_time)(), details.now)
    {
        timeout.after =
            UreqDuration::Exact(limit.saturating_sub(now.saturating_duration_since(start)));
    }
    timeout
}

/// Tries each resolved address in turn within one connect deadline shared by all of them; an
/// address that refuses or is unreachable moves on to the next (as curl and ureq do).
fn connect_any(addrs: &[SocketAddr], timeout: NextTimeout) -> Result<TcpStream, ureq::Error> {
    // `not_zero` turns a spent budget into one second; a spent budget is a timeout here.
    if timeout.after.is_zero() {
        return Err(ureq::Error::Timeout(timeout.reason));
    }
    let deadline = timeout.not_zero().map(|limit| Instant::now() + *limit);
    let mut last_error = None;
    for addr in addrs {
        let attempt = match deadline {
            Some(deadline) => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(ureq::Error::Timeout(timeout.reason));
                }
                TcpStream::connect_timeout(addr, left)
            }
            None => TcpStream::connect(addr),
        };
        match attempt {
            Ok(stream) => return Ok(stream),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
                ) =>
            {
                return Err(ureq::Error::Timeout(timeout.reason));
            }
            Err(e) if is_address_specific(&e) => last_error = Some(e),
            Err(e) => return Err(e.into()),
        }
    }
    Err(last_error
        .unwrap_or_else(|| {
            io::Error::new(io::ErrorKind::ConnectionRefused, "no address to connect to")
        })
        .into())
}

fn is_address_specific(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::HostUnreachable
            | io::ErrorKind::NetworkUnreachable
            | io::ErrorKind::NetworkDown
            | io::ErrorKind::AddrNotAvailable
    )
}

/// A TCP connection as ureq's transport.
pub struct LeanTcpTransport {
    /// Shared (weakly) with ureq's shutdown handle, which can close it from another thread.
    stream: Arc<TcpStream>,
    buffers: LazyBuffers,
    /// Output written by ureq but not yet sent: sent whole before the first read.
    pending_output: Vec<u8>,
    /// The timeouts last set on the socket (already rounded to [`TIMEOUT_STEP`]).
    read_timeout: Option<Duration>,
    write_timeout: Option<Duration>,
    /// The last thing done was an exchange: the next liveness probe is the pool taking the
    /// connection back, which needs no syscall.
    just_exchanged: bool,
}

impl fmt::Debug for LeanTcpTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LeanTcpTransport")
            .field("peer", &self.stream.peer_addr().ok())
            .finish_non_exhaustive()
    }
}

/// `remaining` rounded up to a whole [`TIMEOUT_STEP`]; `None` when no timeout applies.
fn stepped(timeout: &NextTimeout) -> Option<Duration> {
    let limit = *timeout.not_zero()?;
    let step = TIMEOUT_STEP.as_nanos();
    let steps = limit.as_nanos().div_ceil(step).max(1);
    let nanos = steps.saturating_mul(step).min(u64::MAX as u128) as u64;
    Some(Duration::from_nanos(nanos))
}

/// Turns an I/O error into ureq's, naming a timeout by its reason.
fn io_error(e: io::Error, timeout: &NextTimeout) -> ureq::Error {
    match e.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => ureq::Error::Timeout(timeout.reason),
        _ => e.into(),
    }
}

impl LeanTcpTransport {
    fn send_pending(&mut self, timeout: &NextTimeout) -> Result<(), ureq::Error> {
        if self.pending_output.is_empty() {
            return Ok(());
        }
        let wanted = stepped(timeout);
        if wanted != self.write_timeout {
            self.stream.set_write_timeout(wanted)?;
            self.write_timeout = wanted;
        }
        let result = (&*self.stream).write_all(&self.pending_output);
        self.pending_output.clear();
        result.map_err(|e| io_error(e, timeout))
    }
}

/// Output still held when the connection is dropped is sent, best effort, without waiting.
/// Nothing reads after a failed TLS handshake, so the alert rustls wrote to say why (`unknown
/// ca`, `bad certificate`) would otherwise never leave, and the server would see only a closed
/// connection. What else can be held here is never a request a server could process: a
/// request's last bytes are always sent by the read of its answer.
impl Drop for LeanTcpTransport {
    fn drop(&mut self) {
        if self.pending_output.is_empty() {
            return;
        }
        // SAFETY: a valid socket descriptor owned by `stream`, and a buffer of that length.
        unsafe {
            libc::send(
                self.stream.as_raw_fd(),
                self.pending_output.as_ptr().cast(),
                self.pending_output.len(),
                libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL,
            );
        }
    }
}

impl Transport for LeanTcpTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        let timeout = timeout.for_write();
        if timeout.after.is_zero() {
            return Err(ureq::Error::Timeout(timeout.reason));
        }
        self.just_exchanged = false;
        let output = &self.buffers.output()[..amount];
        self.pending_output.extend_from_slice(output);
        if self.pending_output.len() >= MAX_BUFFERED_OUTPUT {
            self.send_pending(&timeout)?;
        }
        Ok(())
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        // Held output goes out before the deadline is checked: a request's last bytes are
        // always sent by the read of its answer (what `Drop` relies on).
        self.send_pending(&timeout.for_write())?;
        let timeout = timeout.for_read();
        if timeout.after.is_zero() {
            return Err(ureq::Error::Timeout(timeout.reason));
        }
        let wanted = stepped(&timeout);
        if wanted != self.read_timeout {
            self.stream.set_read_timeout(wanted)?;
            self.read_timeout = wanted;
        }
        let input = self.buffers.input_append_buf();
        let amount = loop {
            match (&*self.stream).read(input) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(io_error(e, &timeout)),
            }
        };
        self.buffers.input_appended(amount);
        self.just_exchanged = true;
        Ok(amount > 0)
    }

    fn is_open(&mut self) -> bool {
        if std::mem::take(&mut self.just_exchanged) {
            return true;
        }
        // One syscall: is anything (data or end of stream) waiting on an idle connection?
        let mut byte = 0u8;
        // SAFETY: a valid socket descriptor owned by `stream`, and a one-byte buffer.
        let n = unsafe {
            libc::recv(
                self.stream.as_raw_fd(),
                (&mut byte as *mut u8).cast(),
                1,
                libc::MSG_PEEK | libc::MSG_DONTWAIT,
            )
        };
        // -1 with EAGAIN: nothing waiting, the connection is usable. 0: closed by the peer.
        // > 0: bytes nobody asked for. Any other error: unusable.
        n < 0 && io::Error::last_os_error().kind() == io::ErrorKind::WouldBlock
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ureq::unversioned::transport::time::Duration as UreqDuration;

    fn timeout(after: UreqDuration) -> NextTimeout {
        NextTimeout {
            after,
            ..NextTimeout::default()
        }
    }

    #[test]
    fn timeouts_round_up_to_whole_steps() {
        let ms = |m| Some(Duration::from_millis(m));
        assert_eq!(stepped(&timeout(UreqDuration::from_millis(1))), ms(10));
        assert_eq!(stepped(&timeout(UreqDuration::from_millis(10))), ms(10));
        assert_eq!(
            stepped(&timeout(UreqDuration::from_millis(29_996))),
            ms(30_000)
        );
        assert_eq!(
            stepped(&timeout(UreqDuration::Exact(Duration::from_micros(
                29_999_950
            )))),
            ms(30_000)
        );
        assert_eq!(stepped(&timeout(UreqDuration::NotHappening)), None);
    }
}

//! Accepting connections and reading requests: one thread per connection, buffered reads,
//! control requests to `control.rs`, the others through `exchange.rs`.

use crate::exchange::{self, log_request, write_response};
use crate::http::{self, Input, ReadError, Response, Transport};
use crate::state::{lock, Outcome, Shared};
use crate::{control, tls};
use std::io::Read;
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

/// Accepts connections until the emulator stops.
pub(crate) fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    for incoming in listener.incoming() {
        if shared.stopping.load(Ordering::SeqCst) {
            break;
        }
        match incoming {
            Ok(tcp) => spawn_connection(&shared, tcp),
            // Out of file descriptors and the like: back off instead of spinning.
            Err(_) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
}

/// Removes a connection from the open set when its thread ends, even by panic.
struct OpenGuard<'a> {
    shared: &'a Shared,
    id: u64,
}

impl Drop for OpenGuard<'_> {
    fn drop(&mut self) {
        lock(&self.shared.open).remove(&self.id);
        self.shared.open_changed.notify_all();
    }
}

fn spawn_connection(shared: &Arc<Shared>, tcp: TcpStream) {
    let id = shared.next_connection_id.fetch_add(1, Ordering::Relaxed) + 1;
    let _ = tcp.set_nodelay(true);
    // The write timeout frees the thread of a client that stops reading mid-answer.
    if tcp.set_read_timeout(Some(shared.idle_timeout)).is_err()
        || tcp.set_write_timeout(Some(shared.idle_timeout)).is_err()
    {
        return;
    }
    let Ok(handle) = tcp.try_clone() else {
        return;
    };
    lock(&shared.open).insert(id, handle);
    let thread_shared = Arc::clone(shared);
    let spawned = std::thread::Builder::new()
        .name(format!("mx-emu-conn-{id}"))
        .spawn(move || {
            let _guard = OpenGuard {
                shared: &thread_shared,
                id,
            };
            serve_tcp(&thread_shared, tcp, id);
        });
    if spawned.is_err() {
        lock(&shared.open).remove(&id);
    }
}

fn serve_tcp(shared: &Shared, tcp: TcpStream, id: u64) {
    match &shared.tls {
        None => serve(shared, tcp, Connection::new(id, false)),
        Some(config) => {
            let stream = match tls::accept(config, tcp) {
                Ok(stream) => stream,
                Err(e) => return shared.record_tls_failure(e.to_string()),
            };
            let resumed = stream.conn.handshake_kind() == Some(rustls::HandshakeKind::Resumed);
            serve(shared, stream, Connection::new(id, resumed).with_tls())
        }
    }
}

/// Per-connection bookkeeping.
struct Connection {
    id: u64,
    tls: bool,
    tls_resumed: bool,
    /// Counted in the stats once it carries its first API request, so that control
    /// requests (another connection) never skew a test's connection count.
    counted: bool,
}

impl Connection {
    fn new(id: u64, tls_resumed: bool) -> Self {
        Connection {
            id,
            tls: false,
            tls_resumed,
            counted: false,
        }
    }

    fn with_tls(mut self) -> Self {
        self.tls = true;
        self
    }
}

fn is_control_path(path: &str) -> bool {
    path == "/_emulator" || path.starts_with("/_emulator/")
}

/// Serves requests on one connection until it closes, fails, times out or the emulator stops.
fn serve<S: Transport>(shared: &Shared, stream: S, mut conn: Connection) {
    let mut reader = Input::new(stream);
    while !shared.stopping.load(Ordering::Relaxed) {
        let head = match http::read_head(&mut reader) {
            Ok(head) => head,
            Err(ReadError::Closed | ReadError::Io(_)) => return,
            Err(error) => {
                answer_read_error(&mut reader, error);
                return;
            }
        };
        let control = is_control_path(head.path());
        if !control {
            shared.requests.fetch_add(1, Ordering::Relaxed);
            if !conn.counted {
                conn.counted = true;
                shared.connections.fetch_add(1, Ordering::Relaxed);
                if conn.tls {
                    shared.tls_handshakes.fetch_add(1, Ordering::Relaxed);
                    if conn.tls_resumed {
                        shared.tls_resumptions.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }
        let body = match http::read_body(&mut reader, &head, shared.max_body_bytes) {
            Ok(body) => body,
            Err(ReadError::Closed | ReadError::Io(_)) => return,
            Err(error) => {
                if !control {
                    let status = read_error_response(&error).map(|r| r.status);
                    log_request(shared, conn.id, &head, status, Outcome::Answered, None);
                }
                answer_read_error(&mut reader, error);
                return;
            }
        };
        let keep_alive = if control {
            let response = control::handle(shared, &head, &body);
            write_response(reader.get_mut(), &response, head.keep_alive)
        } else {
            exchange::user_exchange(shared, reader.get_mut(), conn.id, &head, &body)
        };
        if !keep_alive {
            reader.get_mut().shutdown_write();
            return;
        }
    }
}

fn read_error_response(error: &ReadError) -> Option<Response> {
    let status = match error {
        ReadError::Closed | ReadError::Io(_) => return None,
        ReadError::Malformed(reason) => {
            // A web-server-level answer (MX documents none): plain text saying what was wrong.
            return Some(Response {
                status: 400,
                content_type: Some("text/plain".to_string()),
                extra_headers: Vec::new(),
                body: format!("Bad request: {reason}.\n").into_bytes(),
            });
        }
        ReadError::HeadTooLarge => 431,
        ReadError::BodyTooLarge => 413,
        ReadError::UnsupportedTransferEncoding => 501,
    };
    Some(Response::empty(status))
}

/// Answers an unreadable request and closes, draining (bounded) what the client is still
/// sending so that it reads the answer instead of a connection reset.
fn answer_read_error<S: Transport>(reader: &mut Input<S>, error: ReadError) {
    let Some(response) = read_error_response(&error) else {
        return;
    };
    let stream = reader.get_mut();
    if stream.write_all(&response.to_bytes(false)).is_err() || stream.flush().is_err() {
        return;
    }
    stream.shutdown_write();
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    let mut sink = [0u8; 16 * 1024];
    let mut drained = 0usize;
    while drained < 64 * 1024 * 1024 {
        match reader.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => drained += n,
        }
    }
}

/// First half of stopping: no new work, and the accept loop is woken so that it ends.
pub(crate) fn begin_stop(shared: &Shared, wake: std::net::SocketAddr) {
    shared.stopping.store(true, Ordering::SeqCst);
    // Wake the blocking accept() with a connection of our own.
    let _ = TcpStream::connect_timeout(&wake, Duration::from_secs(1));
}

/// Second half, after the accept thread has ended: unblock every connection thread and wait
/// (bounded) for them to end.
pub(crate) fn close_connections(shared: &Shared) {
    for stream in lock(&shared.open).values() {
        let _ = stream.shutdown(Shutdown::Both);
    }
    let open = lock(&shared.open);
    let _ = shared
        .open_changed
        .wait_timeout_while(open, Duration::from_secs(5), |open| !open.is_empty());
}

//! Accepting connections and answering requests: one thread per connection, buffered reads,
//! one write per answer.

use crate::faults::{Fault, FaultQueue};
use crate::http::{self, ReadError, RequestHead, Response, Transport};
use crate::users::UserStore;
use crate::{control, tls, LoggedRequest, Outcome, Stats};
use rustls::ServerConfig;
use std::collections::{HashMap, VecDeque};
use std::io::{BufReader, Read};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Locks a mutex even if a thread panicked while holding it: every structure behind these
/// mutexes stays consistent between statements, and one broken connection must not take the
/// whole emulator down with it.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// State shared by the accept thread, the connection threads and the `Emulator` handle.
pub(crate) struct Shared {
    pub api_key: String,
    pub client_guid: String,
    pub external_client_guid: Option<String>,
    pub max_body_bytes: usize,
    pub idle_timeout: Duration,
    pub log_to_stderr: bool,
    pub log_capacity: usize,
    pub tls: Option<Arc<ServerConfig>>,
    pub users: Mutex<UserStore>,
    pub faults: Mutex<FaultQueue>,
    pub log: Mutex<VecDeque<LoggedRequest>>,
    pub requests: AtomicU64,
    pub connections: AtomicU64,
    pub tls_handshakes: AtomicU64,
    pub tls_resumptions: AtomicU64,
    pub faults_applied: AtomicU64,
    pub stopping: AtomicBool,
    /// Open connections (a clone of each socket, so that shutdown can unblock their threads).
    pub open: Mutex<HashMap<u64, TcpStream>>,
    pub open_changed: Condvar,
    pub next_connection_id: AtomicU64,
}

impl Shared {
    pub fn stats(&self) -> Stats {
        Stats {
            requests: self.requests.load(Ordering::Relaxed),
            connections: self.connections.load(Ordering::Relaxed),
            tls_handshakes: self.tls_handshakes.load(Ordering::Relaxed),
            tls_resumptions: self.tls_resumptions.load(Ordering::Relaxed),
            faults_pending: lock(&self.faults).pending(),
            faults_applied: self.faults_applied.load(Ordering::Relaxed),
            open_connections: lock(&self.open).len() as u64,
        }
    }

    pub fn reset_counters(&self) {
        for counter in [
            &self.requests,
            &self.connections,
            &self.tls_handshakes,
            &self.tls_resumptions,
            &self.faults_applied,
        ] {
            counter.store(0, Ordering::Relaxed);
        }
    }

    pub fn reset(&self) {
        self.reset_counters();
        lock(&self.faults).clear();
        lock(&self.log).clear();
    }

    fn record(&self, entry: LoggedRequest) {
        if self.log_to_stderr {
            let status = entry.status.map_or("-".to_string(), |s| s.to_string());
            let fault = entry
                .fault
                .map(|f| format!(" fault={f}"))
                .unwrap_or_default();
            let sep = if entry.query.is_empty() { "" } else { "?" };
            eprintln!(
                "mx-sso-emulator: conn={} {} {}{}{} -> {} {:?}{}",
                entry.connection,
                entry.method,
                entry.path,
                sep,
                entry.query,
                status,
                entry.outcome,
                fault
            );
        }
        if self.log_capacity == 0 {
            return;
        }
        let mut log = lock(&self.log);
        while log.len() >= self.log_capacity {
            log.pop_front();
        }
        log.push_back(entry);
    }

    /// Sleeps up to `duration`, waking early when the emulator stops. Returns false if stopped.
    fn sleep(&self, duration: Duration) -> bool {
        let deadline = Instant::now() + duration;
        loop {
            if self.stopping.load(Ordering::Relaxed) {
                return false;
            }
            let now = Instant::now();
            if now >= deadline {
                return true;
            }
            std::thread::sleep((deadline - now).min(Duration::from_millis(20)));
        }
    }
}

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
            let Ok(stream) = tls::accept(config, tcp) else {
                return;
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
    /// Counted in the stats once it carries its first user-resource request, so that control
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
    let mut reader = BufReader::with_capacity(16 * 1024, stream);
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
                    log_request(shared, &conn, &head, status, Outcome::Answered, None);
                }
                answer_read_error(&mut reader, error);
                return;
            }
        };
        let keep_alive = if control {
            let response = control::handle(shared, &head, &body);
            write_response(reader.get_mut(), &response, head.keep_alive)
        } else {
            user_exchange(shared, reader.get_mut(), &conn, &head, &body)
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
fn answer_read_error<S: Transport>(reader: &mut BufReader<S>, error: ReadError) {
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

/// Writes a whole answer in one write. Returns whether the connection stays open.
fn write_response<S: Transport>(stream: &mut S, response: &Response, keep_alive: bool) -> bool {
    stream.write_all(&response.to_bytes(keep_alive)).is_ok() && stream.flush().is_ok() && keep_alive
}

fn log_request(
    shared: &Shared,
    conn: &Connection,
    head: &RequestHead,
    status: Option<u16>,
    outcome: Outcome,
    fault: Option<&'static str>,
) {
    if shared.log_capacity == 0 && !shared.log_to_stderr {
        return;
    }
    shared.record(LoggedRequest {
        connection: conn.id,
        method: head.method.clone(),
        path: head.path().to_string(),
        query: http::redact_query(head.query()),
        status,
        outcome,
        fault,
    });
}

/// One user-resource request: faults first, then MX's behaviour. Returns keep-alive.
fn user_exchange<S: Transport>(
    shared: &Shared,
    stream: &mut S,
    conn: &Connection,
    head: &RequestHead,
    body: &[u8],
) -> bool {
    let fault = lock(&shared.faults).take();
    let fault_kind = fault.as_ref().map(Fault::kind);
    if fault.is_some() {
        shared.faults_applied.fetch_add(1, Ordering::Relaxed);
    }
    let log = |status: Option<u16>, outcome: Outcome| {
        log_request(shared, conn, head, status, outcome, fault_kind)
    };
    let keep_alive = head.keep_alive;

    // Faults that answer instead of the emulator.
    match &fault {
        Some(Fault::Close) => {
            log(None, Outcome::NoAnswer);
            return false;
        }
        Some(Fault::Status {
            status,
            retry_after,
        }) => {
            let mut response = fault_status_response(*status);
            if let Some(value) = retry_after {
                response
                    .extra_headers
                    .push(("Retry-After".to_string(), value.clone()));
            }
            log(Some(*status), Outcome::Answered);
            return write_response(stream, &response, keep_alive);
        }
        Some(Fault::Response {
            status,
            content_type,
            body,
        }) => {
            let response = Response {
                status: *status,
                content_type: content_type.clone(),
                extra_headers: Vec::new(),
                body: body.clone().into_bytes(),
            };
            log(Some(*status), Outcome::Answered);
            return write_response(stream, &response, keep_alive);
        }
        Some(Fault::LargeBody { bytes }) => {
            let complete = write_large_body(shared, stream, *bytes, keep_alive);
            log(
                Some(200),
                if complete {
                    Outcome::Answered
                } else {
                    Outcome::ClientGone
                },
            );
            return complete && keep_alive;
        }
        Some(Fault::Delay { ms }) => {
            if !shared.sleep(Duration::from_millis(*ms)) {
                return false;
            }
        }
        Some(Fault::TruncatedBody | Fault::Trickle { .. }) | None => {}
    }

    let Some(response) = answer(shared, head, body) else {
        // MX: a wrong API key "fails with no return".
        log(None, Outcome::NoAnswerBadKey);
        return false;
    };
    match fault {
        Some(Fault::TruncatedBody) => {
            let announced = response.body.len().max(16) as u64;
            let mut bytes = response.head_bytes(announced, false);
            bytes.extend_from_slice(&response.body[..response.body.len() / 2]);
            let _ = stream.write_all(&bytes).and_then(|()| stream.flush());
            log(Some(response.status), Outcome::Truncated);
            false
        }
        Some(Fault::Trickle { interval_ms }) => {
            let interval = Duration::from_millis(interval_ms);
            let bytes = response.to_bytes(keep_alive);
            for (i, byte) in bytes.iter().enumerate() {
                if i > 0 && !shared.sleep(interval) {
                    log(Some(response.status), Outcome::ClientGone);
                    return false;
                }
                if stream
                    .write_all(std::slice::from_ref(byte))
                    .and_then(|()| stream.flush())
                    .is_err()
                {
                    log(Some(response.status), Outcome::ClientGone);
                    return false;
                }
            }
            log(Some(response.status), Outcome::Answered);
            keep_alive
        }
        _ => {
            log(Some(response.status), Outcome::Answered);
            write_response(stream, &response, keep_alive)
        }
    }
}

/// The body MX would plausibly send with an injected status (README: "Faults").
fn fault_status_response(status: u16) -> Response {
    match status {
        // Documented: 502 has no body; 504 is treated like it (a gateway answer).
        502 | 504 => Response::empty(status),
        503 => Response::error(503, "Service Temporarily Unavailable."),
        429 => Response::error(429, "Too many requests."),
        404 => Response::empty(404),
        _ => {
            let phrase = http::reason_phrase(status);
            let text = if phrase.is_empty() {
                format!("HTTP {status}.")
            } else {
                format!("{phrase}.")
            };
            Response::error(status, &text)
        }
    }
}

/// Streams a 200 JSON-looking body of exactly `bytes` bytes. Returns whether all was written.
fn write_large_body<S: Transport>(
    shared: &Shared,
    stream: &mut S,
    bytes: u64,
    keep_alive: bool,
) -> bool {
    static FILLER: [u8; 64 * 1024] = [b'x'; 64 * 1024];
    let head = Response::json(200, Vec::new()).head_bytes(bytes, keep_alive);
    let (prefix, suffix): (&[u8], &[u8]) = if bytes >= 14 {
        (b"{\"padding\":\"", b"\"}")
    } else {
        (b"", b"")
    };
    if stream.write_all(&head).is_err() || stream.write_all(prefix).is_err() {
        return false;
    }
    let mut remaining = bytes - (prefix.len() + suffix.len()) as u64;
    while remaining > 0 {
        if shared.stopping.load(Ordering::Relaxed) {
            return false;
        }
        let n = remaining.min(FILLER.len() as u64) as usize;
        if stream.write_all(&FILLER[..n]).is_err() {
            return false;
        }
        remaining -= n as u64;
    }
    stream.write_all(suffix).is_ok() && stream.flush().is_ok()
}

fn is_json_content_type(value: Option<&str>) -> bool {
    value.is_some_and(|v| {
        v.split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .eq_ignore_ascii_case("application/json")
    })
}

/// MX's behaviour for one user-resource request; `None` means "no answer at all".
///
/// Order of checks (README: "Inferences"): API key, then route and content type (404), then
/// client (500), then the resource.
fn answer(shared: &Shared, head: &RequestHead, body: &[u8]) -> Option<Response> {
    let query = head.query();
    if http::query_param(query, "k").as_deref() != Some(shared.api_key.as_str()) {
        return None;
    }

    enum Route<'a> {
        Create,
        Read(&'a str),
        Update(&'a str),
        Delete(&'a str),
    }
    let path = head.path();
    let route = match (head.method.as_str(), path) {
        ("POST", "/user") => Some(Route::Create),
        (method, _) => match path.strip_prefix("/user/") {
            Some(raw) if !raw.is_empty() && !raw.contains('/') => match method {
                "GET" => Some(Route::Read(raw)),
                "PUT" => Some(Route::Update(raw)),
                "DELETE" => Some(Route::Delete(raw)),
                _ => None,
            },
            _ => None,
        },
    };
    let Some(route) = route else {
        return Some(Response::empty(404));
    };
    if matches!(route, Route::Create | Route::Update(_))
        && !is_json_content_type(head.content_type.as_deref())
    {
        return Some(Response::empty(404));
    }

    let client = http::query_param(query, "c");
    let client_ok = client.as_deref().is_some_and(|c| {
        c == shared.client_guid || shared.external_client_guid.as_deref() == Some(c)
    });
    if !client_ok {
        return Some(Response::error(
            500,
            "Create user failed: Client must be associated.",
        ));
    }

    let result = match route {
        Route::Create => lock(&shared.users).create(body),
        Route::Read(raw) => lock(&shared.users).read(&http::percent_decode(raw, false)),
        Route::Update(raw) => lock(&shared.users).update(&http::percent_decode(raw, false), body),
        Route::Delete(raw) => lock(&shared.users)
            .delete(&http::percent_decode(raw, false))
            .map(|()| Vec::new()),
    };
    Some(match (result, route) {
        (Ok(_), Route::Delete(_)) => Response::empty(204),
        (Ok(json), _) => Response::json(200, json),
        (Err(e), _) => Response::error(e.status, &e.message),
    })
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

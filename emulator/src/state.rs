//! State shared by the accept thread, the connection threads and the `Emulator` handle: the
//! configuration, the resources behind one lock, the fault queue, counters and the request log.

use crate::config::Config;
use crate::faults::FaultQueue;
use crate::store::Store;
use rustls::ServerConfig;
use serde::Serialize;
use std::collections::{HashMap, VecDeque};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Counters since start or the last reset. `requests`, `connections` and the TLS counts only
/// cover API requests (everything outside `/_emulator/`), so control calls never skew
/// them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Stats {
    /// User-resource requests whose head was read (attempts: faults and bad keys included).
    pub requests: u64,
    /// Connections that carried at least one API request.
    pub connections: u64,
    /// Completed TLS handshakes (full or resumed) on those connections.
    pub tls_handshakes: u64,
    /// Of `tls_handshakes`, how many resumed an earlier session.
    pub tls_resumptions: u64,
    /// Requests that will still meet a queued fault (sum of the remaining counts).
    pub faults_pending: u64,
    /// Requests a fault was applied to.
    pub faults_applied: u64,
    /// Connections open right now (control connections included).
    pub open_connections: u64,
}

/// How a API request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A complete answer was written (or the exchange ended on a read error answer).
    Answered,
    /// Wrong or missing API key: the connection was closed without a byte, as MX does.
    NoAnswerBadKey,
    /// A `close` fault: the connection was closed without a byte.
    NoAnswer,
    /// A `process_then_close` fault: the request was processed, then the connection was
    /// closed without a byte.
    ProcessedNoAnswer,
    /// A `truncated_body` fault: part of the answer, then close.
    Truncated,
    /// The client went away (or the emulator stopped) while the answer was being written.
    ClientGone,
}

/// One API request as the emulator saw it. The API key never appears: the query shows
/// `k=***`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoggedRequest {
    /// Connection number (1, 2, …), to see which requests shared a connection.
    pub connection: u64,
    pub method: String,
    /// Path as sent (still percent-encoded).
    pub path: String,
    /// Query as sent, with the value of `k` replaced by `***`.
    pub query: String,
    /// Status answered; `None` when nothing was answered.
    pub status: Option<u16>,
    pub outcome: Outcome,
    /// The `kind` of the fault applied, if any.
    pub fault: Option<&'static str>,
}

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
    /// Users and members: one lock, so that a request's change is atomic.
    pub store: Mutex<Store>,
    pub faults: Mutex<FaultQueue>,
    pub log: Mutex<VecDeque<LoggedRequest>>,
    /// Why recent TLS handshakes failed (the last [`TLS_FAILURES_KEPT`]), oldest first.
    pub tls_failures: Mutex<VecDeque<String>>,
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

/// How many TLS handshake failures are kept (see `Emulator::tls_failures`).
pub const TLS_FAILURES_KEPT: usize = 64;

impl Shared {
    pub fn new(config: Config, store: Store, tls: Option<Arc<ServerConfig>>) -> Self {
        Shared {
            api_key: config.api_key,
            client_guid: config.client_guid,
            external_client_guid: config.external_client_guid,
            max_body_bytes: config.max_body_bytes,
            idle_timeout: config.idle_timeout,
            log_to_stderr: config.log_to_stderr,
            log_capacity: config.log_capacity,
            tls,
            store: Mutex::new(store),
            faults: Mutex::new(FaultQueue::default()),
            log: Mutex::new(VecDeque::new()),
            tls_failures: Mutex::new(VecDeque::new()),
            requests: AtomicU64::new(0),
            connections: AtomicU64::new(0),
            tls_handshakes: AtomicU64::new(0),
            tls_resumptions: AtomicU64::new(0),
            faults_applied: AtomicU64::new(0),
            stopping: AtomicBool::new(false),
            open: Mutex::new(HashMap::new()),
            open_changed: Condvar::new(),
            next_connection_id: AtomicU64::new(0),
        }
    }

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
        lock(&self.tls_failures).clear();
    }

    /// Notes why a TLS handshake failed, keeping the last [`TLS_FAILURES_KEPT`].
    pub fn record_tls_failure(&self, why: String) {
        let mut failures = lock(&self.tls_failures);
        if failures.len() >= TLS_FAILURES_KEPT {
            failures.pop_front();
        }
        failures.push_back(why);
    }

    pub fn record(&self, entry: LoggedRequest) {
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
    pub fn sleep(&self, duration: Duration) -> bool {
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

//! `mx-sso-emulator`: a local, in-memory stand-in for MX's SSO API v2 user resource
//! (`POST /user`, `GET|PUT|DELETE /user/{guid or external_user_guid}`, `?k=API_KEY&c=CLIENT`),
//! faithful to what MX documents, with fault injection for client tests.
//!
//! ```no_run
//! use mx_sso_emulator::{Config, Emulator, Fault};
//! let emu = Emulator::start(Config::default()).unwrap();
//! let guid = emu.add_user("ext-1").unwrap();
//! emu.push_fault(Fault::status(503));
//! println!("{} {} {} {guid}", emu.base_url(), emu.api_key(), emu.client_guid());
//! // ... run a client against emu.base_url() ...
//! assert_eq!(emu.stats().requests, 0);
//! ```
//!
//! See `emulator/README.md` for the HTTP behaviour, the control endpoint and every choice made
//! where MX's documentation is silent.

mod config;
mod control;
mod errors;
mod exchange;
mod faults;
mod http;
mod ids;
mod members;
mod routes;
mod server;
mod state;
mod store;
mod tls;
mod users;

pub use config::{
    Config, DEFAULT_API_KEY, DEFAULT_CLIENT_GUID, DEFAULT_IDLE_TIMEOUT, DEFAULT_LOG_CAPACITY,
    DEFAULT_MAX_BODY_BYTES,
};
pub use errors::{MemberError, MxError, UserError};
pub use faults::{Fault, QueuedFault};
pub use members::DEFAULT_INSTITUTION_GUID;
pub use state::{LoggedRequest, Outcome, Stats};

use state::{lock, Shared};
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;

/// A running emulator. Dropping it (or [`Emulator::shutdown`]) stops it and waits for its
/// threads.
pub struct Emulator {
    shared: Arc<Shared>,
    addr: SocketAddr,
    base_url: String,
    ca_pem: Option<String>,
    ca_file: Option<PathBuf>,
    accept_thread: Option<JoinHandle<()>>,
}

impl Emulator {
    /// Binds `config.addr`, seeds the users and members, and starts serving on a background thread.
    ///
    /// Errors: the address cannot be bound, a seed user is invalid (`InvalidInput`), the TLS
    /// material cannot be generated, or the CA file cannot be written.
    pub fn start(config: Config) -> io::Result<Emulator> {
        let mut store = store::Store::new(&config.client_guid);
        let invalid = |what: &str, i: usize, e: MxError| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("seed {what} #{}: {}", i + 1, e.message),
            )
        };
        for (i, seed) in config.seed_users.iter().enumerate() {
            store
                .users
                .seed(seed.clone())
                .map_err(|e| invalid("user", i, e))?;
        }
        for (i, seed) in config.seed_members.iter().enumerate() {
            store
                .seed_member(seed.clone())
                .map_err(|e| invalid("member", i, e))?;
        }
        let tls = if config.tls {
            Some(tls::generate()?)
        } else {
            None
        };
        let ca_pem = tls.as_ref().map(|t| t.ca_pem.clone());
        let ca_file = match (&ca_pem, &config.ca_out) {
            (Some(pem), Some(path)) => {
                std::fs::write(path, pem).map_err(|e| {
                    io::Error::new(e.kind(), format!("writing {}: {e}", path.display()))
                })?;
                Some(path.clone())
            }
            _ => None,
        };

        let listener = TcpListener::bind(config.addr)?;
        let addr = listener.local_addr()?;
        let scheme = if config.tls { "https" } else { "http" };
        let base_url = format!("{scheme}://{}", url_authority(addr));

        let shared = Arc::new(Shared::new(config, store, tls.map(|t| t.server_config)));
        let thread_shared = Arc::clone(&shared);
        let accept_thread = std::thread::Builder::new()
            .name("mx-emu-accept".to_string())
            .spawn(move || server::accept_loop(listener, thread_shared))?;
        Ok(Emulator {
            shared,
            addr,
            base_url,
            ca_pem,
            ca_file,
            accept_thread: Some(accept_thread),
        })
    }

    /// `http://127.0.0.1:PORT` (or `https://…` with TLS), without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The address actually bound.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The API key accepted as `k`.
    pub fn api_key(&self) -> &str {
        &self.shared.api_key
    }

    /// The client guid accepted as `c`.
    pub fn client_guid(&self) -> &str {
        &self.shared.client_guid
    }

    /// With TLS: the PEM of the CA certificate clients must trust.
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// With TLS and `Config::ca_out`: the file the CA certificate was written to.
    pub fn ca_file(&self) -> Option<&Path> {
        self.ca_file.as_deref()
    }

    /// Adds a user with this external user guid and no profile; returns its MX guid (`USR-…`).
    /// Errors as MX's create-user would (`USR-` prefix, already exists).
    pub fn add_user(&self, external_user_guid: &str) -> Result<String, UserError> {
        self.seed_user(serde_json::json!({ "external_user_guid": external_user_guid }))
    }

    /// Adds a user from a create-user body (`external_user_guid`, `email`, `first_name`,
    /// `last_name`, `phone`, `birthdate`, `sex`, `credit_score`, `zip_code`), which may also fix
    /// its `guid` (`USR-…`) and `status` (`ENABLED`/`DISABLED`). Returns its MX guid.
    pub fn seed_user(&self, user: serde_json::Value) -> Result<String, UserError> {
        lock(&self.shared.store).users.seed(user)
    }

    /// The user (by MX guid or external user guid) as `GET /user/{id}` would show it.
    pub fn get_user(&self, id: &str) -> Option<serde_json::Value> {
        lock(&self.shared.store).users.read_value(id)
    }

    /// How many users exist.
    pub fn user_count(&self) -> usize {
        lock(&self.shared.store).users.len()
    }

    /// Adds a member of the user with this external user guid, with the external member guid
    /// `external_member_guid` and the credentials `userkey` = `"emulator-userkey"`; returns its
    /// MX guid (`MBR-…`). Errors as MX's create-member would (user not found, `MBR-` prefix,
    /// already exists).
    pub fn add_member(
        &self,
        external_user_guid: &str,
        external_member_guid: &str,
    ) -> Result<String, MemberError> {
        self.seed_member(serde_json::json!({
            "external_user_guid": external_user_guid,
            "external_member_guid": external_member_guid,
            "credentials": [{"field_name": "userkey", "response": "emulator-userkey"}],
        }))
    }

    /// Adds a member from a create-member body (`user_guid` or `external_user_guid`,
    /// `credentials`, optional `external_member_guid`, `name`, `institution_guid`), which may
    /// also fix its `guid` (`MBR-…`). Returns its MX guid.
    pub fn seed_member(&self, member: serde_json::Value) -> Result<String, MemberError> {
        lock(&self.shared.store).seed_member(member)
    }

    /// The member (by MX guid or external member guid) as `GET /member/{id}` would show it.
    pub fn get_member(&self, id: &str) -> Option<serde_json::Value> {
        lock(&self.shared.store).members.read_value(id)
    }

    /// How many members exist.
    pub fn member_count(&self) -> usize {
        lock(&self.shared.store).members.len()
    }

    /// The credentials stored for a member, as `(field_name, response)` pairs in the order last
    /// sent. For tests only: MX never returns them, and neither does the emulator's HTTP side.
    pub fn member_credentials(&self, id: &str) -> Option<Vec<(String, String)>> {
        lock(&self.shared.store).members.credentials(id)
    }

    /// Queues a fault for the next request of the emulated API (after those already queued).
    pub fn push_fault(&self, fault: Fault) {
        self.push_fault_times(fault, 1);
    }

    /// Queues a fault for the next `count` API requests.
    pub fn push_fault_times(&self, fault: Fault, count: u32) {
        lock(&self.shared.faults).push(fault, count);
    }

    /// Queues a fault for the next `count` requests with this `method` (e.g. `"POST"`, compared
    /// case-insensitively) and/or `path` (as sent, without the query: exactly `"/user"`, or a
    /// prefix ending in `*` such as `"/member/*"`); `None` matches any. Requests that do not
    /// match pass it by (they meet the next matching fault in the queue, if any).
    ///
    /// Panics if `method` is not a method name or `path` does not start with `/` (or has a `*`
    /// other than at its end, or a `?`): a test's own mistake.
    pub fn push_targeted_fault(
        &self,
        fault: Fault,
        method: Option<&str>,
        path: Option<&str>,
        count: u32,
    ) {
        if let Err(message) = faults::check_target(method, path) {
            panic!("push_targeted_fault: {message}");
        }
        lock(&self.shared.faults).push_targeted(
            fault,
            count,
            method.map(str::to_string),
            path.map(str::to_string),
        );
    }

    /// Drops every queued fault.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// The faults still queued, in order, with their remaining counts.
    pub fn pending_faults(&self) -> Vec<QueuedFault> {
        lock(&self.shared.faults).list()
    }

    /// Counters since start or the last reset.
    pub fn stats(&self) -> Stats {
        self.shared.stats()
    }

    /// Zeroes the counters (not the faults, the log or the users).
    pub fn reset_counters(&self) {
        self.shared.reset_counters();
    }

    /// Zeroes the counters, clears the request log and the faults (users stay), like
    /// `POST /_emulator/reset`.
    pub fn reset(&self) {
        self.shared.reset();
    }

    /// The API requests seen, oldest first (at most `Config::log_capacity`).
    pub fn request_log(&self) -> Vec<LoggedRequest> {
        lock(&self.shared.log).iter().cloned().collect()
    }

    /// Why recent TLS handshakes failed, oldest first (the last 64), in rustls's words: a
    /// client that refuses the certificate and says so shows as `received fatal alert:
    /// UnknownCa`; one that just closes, as an unexpected end of file.
    pub fn tls_failures(&self) -> Vec<String> {
        lock(&self.shared.tls_failures).iter().cloned().collect()
    }

    /// Empties the request log.
    pub fn clear_log(&self) {
        lock(&self.shared.log).clear();
    }

    /// Stops serving, closes every connection and waits for the threads (same as dropping).
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        let Some(accept_thread) = self.accept_thread.take() else {
            return;
        };
        let wake = match self.addr.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => {
                SocketAddr::new(Ipv4Addr::LOCALHOST.into(), self.addr.port())
            }
            IpAddr::V6(ip) if ip.is_unspecified() => {
                SocketAddr::new(Ipv6Addr::LOCALHOST.into(), self.addr.port())
            }
            _ => self.addr,
        };
        server::begin_stop(&self.shared, wake);
        let _ = accept_thread.join();
        server::close_connections(&self.shared);
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.stop();
    }
}

impl std::fmt::Debug for Emulator {
    // Hand-written so that the API key never shows in a test failure message.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("base_url", &self.base_url)
            .field("client_guid", &self.shared.client_guid)
            .field("api_key", &"***")
            .finish()
    }
}

fn url_authority(addr: SocketAddr) -> String {
    // A wildcard bind is reachable on loopback; a URL naming 0.0.0.0 is not portable.
    let addr = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::new(Ipv4Addr::LOCALHOST.into(), addr.port())
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::new(Ipv6Addr::LOCALHOST.into(), addr.port())
        }
        _ => addr,
    };
    match addr {
        SocketAddr::V4(a) => a.to_string(),
        SocketAddr::V6(a) => format!("[{}]:{}", a.ip(), a.port()),
    }
}

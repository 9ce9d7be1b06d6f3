//! Emulator configuration.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// The API key accepted when none is configured.
pub const DEFAULT_API_KEY: &str = "emulator-api-key";
/// The client guid accepted (as `c`) when none is configured.
pub const DEFAULT_CLIENT_GUID: &str = "CLT-0d5c2a4e-1b3f-4e8a-9c7d-000000000001";
/// Largest request body accepted; a larger one gets 413 and the connection is closed.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;
/// How long an idle keep-alive connection (or a stalled request) is kept open.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// How many requests the in-memory request log keeps (the oldest are dropped first).
pub const DEFAULT_LOG_CAPACITY: usize = 10_000;

/// How to run an emulator. `Config::default()` serves plain HTTP on `127.0.0.1:0` (a free port)
/// with [`DEFAULT_API_KEY`] and [`DEFAULT_CLIENT_GUID`].
#[derive(Clone)]
pub struct Config {
    /// Address to listen on; port 0 picks a free port (see `Emulator::base_url`).
    pub addr: SocketAddr,
    /// The only API key (`k`) answered; any other key, or none, gets no answer at all.
    pub api_key: String,
    /// The client guid (`c`, `CLT-…`) users belong to; it appears as `client_guid` in answers.
    pub client_guid: String,
    /// Also accepted as `c`: the client's external guid, as MX allows.
    pub external_client_guid: Option<String>,
    /// Serve HTTPS with a freshly generated CA and a certificate for `127.0.0.1`, `::1` and
    /// `localhost`.
    pub tls: bool,
    /// With `tls`, write the CA certificate (PEM) to this file; it is also available from
    /// `Emulator::ca_pem`.
    pub ca_out: Option<PathBuf>,
    /// Users present at start: create-user bodies (`external_user_guid`, `email`, …), each
    /// optionally with a fixed `guid` (`USR-…`) and a `status` (`ENABLED`/`DISABLED`).
    pub seed_users: Vec<serde_json::Value>,
    /// Members present at start (added after the users): create-member bodies, each optionally
    /// with a fixed `guid` (`MBR-…`).
    pub seed_members: Vec<serde_json::Value>,
    /// Print one line per API request to standard error (API key redacted).
    pub log_to_stderr: bool,
    /// Largest request body accepted (default [`DEFAULT_MAX_BODY_BYTES`]).
    pub max_body_bytes: usize,
    /// Idle keep-alive timeout (default [`DEFAULT_IDLE_TIMEOUT`]).
    pub idle_timeout: Duration,
    /// Requests kept in the request log (default [`DEFAULT_LOG_CAPACITY`]).
    pub log_capacity: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            api_key: DEFAULT_API_KEY.to_string(),
            client_guid: DEFAULT_CLIENT_GUID.to_string(),
            external_client_guid: None,
            tls: false,
            ca_out: None,
            seed_users: Vec::new(),
            seed_members: Vec::new(),
            log_to_stderr: false,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            log_capacity: DEFAULT_LOG_CAPACITY,
        }
    }
}

impl Config {
    /// Same as `Config::default()` with TLS on.
    pub fn tls() -> Self {
        Config {
            tls: true,
            ..Config::default()
        }
    }
}

impl std::fmt::Debug for Config {
    // Hand-written so that the API key never shows in a log or a test failure message.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("addr", &self.addr)
            .field("api_key", &"***")
            .field("client_guid", &self.client_guid)
            .field("external_client_guid", &self.external_client_guid)
            .field("tls", &self.tls)
            .field("ca_out", &self.ca_out)
            .field("seed_users", &self.seed_users.len())
            .field("seed_members", &self.seed_members.len())
            .field("log_to_stderr", &self.log_to_stderr)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("idle_timeout", &self.idle_timeout)
            .field("log_capacity", &self.log_capacity)
            .finish()
    }
}

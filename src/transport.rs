//! Hooks into ureq's connection set-up (its `unversioned` module, hence the exact ureq pin).
//!
//! - [`FastResolver`]: ureq resolves the host before every request, even when a pooled
//!   connection is then reused, and with a timeout set its default resolver starts a thread each
//!   time. IP literals need no lookup at all, and names are cached for a few seconds.
//! - [`TrackingConnector`]: ureq only runs the connector for a new connection, so a flag it sets
//!   tells the retry logic whether an attempt ran on a fresh or a pooled connection, and whether
//!   it failed while connecting.

use std::cell::Cell;
use std::collections::HashMap;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{
    ConnectProxyConnector, ConnectionDetails, Connector, NextTimeout, RustlsConnector, Transport,
};

use crate::tcp::LeanTcpConnector;

/// How long a resolved name is reused. Short, so that DNS changes (fail-over) are seen quickly.
const NAME_CACHE_TTL: Duration = Duration::from_secs(10);

/// Resolves IP literals at once and caches name lookups briefly.
#[derive(Default)]
pub struct FastResolver {
    default: DefaultResolver,
    cache: Mutex<HashMap<String, (Instant, ResolvedSocketAddrs)>>,
}

impl fmt::Debug for FastResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FastResolver").finish_non_exhaustive()
    }
}

impl Resolver for FastResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let (Some(host), Some(scheme)) = (uri.host(), uri.scheme_str()) else {
            return self.default.resolve(uri, config, timeout);
        };
        let port = uri
            .port_u16()
            .unwrap_or(if scheme == "https" { 443 } else { 80 });
        let bare_host = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = bare_host.parse::<IpAddr>() {
            let mut addrs = self.empty();
            addrs.push(SocketAddr::new(ip, port));
            return Ok(addrs);
        }
        let key = format!("{bare_host}:{port}");
        if let Some((at, addrs)) = self.lock_cache().get(&key) {
            if at.elapsed() < NAME_CACHE_TTL {
                return Ok(addrs.clone());
            }
        }
        let addrs = self
            .default
            .resolve(uri, config, timeout)
            // Resolving is the first step of connecting: a failure sent nothing, so the retry
            // logic treats it as a failed connect.
            .inspect_err(|_| record(CONNECT_FAILED))?;
        self.lock_cache()
            .insert(key, (Instant::now(), addrs.clone()));
        Ok(addrs)
    }
}

impl FastResolver {
    fn lock_cache(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, ResolvedSocketAddrs)>> {
        // A panic while holding the lock cannot leave the map inconsistent (single inserts).
        self.cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// What happened to connection set-up (name resolution included) during one attempt on this
/// thread.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AttemptTrace {
    /// A new connection was attempted (so the attempt did not run on a pooled one).
    pub connect_started: bool,
    /// Connecting (resolve, TCP, proxy or TLS) failed.
    pub connect_failed: bool,
}

thread_local! {
    static TRACE: Cell<AttemptTrace> = const { Cell::new(AttemptTrace { connect_started: false, connect_failed: false }) };
}

const CONNECT_STARTED: AttemptTrace = AttemptTrace {
    connect_started: true,
    connect_failed: false,
};
const CONNECT_FAILED: AttemptTrace = AttemptTrace {
    connect_started: true,
    connect_failed: true,
};

fn record(trace: AttemptTrace) {
    TRACE.with(|t| t.set(trace));
}

/// Clears the trace before an attempt. ureq runs a request on the calling thread, so the trace
/// set by the connector belongs to the attempt that this thread runs next.
pub fn start_attempt() {
    record(AttemptTrace::default());
}

/// The trace of the attempt this thread just ran.
pub fn finish_attempt() -> AttemptTrace {
    TRACE.with(Cell::get)
}

/// The connector chain: an HTTP CONNECT proxy when configured, the lean TCP transport
/// ([`crate::tcp`]), then rustls for `https`; each new connection is recorded for the retry
/// logic. (SOCKS proxies are not compiled in; ureq's default chain would only warn about them.)
type Chain = ureq::unversioned::transport::ChainedConnector<
    (),
    ureq::unversioned::transport::ChainedConnector<(), ConnectProxyConnector, LeanTcpConnector>,
    RustlsConnector,
>;

#[derive(Debug)]
pub struct TrackingConnector {
    inner: Chain,
}

impl Default for TrackingConnector {
    fn default() -> Self {
        TrackingConnector {
            inner: ConnectProxyConnector::default()
                .chain(LeanTcpConnector)
                .chain(RustlsConnector::default()),
        }
    }
}

impl Connector<()> for TrackingConnector {
    type Out = Box<dyn Transport>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<()>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        record(CONNECT_STARTED);
        let result = self
            .inner
            .connect(details, chained)
            .map(|made| made.map(|transport| Box::new(transport) as Box<dyn Transport>));
        if result.is_err() {
            record(CONNECT_FAILED);
        }
        result
    }
}

//! Which connection an attempt ran on. ureq only runs the connector for a new connection, so a
//! flag that [`TrackingConnector`] sets tells the retry logic whether an attempt ran on a fresh
//! or a pooled connection, and whether it failed while connecting (the resolver reports its
//! failures here too: resolving is the first step of connecting).

use std::cell::Cell;

use std::sync::Arc;

use ureq::unversioned::transport::{ConnectionDetails, Connector, Transport};

use super::tcp::LeanTcpConnector;
use super::tls::TlsConnector;
use super::tunnel::{TunnelConnector, TunnelSettings};

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
    static TRACE: Cell<AttemptTrace> = const { Cell::new(NO_TRACE) };
}

const NO_TRACE: AttemptTrace = AttemptTrace {
    connect_started: false,
    connect_failed: false,
};
pub(crate) const CONNECT_STARTED: AttemptTrace = AttemptTrace {
    connect_started: true,
    connect_failed: false,
};
pub(crate) const CONNECT_FAILED: AttemptTrace = AttemptTrace {
    connect_started: true,
    connect_failed: true,
};

pub(crate) fn record(trace: AttemptTrace) {
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

/// The connector chain: the tunnel through an HTTP CONNECT proxy when the client has one
/// ([`super::tunnel`]), else the lean TCP transport ([`super::tcp`]); then TLS for `https`
/// ([`super::tls`]).
/// Each new connection is recorded for the retry logic. (SOCKS proxies are not compiled in;
/// ureq's default chain would only warn about them.)
type Chain = ureq::unversioned::transport::ChainedConnector<
    (),
    ureq::unversioned::transport::ChainedConnector<(), TunnelConnector, LeanTcpConnector>,
    TlsConnector,
>;

#[derive(Debug)]
pub struct TrackingConnector {
    inner: Chain,
}

impl TrackingConnector {
    /// The chain of a client; `proxy`: its proxy, if it has one.
    pub(crate) fn new(proxy: Option<TunnelSettings>, tls: Arc<rustls::ClientConfig>) -> Self {
        TrackingConnector {
            inner: TunnelConnector::new(proxy, tls.clone())
                .chain(LeanTcpConnector)
                .chain(TlsConnector::new(tls)),
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

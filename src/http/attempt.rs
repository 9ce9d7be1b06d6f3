//! One attempt: a request sent on a pooled ureq agent and its answer read whole, within limits,
//! or the way it failed before a whole answer was read.

use std::io::{self, Read};
use std::time::{Duration, SystemTime};

use ureq::Agent;

use super::proxy_error::{into_proxy_error, ProxyError};
use super::resolver::FastResolver;
use super::tls::rustls_error;
use super::tracking::{self, TrackingConnector};
use crate::operation::Method;
use crate::options::Options;
use crate::proxy::Proxy;
use crate::retry::{is_retryable_status, parse_retry_after};

/// Largest error body read from a non-2xx answer; MX's are a one-line JSON object.
const MAX_ERROR_BODY_BYTES: u64 = 64 * 1024;

/// Most memory reserved up front for a body from its `Content-Length`; a server's header must
/// not decide how much is allocated before a byte has arrived.
const MAX_BODY_PREALLOC: u64 = 64 * 1024;

/// The ureq agent of a client. `pooled` false gives an agent that keeps no idle connection: the
/// one retry after a pooled connection turned out to be closed must run on a new connection,
/// not on the next idle one (which may be just as stale).
pub(crate) fn agent(
    options: &Options,
    proxy: Option<&Proxy>,
    tls: std::sync::Arc<rustls::ClientConfig>,
    pooled: bool,
) -> Agent {
    let config = Agent::config_builder()
        .http_status_as_error(false)
        // A redirect could carry the API key to another host: report it instead.
        .max_redirects(0)
        .max_redirects_will_error(false)
        .user_agent(options.user_agent.as_str())
        .accept("application/json")
        .proxy(proxy.map(|p| p.setting.clone()))
        .max_idle_connections(if pooled { 64 } else { 0 })
        .max_idle_connections_per_host(if pooled { 32 } else { 0 })
        .timeout_global(Some(Duration::from_millis(options.timeout_ms)))
        .timeout_connect(Some(Duration::from_millis(options.connect_timeout_ms)))
        .build();
    Agent::with_parts(
        config,
        TrackingConnector::new(proxy.map(|p| p.tunnel(&options.user_agent)), tls),
        FastResolver::default(),
    )
}

/// The per-request deadlines: what is left of the call's, and the connect bound within it.
fn configure<B>(
    request: ureq::RequestBuilder<B>,
    remaining: Duration,
    connect_timeout: Duration,
) -> ureq::RequestBuilder<B> {
    request
        .config()
        .timeout_global(Some(remaining))
        // ureq bounds a name lookup by the global timeout only; it is part of connecting.
        .timeout_resolve(Some(connect_timeout))
        .timeout_connect(Some(connect_timeout))
        .build()
}

/// A server answer read whole (within limits).
pub(crate) struct Answer {
    pub status: u16,
    pub content_type: Option<String>,
    /// The `Server` header of a non-2xx answer: it may name a proxy or gateway in between.
    pub server: Option<String>,
    pub retry_after: Option<Duration>,
    pub body: Vec<u8>,
}

/// How one attempt failed before a whole answer was read.
pub(crate) enum AttemptError {
    /// Resolving the host or opening the TCP connection (or the proxy tunnel) failed: nothing
    /// was sent, so it is safe and useful to retry.
    Connect(ureq::Error),
    /// Connecting took longer than `connect_timeout_ms` (or what was left of the deadline).
    ConnectTimeout,
    /// The TLS handshake was refused (certificate, protocol): retrying cannot change that.
    Tls(ureq::Error),
    /// The proxy could not be reached, or opened no tunnel: nothing reached the server.
    Proxy(Box<ProxyError>),
    /// The connection closed (or reset) after the request went out and before any answer.
    ClosedWithoutAnswer(ureq::Error),
    /// The answer's body went over the size limit.
    TooLarge { status: u16, limit: u64 },
    /// A timeout of ureq's (the deadline given to this attempt).
    Timeout,
    /// Anything else: broken answers, a connection lost mid-body, TLS errors after the
    /// handshake...
    Other(ureq::Error),
}

/// One request and its answer, within `remaining` of the call's deadline.
pub(crate) fn attempt(
    agent: &Agent,
    options: &Options,
    method: Method,
    url: &str,
    body: Option<&str>,
    remaining: Duration,
) -> Result<Answer, AttemptError> {
    let connect_timeout = Duration::from_millis(options.connect_timeout_ms).min(remaining);
    let response = match (method, body) {
        (Method::Get, _) => configure(agent.get(url), remaining, connect_timeout).call(),
        (Method::Delete, _) => configure(agent.delete(url), remaining, connect_timeout).call(),
        (Method::Post, body) => configure(agent.post(url), remaining, connect_timeout)
            .header("Content-Type", "application/json")
            .send(body.unwrap_or("{}")),
        (Method::Put, body) => configure(agent.put(url), remaining, connect_timeout)
            .header("Content-Type", "application/json")
            .send(body.unwrap_or("{}")),
    }
    .map_err(classify_request_error)?;
    let status = response.status().as_u16();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let content_type = header("content-type");
    let server = if (200..300).contains(&status) {
        None
    } else {
        header("server")
    };
    // Only an answer that will be retried has a use for Retry-After.
    let retry_after = if is_retryable_status(status) {
        header("retry-after").and_then(|v| parse_retry_after(&v, SystemTime::now()))
    } else {
        None
    };
    let limit = if (200..300).contains(&status) {
        options.max_response_bytes
    } else {
        MAX_ERROR_BODY_BYTES.min(options.max_response_bytes)
    };
    let mut reader = response.into_body();
    // Sized from Content-Length (within limits) so that reading a usual answer never
    // reallocates; the header alone never reserves more than MAX_BODY_PREALLOC.
    let expected = reader
        .content_length()
        .unwrap_or(0)
        .min(limit)
        .min(MAX_BODY_PREALLOC);
    let mut body = Vec::with_capacity(usize::try_from(expected).unwrap_or(0));
    reader
        .with_config()
        .limit(limit)
        .reader()
        .read_to_end(&mut body)
        .map_err(|e| match ureq::Error::from(e) {
            ureq::Error::BodyExceedsLimit(_) => AttemptError::TooLarge { status, limit },
            ureq::Error::Timeout(_) => AttemptError::Timeout,
            other => AttemptError::Other(other),
        })?;
    Ok(Answer {
        status,
        content_type,
        server,
        retry_after,
        body,
    })
}

/// Sorts an error of ureq's that came before any answer was read.
fn classify_request_error(e: ureq::Error) -> AttemptError {
    let e = match into_proxy_error(e) {
        Ok(proxy) => return AttemptError::Proxy(proxy),
        Err(other) => other,
    };
    if tracking::finish_attempt().connect_failed {
        // A rustls error after the handshake (on a connection in use) is not a refusal: it
        // falls through to the other kinds below.
        if is_tls_refusal(&e) {
            return AttemptError::Tls(e);
        }
        return match e {
            ureq::Error::Timeout(_) => AttemptError::ConnectTimeout,
            other => AttemptError::Connect(other),
        };
    }
    match &e {
        ureq::Error::Timeout(_) => AttemptError::Timeout,
        ureq::Error::Io(io) if is_closed_kind(io.kind()) => AttemptError::ClosedWithoutAnswer(e),
        // ureq's words when the server closes before the status line ("Protocol(...)").
        ureq::Error::Protocol(_) if e.to_string().contains("closed") => {
            AttemptError::ClosedWithoutAnswer(e)
        }
        _ => AttemptError::Other(e),
    }
}

/// A TLS failure that is an answer, not an accident: rustls refused the certificate or the
/// handshake (rustls reports it as an I/O error of kind `InvalidData` wrapping its own error).
fn is_tls_refusal(e: &ureq::Error) -> bool {
    matches!(e, ureq::Error::Tls(_)) || rustls_error(e).is_some()
}

fn is_closed_kind(kind: io::ErrorKind) -> bool {
    matches!(
        kind,
        io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
    )
}

//! The tunnel through an HTTP CONNECT proxy: the proxy reached over the lean TCP transport (and
//! TLS for an `https://` proxy), then `CONNECT host:port`. Its own connector, rather than
//! ureq's, so that every failure says which proxy failed and what it answered, and so that the
//! retry rules can tell a refused password (never retried: a second try could lock the
//! account) from a proxy that is merely unreachable (see [`super::proxy_error`]).

use std::io::{self, Read, Write};
use std::sync::Arc;

use base64::prelude::{Engine, BASE64_STANDARD};
use ureq::unversioned::transport::{
    Buffers, ChainedConnector, ConnectionDetails, Connector, Either, NextTimeout, Transport,
    TransportAdapter,
};

use super::proxy_error::{ProxyError, ProxyFailure};
use super::quote::printable;
use super::tcp::{time_left, LeanTcpConnector};
use super::tls::TlsConnector;
use crate::url::default_port;

/// Largest answer head a proxy may send to CONNECT; a larger one is not an HTTP proxy's.
const MAX_HEAD_BYTES: usize = 16 * 1024;

/// Longest reason phrase quoted from a proxy's answer.
const MAX_REASON_CHARS: usize = 100;

/// What the tunnel needs to know of the client's proxy setting.
#[derive(Clone, Debug)]
pub(crate) struct TunnelSettings {
    /// How messages name the proxy: `proxy.internal:3128 (set by HTTPS_PROXY)`. Never holds
    /// its credentials.
    pub label: Arc<str>,
    /// Sent on CONNECT too: some proxies filter on it.
    pub user_agent: String,
}

/// Opens the tunnel when the client has a proxy; passes through otherwise.
#[derive(Debug)]
pub(crate) struct TunnelConnector {
    settings: Option<TunnelSettings>,
    /// Reaches the proxy itself: TCP, then TLS when the proxy's URL is `https://`.
    hop: ChainedConnector<(), LeanTcpConnector, TlsConnector>,
}

impl TunnelConnector {
    pub(crate) fn new(settings: Option<TunnelSettings>, tls: Arc<rustls::ClientConfig>) -> Self {
        TunnelConnector {
            settings,
            hop: LeanTcpConnector.chain(TlsConnector::new(tls)),
        }
    }
}

impl<In: Transport> Connector<In> for TunnelConnector {
    type Out = Either<In, Box<dyn Transport>>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        if let Some(transport) = chained {
            return Ok(Some(Either::A(transport)));
        }
        let (Some(settings), Some(proxy)) = (&self.settings, details.config.proxy()) else {
            return Ok(None);
        };
        let target = target_authority(details)?;
        let sent_credentials = proxy.username().is_some() || proxy.password().is_some();
        let fail = |failure| proxy_failure(settings, &target, failure);
        let proxy_transport = self
            .reach_proxy(details, proxy.uri())
            .map_err(|e| fail(ProxyFailure::reaching(e)))?;
        let mut io = TransportAdapter::new(proxy_transport, details.current_time.clone());
        io.set_timeout(time_left(details));
        let exchanged = write_connect(&mut io, &target, settings, proxy)
            .and_then(|()| read_head(&mut io))
            .map_err(|e| ProxyFailure::exchange(e, sent_credentials));
        let answer = exchanged
            .and_then(|head| parse_head(&head, sent_credentials))
            .map_err(fail)?;
        if !(200..300).contains(&answer.status) {
            return Err(fail(ProxyFailure::Refused {
                status: answer.status,
                reason: answer.reason,
                schemes: answer.schemes,
                sent_credentials,
            }));
        }
        Ok(Some(Either::B(Box::new(Tunnel {
            inner: io.into_inner(),
            // A TLS target's first answer through the tunnel is its handshake: part of
            // connecting, so an early close is the proxy's doing and nothing was sent.
            early: details.needs_tls().then(|| (settings.clone(), target)),
        }))))
    }
}

impl TunnelConnector {
    /// The connection to the proxy (TCP, and TLS for an `https://` proxy), within what is
    /// left of the connect deadline.
    fn reach_proxy(
        &self,
        details: &ConnectionDetails,
        proxy_uri: &ureq::http::Uri,
    ) -> Result<Box<dyn Transport>, ureq::Error> {
        let addrs = details
            .resolver
            .resolve(proxy_uri, details.config, time_left(details))?;
        let hop = ConnectionDetails {
            uri: proxy_uri,
            addrs,
            config: details.config,
            request_level: details.request_level,
            resolver: details.resolver,
            now: (details.current_time)(),
            timeout: time_left(details),
            current_time: details.current_time.clone(),
            run_connector: details.run_connector.clone(),
            register_shutdown: details.register_shutdown.clone(),
        };
        match self.hop.connect(&hop, None)? {
            Some(transport) => Ok(transport.boxed()),
            None => Err(ureq::Error::ConnectionFailed),
        }
    }
}

/// A tunnel failure as ureq carries it: the request path takes it out with
/// [`super::proxy_error::into_proxy_error`].
fn proxy_failure(settings: &TunnelSettings, target: &str, failure: ProxyFailure) -> ureq::Error {
    ureq::Error::Io(io::Error::other(ProxyError {
        proxy: settings.label.clone(),
        target: target.to_string(),
        failure,
    }))
}

/// `host:port` of the request's target, as CONNECT names it.
fn target_authority(details: &ConnectionDetails) -> Result<String, ureq::Error> {
    let uri = details.uri;
    let host = uri.host().ok_or(ureq::Error::ConnectionFailed)?;
    let port = uri
        .port_u16()
        .unwrap_or_else(|| default_port(uri.scheme_str() == Some("https")));
    Ok(format!("{host}:{port}"))
}

fn write_connect(
    io: &mut TransportAdapter,
    target: &str,
    settings: &TunnelSettings,
    proxy: &ureq::Proxy,
) -> io::Result<()> {
    let mut head = format!(
        "CONNECT {target} HTTP/1.1\r\nHost: {target}\r\nUser-Agent: {}\r\n\
         Proxy-Connection: Keep-Alive\r\n",
        settings.user_agent
    );
    if proxy.username().is_some() || proxy.password().is_some() {
        head.push_str("Proxy-Authorization: Basic ");
        head.push_str(&basic_credentials(proxy));
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    io.write_all(head.as_bytes())
}

/// The `Proxy-Authorization: Basic` token of a proxy setting (a secret, like the password).
pub(crate) fn basic_credentials(proxy: &ureq::Proxy) -> String {
    let credentials = format!(
        "{}:{}",
        proxy.username().unwrap_or_default(),
        proxy.password().unwrap_or_default()
    );
    BASE64_STANDARD.encode(credentials)
}

/// Reads the proxy's answer head, up to and including its blank line, and not one byte more:
/// after a `200` the next bytes belong to the tunnel.
fn read_head(io: &mut TransportAdapter) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(256);
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < MAX_HEAD_BYTES {
        // Whole bytes come from the transport's buffer: one syscall per packet, not per byte.
        match io.read(&mut byte)? {
            1 => head.push(byte[0]),
            _ => break,
        }
    }
    Ok(head)
}

/// A proxy's answer to CONNECT.
struct ConnectAnswer {
    status: u16,
    reason: String,
    /// The authentication schemes of its `Proxy-Authenticate` headers (`Basic`, `NTLM`...).
    schemes: Vec<String>,
}

fn parse_head(head: &[u8], sent_credentials: bool) -> Result<ConnectAnswer, ProxyFailure> {
    let no_answer = |detail: String| ProxyFailure::NoAnswer {
        detail,
        timed_out: false,
        sent_credentials,
    };
    if head.is_empty() {
        return Err(no_answer(
            "it closed the connection without answering CONNECT".into(),
        ));
    }
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut response = httparse::Response::new(&mut headers);
    match response.parse(head) {
        Ok(httparse::Status::Complete(_)) => {}
        // A status line is enough to act on (a 407 must not be retried for want of headers).
        Err(httparse::Error::TooManyHeaders) => {
            return status_line(head)
                .ok_or_else(|| no_answer("its answer to CONNECT is not HTTP".into()))
        }
        Ok(httparse::Status::Partial) if head.len() >= MAX_HEAD_BYTES => {
            return Err(no_answer(format!(
                "its answer to CONNECT has a head over {MAX_HEAD_BYTES} bytes"
            )))
        }
        Ok(httparse::Status::Partial) => {
            return Err(no_answer(
                "it closed the connection in the middle of its answer to CONNECT".into(),
            ))
        }
        Err(e) => {
            return Err(no_answer(format!(
                "its answer to CONNECT is not HTTP ({e})"
            )))
        }
    }
    let schemes = response
        .headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case("proxy-authenticate"))
        .filter_map(|h| {
            let value = std::str::from_utf8(h.value).ok()?;
            let scheme = value.split_whitespace().next()?;
            Some(printable(scheme, 20))
        })
        .collect();
    Ok(ConnectAnswer {
        status: response.code.unwrap_or(0),
        reason: printable(response.reason.unwrap_or(""), MAX_REASON_CHARS),
        schemes,
    })
}

/// `HTTP/1.x NNN reason` alone, for a head whose headers cannot all be parsed.
fn status_line(head: &[u8]) -> Option<ConnectAnswer> {
    let line = head.split(|b| *b == b'\n').next()?;
    let line = String::from_utf8_lossy(line);
    let mut parts = line.trim_end().splitn(3, ' ');
    if !parts.next()?.starts_with("HTTP/1.") {
        return None;
    }
    let status = parts.next()?.parse().ok()?;
    Some(ConnectAnswer {
        status,
        reason: printable(parts.next().unwrap_or(""), MAX_REASON_CHARS),
        schemes: Vec::new(),
    })
}

/// The tunnel once open. Not TLS itself even when the hop to the proxy is: TLS to the target
/// runs inside it.
#[derive(Debug)]
struct Tunnel {
    inner: Box<dyn Transport>,
    /// Until the target's first bytes arrive through a tunnel to a TLS target: who to name
    /// when the tunnel closes before that.
    early: Option<(TunnelSettings, String)>,
}

impl Transport for Tunnel {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.inner.buffers()
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.inner.transmit_output(amount, timeout)
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        let result = self.inner.await_input(timeout);
        let Some((settings, target)) = &self.early else {
            return result;
        };
        let detail = match &result {
            Ok(true) => {
                self.early = None;
                return result;
            }
            Ok(false) => "it closed the connection".to_string(),
            Err(ureq::Error::Timeout(_)) => return result,
            Err(e) => e.to_string(),
        };
        Err(proxy_failure(
            settings,
            target,
            ProxyFailure::TunnelClosed { detail },
        ))
    }

    fn is_open(&mut self) -> bool {
        self.inner.is_open()
    }

    fn is_tls(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_for_status_reason_and_schemes() {
        let answer = parse_head(
            b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: NTLM\r\n\
              Proxy-Authenticate: Basic realm=\"corp\"\r\n\r\n",
            true,
        )
        .unwrap();
        assert_eq!(answer.status, 407);
        assert_eq!(answer.reason, "Proxy Authentication Required");
        assert_eq!(answer.schemes, ["NTLM", "Basic"]);
    }

    #[test]
    fn a_head_with_too_many_headers_still_gives_its_status() {
        let mut head = String::from("HTTP/1.1 407 Proxy Authentication Required\r\n");
        for i in 0..100 {
            head.push_str(&format!("X-Filler-{i}: x\r\n"));
        }
        head.push_str("\r\n");
        let answer = parse_head(head.as_bytes(), true).unwrap();
        assert_eq!(
            (answer.status, answer.reason.as_str()),
            (407, "Proxy Authentication Required")
        );
    }

    #[test]
    fn heads_that_are_not_http_are_named_so() {
        for (head, words) in [
            (&b"SSH-2.0-OpenSSH\r\n\r\n"[..], "not HTTP"),
            (b"", "without answering CONNECT"),
            (b"HTTP/1.1 200 Connection", "in the middle of its answer"),
        ] {
            match parse_head(head, false) {
                Err(ProxyFailure::NoAnswer { detail, .. }) => {
                    assert!(detail.contains(words), "{detail}")
                }
                _ => panic!("{head:?} was taken for an answer"),
            }
        }
    }
}

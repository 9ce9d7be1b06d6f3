//! The tunnel through an HTTP CONNECT proxy: the proxy reached over the lean TCP transport (and
//! TLS for an `https://` proxy), then `CONNECT host:port`. Its failures name the proxy and say
//! what the proxy answered, so that an operator goes to the proxy's owners rather than to MX, and
//! so that the retry rules can tell a refused password (never retried: a second try could lock
//! the account) from a proxy that is merely unreachable.
//!
//! It takes the place of ureq's `ConnectProxyConnector`, whose failures read `proxy server
//! responded 407/407` and look like any other connect failure.

use std::fmt;
use std::io::{self, Read, Write};
use std::sync::Arc;

use base64::prelude::{Engine, BASE64_STANDARD};
use ureq::unversioned::transport::{
    Buffers, ChainedConnector, ConnectionDetails, Connector, Either, NextTimeout, Transport,
    TransportAdapter,
};

use super::tcp::{time_left, LeanTcpConnector};
use super::tls_stream::TlsConnector;

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
        let fail = |failure| {
            ureq::Error::Io(io::Error::other(ProxyError {
                proxy: settings.label.clone(),
                target: target.clone(),
                failure,
            }))
        };
        let proxy_transport = self
            .reach_proxy(details, proxy.uri())
            .map_err(|e| fail(ProxyFailure::unreachable(e)))?;
        let mut io = TransportAdapter::new(proxy_transport, details.current_time.clone());
        io.set_timeout(time_left(details));
        write_connect(&mut io, &target, settings, proxy).map_err(|e| fail(e.into()))?;
        let head = read_head(&mut io).map_err(fail)?;
        let answer = parse_head(&head).map_err(fail)?;
        if !(200..300).contains(&answer.status) {
            return Err(fail(ProxyFailure::Refused {
                status: answer.status,
                reason: answer.reason,
                schemes: answer.schemes,
                sent_credentials: proxy.username().is_some() || proxy.password().is_some(),
            }));
        }
        Ok(Some(Either::B(Box::new(Tunnel(io.into_inner())))))
    }
}

impl TunnelConnector {
    /// The connection to the proxy (TCP, and TLS for an `https://` proxy).
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
            now: details.now,
            timeout: details.timeout,
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

/// `host:port` of the request's target, as CONNECT names it.
fn target_authority(details: &ConnectionDetails) -> Result<String, ureq::Error> {
    let uri = details.uri;
    let host = uri.host().ok_or(ureq::Error::ConnectionFailed)?;
    let port = uri
        .port_u16()
        .unwrap_or(if uri.scheme_str() == Some("https") {
            443
        } else {
            80
        });
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
        let credentials = format!(
            "{}:{}",
            proxy.username().unwrap_or_default(),
            proxy.password().unwrap_or_default()
        );
        head.push_str("Proxy-Authorization: Basic ");
        head.push_str(&BASE64_STANDARD.encode(credentials));
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    io.write_all(head.as_bytes())
}

/// Reads the proxy's answer head, up to and including its blank line, and not one byte more:
/// after a `200` the next bytes belong to the tunnel.
fn read_head(io: &mut TransportAdapter) -> Result<Vec<u8>, ProxyFailure> {
    let mut head = Vec::with_capacity(256);
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() >= MAX_HEAD_BYTES {
            return Err(ProxyFailure::NoAnswer {
                detail: format!("its answer to CONNECT has a head over {MAX_HEAD_BYTES} bytes"),
                timed_out: false,
            });
        }
        match io.read(&mut byte) {
            // Whole bytes come from the transport's buffer: one syscall per packet, not byte.
            Ok(1) => head.push(byte[0]),
            Ok(_) => {
                return Err(ProxyFailure::NoAnswer {
                    detail: "it closed the connection without answering CONNECT".into(),
                    timed_out: false,
                })
            }
            Err(e) => return Err(e.into()),
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

fn parse_head(head: &[u8]) -> Result<ConnectAnswer, ProxyFailure> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut response = httparse::Response::new(&mut headers);
    let not_http = |why: String| ProxyFailure::NoAnswer {
        detail: format!("its answer to CONNECT is not HTTP ({why})"),
        timed_out: false,
    };
    match response.parse(head) {
        Ok(httparse::Status::Complete(_)) => {}
        Ok(httparse::Status::Partial) => return Err(not_http("incomplete head".into())),
        Err(e) => return Err(not_http(e.to_string())),
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

/// Text from the proxy made fit for a message: printable ASCII only, cut short.
fn printable(text: &str, max_chars: usize) -> String {
    text.chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .take(max_chars)
        .collect()
}

/// The tunnel once open. Not TLS itself even when the hop to the proxy is: TLS to the target
/// runs inside it.
#[derive(Debug)]
struct Tunnel(Box<dyn Transport>);

impl Transport for Tunnel {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.0.buffers()
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.0.transmit_output(amount, timeout)
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.0.await_input(timeout)
    }

    fn is_open(&mut self) -> bool {
        self.0.is_open()
    }

    fn is_tls(&self) -> bool {
        false
    }
}

/// Why the tunnel could not be opened: carried to the request path inside ureq's error.
#[derive(Debug)]
pub(crate) struct ProxyError {
    pub proxy: Arc<str>,
    /// `host:port` the tunnel was for.
    pub target: String,
    pub failure: ProxyFailure,
}

#[derive(Debug)]
pub(crate) enum ProxyFailure {
    /// The proxy could not be reached (name lookup, TCP connect, TLS to an https:// proxy).
    Unreachable { detail: String, timed_out: bool },
    /// The proxy answered CONNECT with a non-2xx status.
    Refused {
        status: u16,
        reason: String,
        schemes: Vec<String>,
        sent_credentials: bool,
    },
    /// The proxy closed the connection, ran out of time or sent something that is not HTTP.
    NoAnswer { detail: String, timed_out: bool },
}

impl ProxyFailure {
    fn unreachable(e: ureq::Error) -> Self {
        let timed_out = matches!(e, ureq::Error::Timeout(_));
        ProxyFailure::Unreachable {
            detail: e.into_io().to_string(),
            timed_out,
        }
    }
}

impl From<io::Error> for ProxyFailure {
    fn from(e: io::Error) -> Self {
        let timed_out = matches!(
            e.kind(),
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
        );
        ProxyFailure::NoAnswer {
            detail: if timed_out {
                "it did not answer CONNECT in time".into()
            } else {
                format!("the connection failed during CONNECT ({e})")
            },
            timed_out,
        }
    }
}

impl ProxyError {
    /// Whether retrying cannot help: the proxy refused the credentials (a retry could lock the
    /// account) or, by policy, the tunnel (a 4xx). A 5xx from the proxy (it could not reach
    /// the target) and an unreachable proxy are connect failures like any other.
    pub(crate) fn is_refusal(&self) -> bool {
        matches!(self.failure, ProxyFailure::Refused { status, .. } if (400..500).contains(&status))
    }

    /// Whether the proxy, or reaching it, ran out of time.
    pub(crate) fn timed_out(&self) -> bool {
        matches!(
            self.failure,
            ProxyFailure::Unreachable {
                timed_out: true,
                ..
            } | ProxyFailure::NoAnswer {
                timed_out: true,
                ..
            }
        )
    }
}

impl fmt::Display for ProxyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ProxyError {
            proxy,
            target,
            failure,
        } = self;
        match failure {
            ProxyFailure::Unreachable { detail, .. } => write!(
                f,
                "could not reach the proxy {proxy}: {detail}; check that the proxy setting is \
                 right and that the proxy is running"
            ),
            ProxyFailure::NoAnswer { detail, .. } => {
                write!(
                    f,
                    "the proxy {proxy} opened no tunnel to {target}: {detail}"
                )
            }
            ProxyFailure::Refused {
                status: status @ (401 | 407),
                reason,
                schemes,
                sent_credentials,
            } => {
                if *sent_credentials {
                    write!(
                        f,
                        "the proxy {proxy} refused the credentials: HTTP {status} {reason}; \
                         not retried, so that a wrong password cannot lock the account: check \
                         the user and password in the proxy setting"
                    )?;
                } else {
                    write!(
                        f,
                        "the proxy {proxy} requires authentication (HTTP {status} {reason}) and \
                         the proxy setting has none: use http://user:password@host:port"
                    )?;
                }
                if !schemes.is_empty() && !schemes.iter().any(|s| s.eq_ignore_ascii_case("basic")) {
                    write!(
                        f,
                        " (it asks for {}; mx-sso sends Basic credentials only)",
                        schemes.join(", ")
                    )?;
                }
                Ok(())
            }
            ProxyFailure::Refused { status, reason, .. } if *status >= 500 => write!(
                f,
                "the proxy {proxy} could not open a tunnel to {target}: HTTP {status} {reason} \
                 (the proxy could not reach it)"
            ),
            ProxyFailure::Refused { status, reason, .. } => write!(
                f,
                "the proxy {proxy} refused to open a tunnel to {target}: HTTP {status} {reason}; \
                 ask the proxy's administrators to allow CONNECT to {target}"
            ),
        }
    }
}

impl std::error::Error for ProxyError {}

/// The proxy failure inside an error of ureq's, if the tunnel is what failed; the error as it
/// was otherwise.
pub(crate) fn into_proxy_error(e: ureq::Error) -> Result<Box<ProxyError>, ureq::Error> {
    let ureq::Error::Io(io) = e else {
        return Err(e);
    };
    if !io.get_ref().is_some_and(|inner| inner.is::<ProxyError>()) {
        return Err(ureq::Error::Io(io));
    }
    let kind = io.kind();
    match io.into_inner().map(|inner| inner.downcast::<ProxyError>()) {
        Some(Ok(proxy)) => Ok(proxy),
        Some(Err(inner)) => Err(ureq::Error::Io(io::Error::new(kind, inner))),
        None => Err(ureq::Error::Io(kind.into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(head: &str) -> ProxyError {
        let answer = parse_head(head.as_bytes()).unwrap();
        ProxyError {
            proxy: "proxy.internal:3128 (set by HTTPS_PROXY)".into(),
            target: "api2.moneydesktop.com:443".into(),
            failure: ProxyFailure::Refused {
                status: answer.status,
                reason: answer.reason,
                schemes: answer.schemes,
                sent_credentials: true,
            },
        }
    }

    #[test]
    fn a_refused_password_names_the_proxy_and_its_reason_and_is_final() {
        let e = refused(
            "HTTP/1.1 407 Proxy Authentication Required\r\n\
             Proxy-Authenticate: Basic realm=\"corp\"\r\n\r\n",
        );
        let text = e.to_string();
        assert!(e.is_refusal());
        assert!(
            text.contains("proxy.internal:3128 (set by HTTPS_PROXY)")
                && text.contains("407 Proxy Authentication Required")
                && text.contains("not retried"),
            "{text}"
        );
        assert!(!text.contains("Basic credentials only"), "{text}");
    }

    #[test]
    fn a_proxy_that_wants_ntlm_says_so() {
        let e = refused(
            "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: NTLM\r\n\
             Proxy-Authenticate: Negotiate\r\n\r\n",
        );
        assert!(
            e.to_string()
                .contains("it asks for NTLM, Negotiate; mx-sso sends Basic credentials only"),
            "{e}"
        );
    }

    #[test]
    fn policy_refusals_are_final_and_gateway_errors_are_not() {
        let forbidden = refused("HTTP/1.1 403 Forbidden\r\n\r\n");
        assert!(forbidden.is_refusal());
        assert!(forbidden
            .to_string()
            .contains("refused to open a tunnel to api2.moneydesktop.com:443: HTTP 403 Forbidden"));
        let gateway = refused("HTTP/1.1 502 Bad Gateway\r\n\r\n");
        assert!(!gateway.is_refusal());
        assert!(
            gateway.to_string().contains("could not reach it"),
            "{gateway}"
        );
    }

    #[test]
    fn heads_that_are_not_http_are_named_so() {
        assert!(matches!(
            parse_head(b"SSH-2.0-OpenSSH\r\n\r\n"),
            Err(ProxyFailure::NoAnswer { .. })
        ));
        assert_eq!(
            printable("\u{7}Bell\u{e9}", 100),
            "Bell",
            "control and non-ASCII dropped"
        );
        assert_eq!(printable("Proxy Authentication Required", 5), "Proxy");
    }
}

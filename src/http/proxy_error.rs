//! Why a tunnel through a proxy failed, worded for the operator who has to act on it, and
//! whether retrying may help. It travels from the tunnel to the request path inside ureq's
//! error ([`into_proxy_error`]).

use std::fmt;
use std::io;
use std::sync::Arc;

use super::tls::rustls_error;

/// Why the tunnel could not be opened, or broke before the target answered.
#[derive(Debug)]
pub(crate) struct ProxyError {
    /// `proxy.internal:3128 (set by HTTPS_PROXY)`: never the credentials.
    pub proxy: Arc<str>,
    /// `host:port` the tunnel was for.
    pub target: String,
    pub failure: ProxyFailure,
}

#[derive(Debug)]
pub(crate) enum ProxyFailure {
    /// The proxy could not be reached (name lookup, TCP connect).
    Unreachable { detail: String, timed_out: bool },
    /// The TLS handshake with an `https://` proxy was refused (its certificate, most often).
    TlsRefused {
        detail: String,
        unknown_issuer: bool,
    },
    /// The proxy answered CONNECT with a status other than 2xx.
    Refused {
        status: u16,
        reason: String,
        /// The schemes of its `Proxy-Authenticate` headers (`Basic`, `NTLM`, ...).
        schemes: Vec<String>,
        sent_credentials: bool,
    },
    /// The proxy closed the connection, ran out of time or sent something that is not HTTP.
    NoAnswer {
        detail: String,
        timed_out: bool,
        sent_credentials: bool,
    },
    /// The tunnel was opened, then closed before the target's TLS handshake could complete:
    /// what a proxy that cannot reach the target usually does.
    TunnelClosed { detail: String },
}

impl ProxyFailure {
    /// A failure to reach the proxy, from the connector that tried.
    pub(crate) fn reaching(e: ureq::Error) -> Self {
        if let Some(tls) = rustls_error(&e) {
            return ProxyFailure::TlsRefused {
                unknown_issuer: matches!(
                    tls,
                    rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer)
                ),
                detail: tls.to_string(),
            };
        }
        ProxyFailure::Unreachable {
            timed_out: matches!(e, ureq::Error::Timeout(_)),
            detail: e.into_io().to_string(),
        }
    }

    /// A failure while talking to the proxy (CONNECT written, its answer read).
    pub(crate) fn exchange(e: io::Error, sent_credentials: bool) -> Self {
        let text = e.to_string();
        // ureq reports a spent deadline as its own error wrapped in an io::Error of kind Other.
        let timed_out = matches!(ureq::Error::from(e), ureq::Error::Timeout(_));
        ProxyFailure::NoAnswer {
            detail: if timed_out {
                "it did not answer CONNECT in time".into()
            } else {
                format!("the connection failed during CONNECT ({text})")
            },
            timed_out,
            sent_credentials,
        }
    }
}

impl ProxyError {
    /// Whether retrying cannot help, or must not be tried: the proxy refused the credentials
    /// (a second try could lock the account), refused the tunnel by policy, redirected it, or
    /// refused its certificate; or it gave no usable answer after credentials were sent. Busy
    /// (408, 429) and gateway (5xx) answers, an unreachable proxy and a tunnel closed early
    /// are connect failures like any other: nothing reached the server.
    pub(crate) fn is_final(&self) -> bool {
        match &self.failure {
            ProxyFailure::Refused { status, .. } => {
                !matches!(status, 408 | 429) && !(500..600).contains(status)
            }
            ProxyFailure::TlsRefused { .. } => true,
            ProxyFailure::NoAnswer {
                sent_credentials, ..
            } => *sent_credentials,
            ProxyFailure::Unreachable { .. } | ProxyFailure::TunnelClosed { .. } => false,
        }
    }

    /// Whether the proxy answered CONNECT with 407 or 401: it refused the credentials, or asked
    /// for some the proxy setting does not have.
    pub(crate) fn refused_credentials(&self) -> bool {
        matches!(
            self.failure,
            ProxyFailure::Refused {
                status: 401 | 407,
                ..
            }
        )
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
            ProxyFailure::TlsRefused {
                detail,
                unknown_issuer,
            } => {
                write!(
                    f,
                    "the TLS handshake with the proxy {proxy} failed: {detail}"
                )?;
                if *unknown_issuer {
                    f.write_str(
                        "; the proxy's certificate is not trusted: set ca_file to the PEM file \
                         of the CA that issued it",
                    )?;
                }
                Ok(())
            }
            ProxyFailure::NoAnswer {
                detail,
                sent_credentials,
                ..
            } => {
                write!(
                    f,
                    "the proxy {proxy} opened no tunnel to {target}: {detail}"
                )?;
                if *sent_credentials {
                    f.write_str(
                        "; not retried, as credentials were sent and a proxy may count a \
                         failure against the account",
                    )?;
                }
                Ok(())
            }
            ProxyFailure::TunnelClosed { detail } => write!(
                f,
                "the tunnel through the proxy {proxy} closed before {target} answered the TLS \
                 handshake ({detail}); the proxy may not be able to reach {target}"
            ),
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
            ProxyFailure::Refused { status, reason, .. } => match status {
                500..=599 => write!(
                    f,
                    "the proxy {proxy} could not open a tunnel to {target}: HTTP {status} \
                     {reason} (the proxy could not reach it)"
                ),
                408 | 429 => write!(
                    f,
                    "the proxy {proxy} opened no tunnel to {target} this time: HTTP {status} \
                     {reason}"
                ),
                300..=399 => write!(
                    f,
                    "the proxy {proxy} redirected CONNECT (HTTP {status} {reason}), as a login \
                     portal does; it opened no tunnel to {target}"
                ),
                _ => write!(
                    f,
                    "the proxy {proxy} refused to open a tunnel to {target}: HTTP {status} \
                     {reason}; ask the proxy's administrators to allow CONNECT to {target}"
                ),
            },
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

    fn error(failure: ProxyFailure) -> ProxyError {
        ProxyError {
            proxy: "proxy.internal:3128 (set by HTTPS_PROXY)".into(),
            target: "api2.moneydesktop.com:443".into(),
            failure,
        }
    }

    fn refused(status: u16, reason: &str, schemes: &[&str]) -> ProxyError {
        error(ProxyFailure::Refused {
            status,
            reason: reason.into(),
            schemes: schemes.iter().map(|s| s.to_string()).collect(),
            sent_credentials: true,
        })
    }

    #[test]
    fn a_refused_password_names_the_proxy_and_its_reason_and_is_final() {
        let e = refused(407, "Proxy Authentication Required", &["Basic"]);
        let text = e.to_string();
        assert!(e.is_final());
        assert!(
            text.contains("proxy.internal:3128 (set by HTTPS_PROXY)")
                && text.contains("407 Proxy Authentication Required")
                && text.contains("not retried"),
            "{text}"
        );
        assert!(!text.contains("Basic credentials only"), "{text}");
        let ntlm = refused(407, "Proxy Authentication Required", &["NTLM", "Negotiate"]);
        assert!(
            ntlm.to_string()
                .contains("it asks for NTLM, Negotiate; mx-sso sends Basic credentials only"),
            "{ntlm}"
        );
    }

    #[test]
    fn which_answers_are_final() {
        for (status, is_final, words) in [
            (
                403,
                true,
                "refused to open a tunnel to api2.moneydesktop.com:443: HTTP 403",
            ),
            (302, true, "redirected CONNECT (HTTP 302"),
            (502, false, "could not reach it"),
            (429, false, "this time: HTTP 429"),
            (408, false, "this time: HTTP 408"),
        ] {
            let e = refused(status, "Reason", &[]);
            assert_eq!(e.is_final(), is_final, "{status}");
            assert!(e.to_string().contains(words), "{status}: {e}");
        }
        let silent = |sent_credentials| {
            error(ProxyFailure::NoAnswer {
                detail: "it closed the connection without answering CONNECT".into(),
                timed_out: false,
                sent_credentials,
            })
        };
        assert!(
            silent(true).is_final(),
            "credentials are never sent twice blindly"
        );
        assert!(!silent(false).is_final());
        assert!(error(ProxyFailure::TlsRefused {
            detail: "invalid peer certificate: UnknownIssuer".into(),
            unknown_issuer: true
        })
        .to_string()
        .contains("set ca_file"));
    }

    #[test]
    fn a_spent_deadline_during_connect_is_a_timeout() {
        let timeout = ureq::Error::Timeout(ureq::Timeout::Global).into_io();
        let e = error(ProxyFailure::exchange(timeout, false));
        assert!(e.timed_out(), "{e}");
        assert!(
            e.to_string().contains("did not answer CONNECT in time"),
            "{e}"
        );
        let reset = io::Error::from(io::ErrorKind::ConnectionReset);
        assert!(!error(ProxyFailure::exchange(reset, false)).timed_out());
    }
}

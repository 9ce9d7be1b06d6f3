//! What an answer, or a failed attempt, means for the caller: a success body, or an [`Error`]
//! whose message says what happened and who answered. Foreign text (bodies, headers, ureq's
//! error texts) is masked and cut short before it is quoted.

use std::time::Duration;

use super::attempt::{Answer, AttemptError};
use super::quote::{body_text, foreign};
use super::tls::rustls_error;
use crate::error::Error;
use crate::options::{BaseUrl, Options};
use crate::redact::Secrets;

/// Why MX closes a connection without answering (from MX's "API requirements" page).
const NO_ANSWER_HINT: &str = "MX closes the connection without an answer when the API key is \
                              wrong or the calling IP address is not on MX's allow-list";

/// A 2xx answer: its body, if it is JSON within the limits.
/// `empty_ok`: the operation is undocumented by MX, so a 2xx without a body (a 204) is taken as
/// success and reported as `{}`.
pub(crate) fn success_body(
    answer: Answer,
    attempts: u32,
    secrets: &Secrets,
    empty_ok: bool,
) -> Result<String, Error> {
    let status = answer.status;
    if empty_ok && answer.body.iter().all(u8::is_ascii_whitespace) {
        return Ok("{}".to_string());
    }
    // A body that looks like JSON is likely MX's own answer (under a wrong Content-Type, or cut
    // short), which can hold a login token or widget URLs: never quoted. Anything else (a
    // gateway's page) is, with a word on where such an answer comes from, and is not put on MX.
    let json_like = matches!(
        answer.body.iter().find(|b| !b.is_ascii_whitespace()),
        Some(b'{' | b'[')
    );
    let who = if json_like { "MX" } else { "the server" };
    let not_json = |why: String| Error::Response {
        status,
        message: format!("{who} answered HTTP {status} but {why}"),
        attempts,
    };
    let described = || {
        if json_like {
            format!(
                "{} bytes that look like JSON, not quoted: they may hold login material",
                answer.body.len()
            )
        } else {
            format!(
                "it starts with {:?}; such an answer may come from a proxy or gateway between \
                 this host and MX",
                body_text(&answer.body, answer.content_type.as_deref(), secrets)
            )
        }
    };
    if let Some(ct) = &answer.content_type {
        if !is_json_content_type(ct) {
            return Err(not_json(format!(
                "with Content-Type {:?}, not application/json ({})",
                foreign(ct.as_bytes(), secrets),
                described()
            )));
        }
    }
    if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&answer.body) {
        return Err(not_json(format!(
            "the body is not JSON ({e}; {})",
            described()
        )));
    }
    String::from_utf8(answer.body).map_err(|_| not_json("the body is not UTF-8".into()))
}

fn is_json_content_type(value: &str) -> bool {
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json" || essence.ends_with("+json")
}

/// A non-2xx answer as an error, with MX's `error` text when the body has one. A body that is
/// not MX's `{"error": …}` object is quoted, and the message says it may come from something
/// between this host and MX (a proxy, a TLS-inspecting gateway, a load balancer): those answer
/// 502 and 404 too, and sending the operator to MX for them would be wrong.
pub(crate) fn http_error(answer: &Answer, attempts: u32, secrets: &Secrets) -> Error {
    let status = answer.status;
    let mx_error = serde_json::from_slice::<serde_json::Value>(&answer.body)
        .ok()
        .and_then(|v| {
            v.get("error")
                .and_then(|e| e.as_str())
                .map(|t| secrets.mask(t))
        });
    let empty = answer.body.iter().all(u8::is_ascii_whitespace);
    let tries = if attempts > 1 {
        format!(" (after {attempts} attempts)")
    } else {
        String::new()
    };
    if mx_error.is_none() && !empty {
        return Error::Http {
            status,
            message: format!(
                "the server answered HTTP {status} with a body that is not MX's error object \
                 ({}): {:?}; the answer may come from a proxy, a TLS-inspecting gateway or a \
                 load balancer between this host and MX rather than from MX{tries}",
                who_answered(answer, secrets),
                body_text(&answer.body, answer.content_type.as_deref(), secrets)
            ),
            mx_error,
            attempts,
        };
    }
    let detail = match (&mx_error, status) {
        (Some(text), _) => format!(": {text}"),
        (None, 404) => " with no body: MX answers so for a wrong URL path (check base_url) or \
                        a request without Content-Type: application/json"
            .to_string(),
        (None, 502) => " with no body: the MX API is down; contact MX".to_string(),
        (None, _) => " with no body".to_string(),
    };
    let hint = match (status, mx_error.as_deref()) {
        (500, Some(t)) if t.contains("Client must be associated") => {
            " (check client_guid: the client is not associated with this API key)"
        }
        (503, _) => " (MX is under maintenance; try again later)",
        _ => "",
    };
    Error::Http {
        status,
        message: format!("MX answered HTTP {status}{detail}{hint}{tries}"),
        mx_error,
        attempts,
    }
}

/// `Content-Type text/html, Server "tinyproxy/1.11.1"`: what the answer says of itself.
fn who_answered(answer: &Answer, secrets: &Secrets) -> String {
    let content_type = answer
        .content_type
        .as_deref()
        .map_or("no Content-Type".to_string(), |ct| {
            format!("Content-Type {}", foreign(ct.as_bytes(), secrets))
        });
    match &answer.server {
        Some(server) => format!(
            "{content_type}, Server {:?}",
            foreign(server.as_bytes(), secrets)
        ),
        None => content_type,
    }
}

/// The server asked to wait longer than the deadline allows: end now with its answer.
pub(crate) fn give_up_on_retry_after(error: Error, asked: Duration, left: Duration) -> Error {
    match error {
        Error::Http {
            status,
            mx_error,
            message,
            attempts,
        } => Error::Http {
            status,
            mx_error,
            message: format!(
                "{message}; the server asked to retry after {}, but only {} of timeout_ms \
                 were left, so the call gave up without waiting",
                seconds_text(asked),
                seconds_text(left)
            ),
            attempts,
        },
        other => other,
    }
}

/// The server of `base` and how it is reached, as connect failures name it:
/// `https://h:8443 (directly, no proxy)` or `https://h (through the proxy p:3128 (set by
/// HTTPS_PROXY))`. Naming the route lets a missing or exempted proxy setting show.
pub(crate) fn server_route(base: &BaseUrl, proxy_label: Option<&str>) -> String {
    match proxy_label {
        None => format!("{} (directly, no proxy)", base.origin),
        Some(label) => format!("{} (through the proxy {label})", base.origin),
    }
}

/// `2.5 s`, or "more than a year" for the absurd waits a server (or a huge timeout) can give.
fn seconds_text(d: Duration) -> String {
    const YEAR: Duration = Duration::from_secs(365 * 24 * 3600);
    if d > YEAR {
        "more than a year".to_string()
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// A connect to `server` that timed out. `remaining` is what was left of the deadline when the
/// attempt started: when it was shorter than `connect_timeout_ms`, the overall deadline is what
/// ran out.
fn connect_timeout_error(
    attempts: u32,
    options: &Options,
    server: &str,
    remaining: Duration,
) -> Error {
    let connect_timeout_ms = options.connect_timeout_ms;
    let message = if remaining < Duration::from_millis(connect_timeout_ms) {
        format!(
            "no connection to {server} within timeout_ms ({} ms) after {attempts} attempt(s)",
            options.timeout_ms
        )
    } else {
        format!(
            "connecting to {server} took longer than connect_timeout_ms ({connect_timeout_ms} \
             ms) after {attempts} attempt(s)"
        )
    };
    Error::Timeout { message, attempts }
}

/// The TLS handshake was refused; with a hint where the usual cause is a private CA.
fn tls_error(e: &ureq::Error, attempts: u32, secrets: &Secrets) -> Error {
    let hint = match rustls_error(e) {
        Some(rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer)) => {
            "; the server's certificate is not trusted: if it is issued by a private CA \
             (a TLS-inspecting proxy, a test server), set ca_file to that CA's PEM file"
        }
        _ => "",
    };
    Error::Transport {
        message: format!(
            "the TLS handshake failed after {attempts} attempt(s): {}{hint}",
            foreign(e.to_string().as_bytes(), secrets)
        ),
        attempts,
        proxy_credentials_refused: false,
    }
}

/// How a failed attempt is reported. `server` names the server and the route to it, as
/// [`server_route`] words them; `remaining` is what was left of the deadline when the attempt
/// started.
pub(crate) fn attempt_error(
    e: AttemptError,
    attempts: u32,
    options: &Options,
    server: &str,
    remaining: Duration,
    secrets: &Secrets,
) -> Error {
    match e {
        AttemptError::ConnectTimeout => connect_timeout_error(attempts, options, server, remaining),
        AttemptError::Tls(e) => tls_error(&e, attempts, secrets),
        AttemptError::Proxy(proxy) => {
            let message = format!(
                "{} ({attempts} attempt(s))",
                secrets.mask(&proxy.to_string())
            );
            if proxy.timed_out() {
                Error::Timeout { message, attempts }
            } else {
                Error::Transport {
                    message,
                    attempts,
                    proxy_credentials_refused: proxy.refused_credentials(),
                }
            }
        }
        AttemptError::Connect(e) => Error::Transport {
            message: format!(
                "could not connect to {server} after {attempts} attempt(s): {}",
                foreign(e.to_string().as_bytes(), secrets)
            ),
            attempts,
            proxy_credentials_refused: false,
        },
        AttemptError::ClosedWithoutAnswer(e) => Error::Transport {
            message: format!(
                "the connection was closed without an answer ({}); {NO_ANSWER_HINT}",
                foreign(e.to_string().as_bytes(), secrets)
            ),
            attempts,
            proxy_credentials_refused: false,
        },
        AttemptError::TooLarge { status, limit } if (200..300).contains(&status) => {
            Error::Response {
                status,
                message: format!(
                    "MX answered HTTP {status} with a body larger than max_response_bytes \
                     ({limit} bytes); it was not read"
                ),
                attempts,
            }
        }
        AttemptError::TooLarge { status, limit } => Error::Http {
            status,
            mx_error: None,
            message: format!(
                "MX answered HTTP {status} with an error body larger than {limit} bytes"
            ),
            attempts,
        },
        AttemptError::Timeout => Error::Timeout {
            message: format!(
                "no complete answer within timeout_ms ({} ms) after {attempts} attempt(s)",
                options.timeout_ms
            ),
            attempts,
        },
        AttemptError::Other(e) => Error::Transport {
            message: format!(
                "the request failed: {}",
                foreign(e.to_string().as_bytes(), secrets)
            ),
            attempts,
            proxy_credentials_refused: false,
        },
    }
}

/// How a server answer is judged, for the fuzz targets in `fuzz/` (built with `--cfg fuzzing`).
#[cfg(fuzzing)]
pub fn fuzz_answer(status: u16, content_type: Option<&str>, body: &[u8]) -> Result<String, Error> {
    let answer = Answer {
        status,
        content_type: content_type.map(str::to_string),
        server: None,
        retry_after: None,
        body: body.to_vec(),
    };
    if (200..300).contains(&status) {
        success_body(answer, 1, &Secrets::default(), false)
    } else {
        Err(http_error(&answer, 1, &Secrets::default()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broken_json_is_never_quoted() {
        let answer = |body: &str| Answer {
            status: 200,
            content_type: Some("application/json".into()),
            server: None,
            retry_after: None,
            body: body.as_bytes().to_vec(),
        };
        let secrets = Secrets::default();
        let cut = r#" {"guid":"USR-1","login_token":"TOKEN-123","master_widget_url":"https://w/x"#;
        let text = success_body(answer(cut), 1, &secrets, false)
            .unwrap_err()
            .to_string();
        assert!(
            text.contains("not JSON") && text.contains("not quoted"),
            "{text}"
        );
        assert!(
            !text.contains("TOKEN-123") && !text.contains("https://w"),
            "{text}"
        );
        let page = success_body(answer("Please sign in"), 1, &secrets, false)
            .unwrap_err()
            .to_string();
        assert!(
            page.contains("\"Please sign in\"") && page.contains("proxy"),
            "{page}"
        );
        // MX's answer under a wrong Content-Type: not quoted either.
        let mut mislabelled = answer(cut.trim_end_matches('"'));
        mislabelled.content_type = Some("text/plain".into());
        let text = success_body(mislabelled, 1, &secrets, false)
            .unwrap_err()
            .to_string();
        assert!(
            text.contains("text/plain") && !text.contains("TOKEN-123"),
            "{text}"
        );
    }

    #[test]
    fn json_content_types() {
        assert!(is_json_content_type("application/json"));
        assert!(is_json_content_type("Application/JSON; charset=utf-8"));
        assert!(is_json_content_type("application/vnd.mx+json"));
        assert!(!is_json_content_type("text/html"));
    }

    #[test]
    fn a_proxy_refusing_the_credentials_is_told_apart_by_type() {
        use super::super::proxy_error::{ProxyError, ProxyFailure};
        let refusal = |status: u16, reason: &str, sent_credentials: bool| {
            let proxy = ProxyError {
                proxy: "proxy.internal:3128 (set by HTTPS_PROXY)".into(),
                target: "api2.moneydesktop.com:443".into(),
                failure: ProxyFailure::Refused {
                    status,
                    reason: reason.into(),
                    schemes: vec!["Basic".into()],
                    sent_credentials,
                },
            };
            attempt_error(
                AttemptError::Proxy(Box::new(proxy)),
                1,
                &Options::default(),
                "https://api2.moneydesktop.com (through the proxy p)",
                Duration::from_secs(30),
                &Secrets::default(),
            )
        };
        for (status, reason, sent) in [
            (407, "Proxy Authentication Required", true),
            (401, "Unauthorized", true),
            (407, "Proxy Authentication Required", false),
        ] {
            let e = refusal(status, reason, sent);
            assert!(e.is_proxy_credentials_refused(), "{status}: {e}");
            assert_eq!(e.status(), crate::Status::Transport, "{e}");
            // The typed flag survives what the call path does to an error afterwards.
            let e = e.with_attempts(3).map_messages(|m| m.to_string());
            assert!(e.is_proxy_credentials_refused(), "{e}");
            assert!(e.to_json().contains("MX_ERR_TRANSPORT"), "{e}");
            assert!(
                !e.to_json().contains("credentials_refused"),
                "C ABI unchanged"
            );
        }
        for (status, reason) in [(403, "Forbidden"), (502, "Bad Gateway")] {
            let e = refusal(status, reason, true);
            assert!(!e.is_proxy_credentials_refused(), "{status}: {e}");
        }
        let other = Error::Transport {
            message: "could not connect".into(),
            attempts: 1,
            proxy_credentials_refused: false,
        };
        assert!(!other.is_proxy_credentials_refused());
        assert!(!Error::Validation("bad".into()).is_proxy_credentials_refused());
    }
}

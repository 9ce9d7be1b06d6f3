//! The HTTP client: one pooled ureq agent per [`Client`], the Update user call, retries within
//! one overall deadline, and the mapping of every outcome onto [`Error`].

use std::io::{self, Read};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use ureq::Agent;

use crate::error::{mask_query_key, redact, Error};
use crate::model::{check_id, percent_encode, UserUpdate};
use crate::options::{BaseUrl, Options};
use crate::retry::{backoff, is_retryable_status, parse_retry_after};
use crate::transport::{self, FastResolver, TrackingConnector};

/// Largest error body read from a non-2xx answer; MX's are a one-line JSON object.
const MAX_ERROR_BODY_BYTES: u64 = 64 * 1024;

/// Most memory reserved up front for a body from its `Content-Length`; a server's header must
/// not decide how much is allocated before a byte has arrived.
const MAX_BODY_PREALLOC: u64 = 64 * 1024;

/// Longest piece of foreign text (a body, a header, ureq's error text) quoted in a message.
const MAX_QUOTED_BYTES: usize = 200;

/// Why MX closes a connection without answering (from MX's "API requirements" page).
const NO_ANSWER_HINT: &str = "MX closes the connection without an answer when the API key is \
                              wrong or the calling IP address is not on MX's allow-list";

/// A client for the MX SSO API v2: its options and one connection pool.
///
/// Thread-safe: share one client between threads (`&Client` is enough); connections and TLS
/// sessions are reused across calls and threads.
pub struct Client {
    agent: Agent,
    /// Same settings, no pool: the one retry after a pooled connection turned out to be closed
    /// must run on a new connection, not on the next idle one (which may be just as stale).
    fresh_agent: Agent,
    base: BaseUrl,
    options: Options,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// A server answer read whole (within limits).
struct Answer {
    status: u16,
    content_type: Option<String>,
    retry_after: Option<Duration>,
    body: Vec<u8>,
}

/// How one attempt failed before a whole answer was read.
enum AttemptError {
    /// Resolving the host or opening the TCP connection (or the proxy tunnel) failed: nothing
    /// was sent, so it is safe and useful to retry.
    Connect(ureq::Error),
    /// Connecting took longer than `connect_timeout_ms` (or what was left of the deadline).
    ConnectTimeout,
    /// The TLS handshake was refused (certificate, protocol): retrying cannot change that.
    Tls(ureq::Error),
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

impl Client {
    /// Builds a client; no connection is made until the first call.
    pub fn new(options: Options) -> Result<Client, Error> {
        let base = options.check()?;
        let proxy = crate::options::proxy(options.proxy.as_deref(), &base)?;
        let tls = crate::tls::tls_config(base.https, options.ca_file.as_deref())?;
        let agent = |pooled: bool| {
            let config = Agent::config_builder()
                .http_status_as_error(false)
                // A redirect could carry the API key to another host: report it instead.
                .max_redirects(0)
                .max_redirects_will_error(false)
                .user_agent(options.user_agent.as_str())
                .accept("application/json")
                .proxy(proxy.clone())
                .tls_config(tls.clone())
                .max_idle_connections(if pooled { 64 } else { 0 })
                .max_idle_connections_per_host(if pooled { 32 } else { 0 })
                .timeout_global(Some(Duration::from_millis(options.timeout_ms)))
                .timeout_connect(Some(Duration::from_millis(options.connect_timeout_ms)))
                .build();
            Agent::with_parts(
                config,
                TrackingConnector::default(),
                FastResolver::default(),
            )
        };
        Ok(Client {
            agent: agent(true),
            fresh_agent: agent(false),
            base,
            options,
        })
    }

    /// Builds a client from the options JSON object of the C API (`None`: all defaults).
    pub fn from_json(options_json: Option<&str>) -> Result<Client, Error> {
        let options = match options_json {
            Some(text) => Options::from_json(text)?,
            None => Options::default(),
        };
        Client::new(options)
    }

    /// The options this client was built with.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Update user with a typed body. Returns MX's JSON response exactly as received.
    pub fn update_user(
        &self,
        api_key: &str,
        client_guid: &str,
        user_guid: &str,
        update: &UserUpdate,
    ) -> Result<String, Error> {
        update.validate()?;
        if self.options.strict_fields && !update.extra.is_empty() {
            let names: Vec<&str> = update.extra.names().collect();
            return Err(Error::Validation(format!(
                "unknown field(s) {}; accepted fields: {}",
                names.join(", "),
                crate::model::FIELDS.join(", ")
            )));
        }
        let url = self.user_url(api_key, client_guid, user_guid)?;
        self.put(api_key, &url, &update.to_json())
    }

    /// Update user with a JSON body, checked as [`UserUpdate::from_json`] describes.
    pub fn update_user_json(
        &self,
        api_key: &str,
        client_guid: &str,
        user_guid: &str,
        json_body: &str,
    ) -> Result<String, Error> {
        let url = self.user_url(api_key, client_guid, user_guid)?;
        let update = UserUpdate::from_json(json_body, self.options.strict_fields)?;
        self.put(api_key, &url, &update.to_json())
    }

    /// `{base}/user/{user_guid}?k={api_key}&c={client_guid}`, every part percent-encoded so that
    /// the guid stays one path segment and the key and client one query value each.
    fn user_url(&self, api_key: &str, client_guid: &str, user_guid: &str) -> Result<String, Error> {
        check_id("api_key", api_key)?;
        check_id("client_guid", client_guid)?;
        check_id("user_guid", user_guid)?;
        if user_guid == "." || user_guid == ".." {
            return Err(Error::Validation(format!(
                "user_guid is \"{user_guid}\", a relative path step; expected a user_guid or external_user_guid"
            )));
        }
        Ok(format!(
            "{}/user/{}?k={}&c={}",
            self.base.prefix,
            percent_encode(user_guid),
            percent_encode(api_key),
            percent_encode(client_guid)
        ))
    }

    /// Sends the PUT, retrying as documented. Text from outside this crate (server bodies and
    /// headers, ureq's error texts) has the key masked where it is formatted into a message
    /// ([`foreign`]); as a second line of defence every `k=` query value left in a message is
    /// masked here, the one exit of every request path.
    fn put(&self, api_key: &str, url: &str, body: &str) -> Result<String, Error> {
        self.put_with_retries(api_key, url, body)
            .map_err(|e| e.map_messages(mask_query_key))
    }

    fn put_with_retries(&self, key: &str, url: &str, body: &str) -> Result<String, Error> {
        let timeout = Duration::from_millis(self.options.timeout_ms);
        let deadline = Instant::now() + timeout;
        let mut attempts: u32 = 0;
        let mut retries: u32 = 0;
        let mut stale_connection_retried = false;
        let mut fresh_connection = false;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Err(Error::Timeout {
                    message: format!(
                        "timeout_ms ({} ms) passed after {attempts} attempt(s)",
                        self.options.timeout_ms
                    ),
                    attempts,
                });
            }
            attempts += 1;
            transport::start_attempt();
            let agent = if std::mem::take(&mut fresh_connection) {
                &self.fresh_agent
            } else {
                &self.agent
            };
            let outcome = self.attempt(agent, url, body, remaining);
            let trace = transport::finish_attempt();

            // What to report if this attempt is the last one, and how long to wait otherwise.
            let (error, wait) = match outcome {
                Ok(answer) if (200..300).contains(&answer.status) => {
                    return success_body(answer, attempts, key);
                }
                Ok(answer) => {
                    let retryable = is_retryable_status(answer.status);
                    let server_wait = answer.retry_after;
                    let error = http_error(&answer, attempts, key);
                    if !retryable || retries >= self.options.max_retries {
                        return Err(error);
                    }
                    if let Some(asked) = server_wait {
                        let left = deadline.saturating_duration_since(Instant::now());
                        if asked > left {
                            return Err(give_up_on_retry_after(error, asked, left));
                        }
                    }
                    (error, server_wait.unwrap_or_else(|| backoff(retries)))
                }
                Err(AttemptError::ClosedWithoutAnswer(_))
                    if !trace.connect_started && !stale_connection_retried =>
                {
                    // The pooled connection had been closed by the server while idle: one
                    // immediate retry on a new connection, not counted as a retry (curl does
                    // the same).
                    stale_connection_retried = true;
                    fresh_connection = true;
                    continue;
                }
                Err(failure) => {
                    // Only a failed connect is known to have sent nothing; anything later may
                    // have reached MX, and its answer (or silence) is reported as it is.
                    let retryable = matches!(
                        failure,
                        AttemptError::Connect(_) | AttemptError::ConnectTimeout
                    );
                    let error = attempt_error(failure, attempts, &self.options, remaining, key);
                    if !retryable || retries >= self.options.max_retries {
                        return Err(error);
                    }
                    (error, backoff(retries))
                }
            };
            let left = deadline.saturating_duration_since(Instant::now());
            if wait >= left {
                // Sleeping would only end in a timeout: report the answer we have now.
                return Err(error);
            }
            thread::sleep(wait);
            retries += 1;
        }
    }

    /// One request and its answer, within `remaining` of the call's deadline.
    fn attempt(
        &self,
        agent: &Agent,
        url: &str,
        body: &str,
        remaining: Duration,
    ) -> Result<Answer, AttemptError> {
        let connect_timeout = Duration::from_millis(self.options.connect_timeout_ms).min(remaining);
        let response = agent
            .put(url)
            .header("Content-Type", "application/json")
            .config()
            .timeout_global(Some(remaining))
            // ureq bounds a name lookup by the global timeout only; it is part of connecting.
            .timeout_resolve(Some(connect_timeout))
            .timeout_connect(Some(connect_timeout))
            .build()
            .send(body)
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
        // Only an answer that will be retried has a use for Retry-After.
        let retry_after = if is_retryable_status(status) {
            header("retry-after").and_then(|v| parse_retry_after(&v, SystemTime::now()))
        } else {
            None
        };
        let limit = if (200..300).contains(&status) {
            self.options.max_response_bytes
        } else {
            MAX_ERROR_BODY_BYTES.min(self.options.max_response_bytes)
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
            retry_after,
            body,
        })
    }
}

/// Sorts an error of ureq's that came before any answer was read.
fn classify_request_error(e: ureq::Error) -> AttemptError {
    if transport::finish_attempt().connect_failed {
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

/// The rustls error inside an error of ureq's, if any.
fn rustls_error(e: &ureq::Error) -> Option<&rustls::Error> {
    match e {
        ureq::Error::Rustls(inner) => Some(inner),
        ureq::Error::Io(io) => io.get_ref()?.downcast_ref::<rustls::Error>(),
        _ => None,
    }
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

/// A 2xx answer: its body, if it is JSON within the limits.
fn success_body(answer: Answer, attempts: u32, key: &str) -> Result<String, Error> {
    let status = answer.status;
    let not_json = |why: String| Error::Response {
        status,
        message: format!("MX answered HTTP {status} but {why}"),
        attempts,
    };
    if let Some(ct) = &answer.content_type {
        if !is_json_content_type(ct) {
            return Err(not_json(format!(
                "with Content-Type {:?}, not application/json",
                foreign(ct.as_bytes(), key)
            )));
        }
    }
    if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&answer.body) {
        return Err(not_json(format!(
            "the body is not JSON ({e}); it starts with {:?}",
            foreign(&answer.body, key)
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

/// Text from outside this crate (a body, a header, ureq's error text) made fit for a message:
/// lossily decoded, the key masked, then cut to [`MAX_QUOTED_BYTES`]. Masking comes first so
/// that a key straddling the cut cannot leave a prefix of itself behind.
fn foreign(bytes: &[u8], key: &str) -> String {
    let mut text = redact(&String::from_utf8_lossy(bytes), key);
    if text.len() > MAX_QUOTED_BYTES {
        let mut end = MAX_QUOTED_BYTES;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

/// A non-2xx answer as an error, with MX's `error` text when the body has one.
fn http_error(answer: &Answer, attempts: u32, key: &str) -> Error {
    let status = answer.status;
    let mx_error = serde_json::from_slice::<serde_json::Value>(&answer.body)
        .ok()
        .and_then(|v| {
            v.get("error")
                .and_then(|e| e.as_str())
                .map(|t| redact(t, key))
        });
    let detail = match (&mx_error, status) {
        (Some(text), _) => format!(": {text}"),
        (None, 404) => " with no body: MX answers so for a wrong URL path (check base_url) or \
                        a request without Content-Type: application/json"
            .to_string(),
        (None, 502) => " with no body: the MX API is down; contact MX".to_string(),
        (None, _) if answer.body.is_empty() => " with no body".to_string(),
        (None, _) => format!(": {:?}", foreign(&answer.body, key)),
    };
    let hint = match (status, mx_error.as_deref()) {
        (500, Some(t)) if t.contains("Client must be associated") => {
            " (check client_guid: the client is not associated with this API key)"
        }
        (503, _) => " (MX is under maintenance; try again later)",
        _ => "",
    };
    let tries = if attempts > 1 {
        format!(" (after {attempts} attempts)")
    } else {
        String::new()
    };
    Error::Http {
        status,
        message: format!("MX answered HTTP {status}{detail}{hint}{tries}"),
        mx_error,
        attempts,
    }
}

/// The server asked to wait longer than the deadline allows: end now with its answer.
fn give_up_on_retry_after(error: Error, asked: Duration, left: Duration) -> Error {
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

/// `2.5 s`, or "more than a year" for the absurd waits a server (or a huge timeout) can give.
fn seconds_text(d: Duration) -> String {
    const YEAR: Duration = Duration::from_secs(365 * 24 * 3600);
    if d > YEAR {
        "more than a year".to_string()
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// A connect that timed out. `remaining` is what was left of the deadline when the attempt
/// started: when it was shorter than `connect_timeout_ms`, the overall deadline is what ran out.
fn connect_timeout_error(attempts: u32, options: &Options, remaining: Duration) -> Error {
    let connect_timeout_ms = options.connect_timeout_ms;
    let message = if remaining < Duration::from_millis(connect_timeout_ms) {
        format!(
            "no connection within timeout_ms ({} ms) after {attempts} attempt(s)",
            options.timeout_ms
        )
    } else {
        format!(
            "connecting took longer than connect_timeout_ms ({connect_timeout_ms} ms) after \
             {attempts} attempt(s)"
        )
    };
    Error::Timeout { message, attempts }
}

/// The TLS handshake was refused; with a hint where the usual cause is a private CA.
fn tls_error(e: &ureq::Error, attempts: u32, key: &str) -> Error {
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
            foreign(e.to_string().as_bytes(), key)
        ),
        attempts,
    }
}

/// How a failed attempt is reported. `remaining` is what was left of the deadline when the
/// attempt started.
fn attempt_error(
    e: AttemptError,
    attempts: u32,
    options: &Options,
    remaining: Duration,
    key: &str,
) -> Error {
    match e {
        AttemptError::ConnectTimeout => connect_timeout_error(attempts, options, remaining),
        AttemptError::Tls(e) => tls_error(&e, attempts, key),
        AttemptError::Connect(e) => Error::Transport {
            message: format!(
                "could not connect after {attempts} attempt(s): {}",
                foreign(e.to_string().as_bytes(), key)
            ),
            attempts,
        },
        AttemptError::ClosedWithoutAnswer(e) => Error::Transport {
            message: format!(
                "the connection was closed without an answer ({}); {NO_ANSWER_HINT}",
                foreign(e.to_string().as_bytes(), key)
            ),
            attempts,
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
                foreign(e.to_string().as_bytes(), key)
            ),
            attempts,
        },
    }
}

/// How a server answer is judged, for the fuzz targets in `fuzz/` (built with `--cfg fuzzing`).
#[cfg(fuzzing)]
pub fn fuzz_answer(status: u16, content_type: Option<&str>, body: &[u8]) -> Result<String, Error> {
    let answer = Answer {
        status,
        content_type: content_type.map(str::to_string),
        retry_after: None,
        body: body.to_vec(),
    };
    if (200..300).contains(&status) {
        success_body(answer, 1, "")
    } else {
        Err(http_error(&answer, 1, ""))
    }
}

/// The process-wide client behind the one-shot calls, made at first use from the environment
/// (`MX_SSO_BASE_URL`). If that fails, every one-shot call reports the same error.
pub fn default_client() -> Result<&'static Client, Error> {
    static DEFAULT: OnceLock<Result<Client, String>> = OnceLock::new();
    DEFAULT
        .get_or_init(|| {
            Options::from_env()
                .and_then(Client::new)
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|message| Error::InvalidArgument(message.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local_client() -> Client {
        Client::new(Options {
            base_url: "http://127.0.0.1:9/prefix/".into(),
            ..Options::default()
        })
        .unwrap()
    }

    #[test]
    fn url_keeps_guid_one_segment_and_encodes_query() {
        let url = local_client()
            .user_url("k&y=1", "CLT a/b", "a/b c?d#e")
            .unwrap();
        assert_eq!(
            url,
            "http://127.0.0.1:9/prefix/user/a%2Fb%20c%3Fd%23e?k=k%26y%3D1&c=CLT%20a%2Fb"
        );
        let uri: ureq::http::Uri = url.parse().unwrap();
        assert_eq!(uri.path(), "/prefix/user/a%2Fb%20c%3Fd%23e");
        assert_eq!(uri.path().matches('/').count(), 3);
    }

    #[test]
    fn dot_segments_and_bad_ids_are_refused() {
        let c = local_client();
        for guid in [".", ".."] {
            assert!(matches!(
                c.user_url("k", "c", guid),
                Err(Error::Validation(_))
            ));
        }
        assert!(c.user_url("k", "c", "..a").is_ok());
        assert!(matches!(
            c.user_url("", "c", "u"),
            Err(Error::Validation(_))
        ));
        assert!(matches!(
            c.user_url("k", "c\n", "u"),
            Err(Error::Validation(_))
        ));
    }

    #[test]
    fn quoted_text_is_masked_before_it_is_cut() {
        // Found in review: cutting first left the head of a key that straddled the cut.
        let key = "MXSSO-SECRET-KEY-0123456789";
        for start in 170..=200 {
            let body = format!("{}{key}{}", "x".repeat(start), "y".repeat(50));
            let quoted = foreign(body.as_bytes(), key);
            assert!(quoted.len() <= MAX_QUOTED_BYTES);
            assert!(!quoted.contains("MXSSO-SECRET"), "start {start}: {quoted}");
        }
        let multibyte = "é".repeat(150);
        assert!(foreign(multibyte.as_bytes(), key).len() <= MAX_QUOTED_BYTES);
    }

    #[test]
    fn json_content_types() {
        assert!(is_json_content_type("application/json"));
        assert!(is_json_content_type("Application/JSON; charset=utf-8"));
        assert!(is_json_content_type("application/vnd.mx+json"));
        assert!(!is_json_content_type("text/html"));
    }

    #[test]
    fn debug_output_holds_no_secret_field() {
        let text = format!("{:?}", local_client());
        assert!(text.contains("base_url") && !text.contains("k="));
    }
}

//! One request of the emulated API on its way through the fault queue: the faults that answer
//! instead of MX, those that spoil the delivery of MX's answer, and the request log entry.

use crate::faults::Fault;
use crate::http::{self, RequestHead, Response, Transport};
use crate::routes;
use crate::state::{lock, LoggedRequest, Outcome, Shared};
use std::sync::atomic::Ordering;
use std::time::Duration;

/// Writes a whole answer in one write. Returns whether the connection stays open.
pub(crate) fn write_response<S: Transport>(
    stream: &mut S,
    response: &Response,
    keep_alive: bool,
) -> bool {
    stream.write_all(&response.to_bytes(keep_alive)).is_ok() && stream.flush().is_ok() && keep_alive
}

pub(crate) fn log_request(
    shared: &Shared,
    connection: u64,
    head: &RequestHead,
    status: Option<u16>,
    outcome: Outcome,
    fault: Option<&'static str>,
) {
    if shared.log_capacity == 0 && !shared.log_to_stderr {
        return;
    }
    shared.record(LoggedRequest {
        connection,
        method: head.method.clone(),
        path: head.path().to_string(),
        query: http::redact_query(head.query()),
        status,
        outcome,
        fault,
    });
}

/// One API request: faults first, then MX's behaviour. Returns keep-alive.
pub(crate) fn user_exchange<S: Transport>(
    shared: &Shared,
    stream: &mut S,
    connection: u64,
    head: &RequestHead,
    body: &[u8],
) -> bool {
    let fault = lock(&shared.faults).take(&head.method, head.path());
    let fault_kind = fault.as_ref().map(Fault::kind);
    if fault.is_some() {
        shared.faults_applied.fetch_add(1, Ordering::Relaxed);
    }
    let log = |status: Option<u16>, outcome: Outcome| {
        log_request(shared, connection, head, status, outcome, fault_kind)
    };
    let keep_alive = head.keep_alive;

    // Faults that answer instead of the emulator.
    match &fault {
        Some(Fault::Close) => {
            log(None, Outcome::NoAnswer);
            return false;
        }
        Some(Fault::Status {
            status,
            retry_after,
        }) => {
            let mut response = fault_status_response(*status);
            if let Some(value) = retry_after {
                response
                    .extra_headers
                    .push(("Retry-After".to_string(), value.clone()));
            }
            log(Some(*status), Outcome::Answered);
            return write_response(stream, &response, keep_alive);
        }
        Some(Fault::Response {
            status,
            content_type,
            body,
        }) => {
            let response = Response {
                status: *status,
                content_type: content_type.clone(),
                extra_headers: Vec::new(),
                body: body.clone().into_bytes(),
            };
            log(Some(*status), Outcome::Answered);
            return write_response(stream, &response, keep_alive);
        }
        Some(Fault::LargeBody { bytes }) => {
            let complete = write_large_body(shared, stream, *bytes, keep_alive);
            log(
                Some(200),
                if complete {
                    Outcome::Answered
                } else {
                    Outcome::ClientGone
                },
            );
            return complete && keep_alive;
        }
        Some(Fault::Delay { ms }) => {
            if !shared.sleep(Duration::from_millis(*ms)) {
                return false;
            }
        }
        Some(Fault::TruncatedBody | Fault::Trickle { .. } | Fault::ProcessThenClose) | None => {}
    }

    let Some(response) = routes::answer(shared, head, body) else {
        // MX: a wrong API key "fails with no return".
        log(None, Outcome::NoAnswerBadKey);
        return false;
    };
    match fault {
        Some(Fault::ProcessThenClose) => {
            log(None, Outcome::ProcessedNoAnswer);
            false
        }
        Some(Fault::TruncatedBody) => {
            let announced = response.body.len().max(16) as u64;
            let mut bytes = response.head_bytes(announced, false);
            bytes.extend_from_slice(&response.body[..response.body.len() / 2]);
            let _ = stream.write_all(&bytes).and_then(|()| stream.flush());
            log(Some(response.status), Outcome::Truncated);
            false
        }
        Some(Fault::Trickle { interval_ms }) => {
            let interval = Duration::from_millis(interval_ms);
            let bytes = response.to_bytes(keep_alive);
            for (i, byte) in bytes.iter().enumerate() {
                if i > 0 && !shared.sleep(interval) {
                    log(Some(response.status), Outcome::ClientGone);
                    return false;
                }
                if stream
                    .write_all(std::slice::from_ref(byte))
                    .and_then(|()| stream.flush())
                    .is_err()
                {
                    log(Some(response.status), Outcome::ClientGone);
                    return false;
                }
            }
            log(Some(response.status), Outcome::Answered);
            keep_alive
        }
        _ => {
            log(Some(response.status), Outcome::Answered);
            write_response(stream, &response, keep_alive)
        }
    }
}

/// The body MX would plausibly send with an injected status (README: "Faults").
fn fault_status_response(status: u16) -> Response {
    match status {
        // Documented: 502 has no body; 504 is treated like it (a gateway answer).
        502 | 504 => Response::empty(status),
        503 => Response::error(503, "Service Temporarily Unavailable."),
        429 => Response::error(429, "Too many requests."),
        404 => Response::empty(404),
        _ => {
            let phrase = http::reason_phrase(status);
            let text = if phrase.is_empty() {
                format!("HTTP {status}.")
            } else {
                format!("{phrase}.")
            };
            Response::error(status, &text)
        }
    }
}

/// Streams a 200 JSON-looking body of exactly `bytes` bytes. Returns whether all was written.
fn write_large_body<S: Transport>(
    shared: &Shared,
    stream: &mut S,
    bytes: u64,
    keep_alive: bool,
) -> bool {
    static FILLER: [u8; 64 * 1024] = [b'x'; 64 * 1024];
    let head = Response::json(200, Vec::new()).head_bytes(bytes, keep_alive);
    let (prefix, suffix): (&[u8], &[u8]) = if bytes >= 14 {
        (b"{\"padding\":\"", b"\"}")
    } else {
        (b"", b"")
    };
    if stream.write_all(&head).is_err() || stream.write_all(prefix).is_err() {
        return false;
    }
    let mut remaining = bytes - (prefix.len() + suffix.len()) as u64;
    while remaining > 0 {
        if shared.stopping.load(Ordering::Relaxed) {
            return false;
        }
        let n = remaining.min(FILLER.len() as u64) as usize;
        if stream.write_all(&FILLER[..n]).is_err() {
            return false;
        }
        remaining -= n as u64;
    }
    stream.write_all(suffix).is_ok() && stream.flush().is_ok()
}

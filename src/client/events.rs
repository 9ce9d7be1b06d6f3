//! Audit events (one per attempt, and one for a call refused before sending) and the client's
//! counters. An event never holds the API key, a credential value, a login token, a widget URL
//! or a body: it is built from the operation, the path (no query string), statuses, timings and
//! the attempt's message, which is masked like every error message.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde_json::json;

use crate::error::Error;
use crate::status::Status;

/// One attempt of a call, as the event handler receives it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Event {
    /// The operation the caller asked for (`user.ensure`).
    pub call: &'static str,
    /// The operation of this request (`user.read` for ensure's read or a create's read-back).
    pub op: &'static str,
    pub method: Option<&'static str>,
    /// As sent, ids percent-encoded, no query string; `None` when refused before a path.
    pub path: Option<String>,
    /// 1-based over every request of the call; 0 for a call refused before sending.
    pub attempt: u32,
    /// The status name of this attempt (`MX_OK`, `MX_ERR_HTTP`, ...).
    pub outcome: &'static str,
    pub http_status: Option<u16>,
    pub elapsed_us: u64,
    /// `"new"` or `"reused"`; `None` when nothing was sent.
    pub connection: Option<&'static str>,
    /// The wait before the next attempt, or `None` when none follows.
    pub retry_in_ms: Option<u64>,
    /// The wait the server asked for with `Retry-After`, when this attempt's answer carried one
    /// (whether or not it is retried): lets a caller running many calls pause them all.
    pub retry_after_ms: Option<u64>,
    /// For failures: the attempt's message (masked).
    pub message: Option<String>,
    /// RFC 3339, UTC, microseconds.
    pub ts: String,
}

impl Event {
    /// The event as the JSON object the C handler receives.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".to_string())
    }

    /// The outcome and message fields for a result.
    pub(crate) fn outcome_of(result: Result<(), &Error>) -> (&'static str, Option<String>) {
        match result {
            Ok(()) => (Status::Ok.name(), None),
            Err(e) => (e.status().name(), Some(e.to_string())),
        }
    }
}

/// An event handler: called on the calling thread, once per attempt, before any retry wait.
pub type EventHandler = Arc<dyn Fn(&Event) + Send + Sync>;

/// Where a client's events go. Replacing the handler is safe while other threads call: an
/// attempt takes the handler current when it ends, and calls it outside the lock, so a handler
/// may itself replace the handler.
#[derive(Default)]
pub(crate) struct EventSink {
    handler: RwLock<Option<EventHandler>>,
}

impl EventSink {
    pub(crate) fn set(&self, handler: Option<EventHandler>) {
        *self.handler.write().unwrap_or_else(|p| p.into_inner()) = handler;
    }

    /// The handler, if any (a clone, so that the lock is not held while it runs).
    pub(crate) fn current(&self) -> Option<EventHandler> {
        self.handler
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

/// The client's counters since it was made.
#[derive(Default)]
pub(crate) struct Counters {
    pub calls: AtomicU64,
    pub attempts: AtomicU64,
    pub retries: AtomicU64,
    by_outcome: [AtomicU64; 8],
    pub connections_opened: AtomicU64,
    pub tls_handshakes: AtomicU64,
    pub read_backs: AtomicU64,
    pub races: AtomicU64,
}

pub(crate) fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

impl Counters {
    pub(crate) fn finished(&self, status: Status) {
        bump(&self.by_outcome[status as usize]);
    }

    /// The counters as the JSON object `mx_client_stats` returns.
    pub(crate) fn to_json(&self) -> String {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let by_outcome: serde_json::Map<String, serde_json::Value> = Status::ALL
            .iter()
            .map(|s| {
                (
                    s.name().to_string(),
                    json!(get(&self.by_outcome[*s as usize])),
                )
            })
            .collect();
        json!({
            "calls": get(&self.calls),
            "attempts": get(&self.attempts),
            "retries": get(&self.retries),
            "by_outcome": by_outcome,
            "connections_opened": get(&self.connections_opened),
            "tls_handshakes": get(&self.tls_handshakes),
            "read_backs": get(&self.read_backs),
            "races": get(&self.races),
        })
        .to_string()
    }
}

/// Now as RFC 3339 UTC with microseconds: `2026-12-02T10:13:49.123456Z`.
pub(crate) fn rfc3339_now() -> String {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    rfc3339(since.as_secs(), since.subsec_micros())
}

fn rfc3339(secs: u64, micros: u32) -> String {
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{micros:06}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Howard Hinnant's `civil_from_days`, for days since 1970-01-01 (non-negative).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_rfc3339_utc() {
        assert_eq!(rfc3339(0, 0), "1970-01-01T00:00:00.000000Z");
        assert_eq!(rfc3339(951_782_400, 5), "2000-02-29T00:00:00.000005Z");
        assert_eq!(
            rfc3339(1_796_205_229, 123_456),
            "2026-12-02T09:53:49.123456Z"
        );
    }

    #[test]
    fn counters_by_outcome_name_every_status() {
        let c = Counters::default();
        c.finished(Status::Http);
        let v: serde_json::Value = serde_json::from_str(&c.to_json()).unwrap();
        assert_eq!(v["by_outcome"]["MX_ERR_HTTP"], 1);
        assert_eq!(v["by_outcome"].as_object().unwrap().len(), 8);
    }
}

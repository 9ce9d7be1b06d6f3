//! Injected faults: what they are, how they are queued, and how they are parsed from the
//! control endpoint's JSON.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::VecDeque;

/// One way of misbehaving on the next API request.
///
/// The JSON form (control endpoint) is the same as serde's: `{"kind": "status", "status": 503}`.
/// Faults that answer by themselves (`status`, `close`, `response`, `large_body`) leave the
/// resources untouched; `delay`, `truncated_body`, `trickle` and `process_then_close` process
/// the request normally (the create, update or delete is applied) and only spoil its delivery.
///
/// A fault applies to the next request by default; [`crate::Emulator::push_targeted_fault`] (or
/// `method`/`path` in the control endpoint's JSON) makes it wait for a matching request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Fault {
    /// Answer with this status and an MX-like body: 503 → `{"error":"Service Temporarily
    /// Unavailable."}`, 502 and 504 → no body, 429 → `{"error":"Too many requests."}`, any other
    /// → `{"error":"<reason phrase>."}`. With `retry_after`, a `Retry-After` header (seconds or
    /// an HTTP date, sent as given).
    Status {
        status: u16,
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            deserialize_with = "string_or_number"
        )]
        retry_after: Option<String>,
    },
    /// Read the request, then close the connection without answering.
    Close,
    /// Sleep this long, then process and answer the request normally.
    Delay { ms: u64 },
    /// Answer with exactly this (no `Content-Type` header when `content_type` is absent).
    Response {
        status: u16,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        content_type: Option<String>,
        #[serde(default)]
        body: String,
    },
    /// A 200 `application/json` answer whose body is `bytes` long, streamed, never held whole.
    LargeBody { bytes: u64 },
    /// Process the request, send headers announcing the full `Content-Length`, half the body,
    /// then close.
    TruncatedBody,
    /// Process the request, then write the answer one byte every `interval_ms` milliseconds.
    Trickle { interval_ms: u64 },
    /// Process the request completely (a create creates, an update updates), then close the
    /// connection without sending a byte of the answer: an outcome the client cannot know.
    ProcessThenClose,
}

fn string_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(serde::de::Error::custom(
            "retry_after must be a string or a number",
        )),
    }
}

impl Fault {
    /// Shorthand for `Fault::Status { status, retry_after: None }`.
    pub fn status(status: u16) -> Self {
        Fault::Status {
            status,
            retry_after: None,
        }
    }

    /// Shorthand for a status with a `Retry-After` header.
    pub fn status_retry_after(status: u16, retry_after: impl Into<String>) -> Self {
        Fault::Status {
            status,
            retry_after: Some(retry_after.into()),
        }
    }

    /// The `kind` name used in JSON and in the request log.
    pub fn kind(&self) -> &'static str {
        match self {
            Fault::Status { .. } => "status",
            Fault::Close => "close",
            Fault::Delay { .. } => "delay",
            Fault::Response { .. } => "response",
            Fault::LargeBody { .. } => "large_body",
            Fault::TruncatedBody => "truncated_body",
            Fault::Trickle { .. } => "trickle",
            Fault::ProcessThenClose => "process_then_close",
        }
    }

    fn field_names(&self) -> &'static [&'static str] {
        match self {
            Fault::Status { .. } => &["status", "retry_after"],
            Fault::Close | Fault::TruncatedBody | Fault::ProcessThenClose => &[],
            Fault::Delay { .. } => &["ms"],
            Fault::Response { .. } => &["status", "content_type", "body"],
            Fault::LargeBody { .. } => &["bytes"],
            Fault::Trickle { .. } => &["interval_ms"],
        }
    }

    fn check(&self) -> Result<(), String> {
        match self {
            Fault::Status {
                status,
                retry_after,
            } => {
                check_status(*status)?;
                if retry_after
                    .as_deref()
                    .is_some_and(|v| v.bytes().any(|b| b.is_ascii_control()))
                {
                    return Err("retry_after must not contain control characters".into());
                }
                Ok(())
            }
            Fault::Response {
                status,
                content_type,
                ..
            } => {
                check_status(*status)?;
                if content_type
                    .as_deref()
                    .is_some_and(|v| v.bytes().any(|b| b.is_ascii_control()))
                {
                    return Err("content_type must not contain control characters".into());
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

fn check_status(status: u16) -> Result<(), String> {
    // 1xx would be an interim answer and leave the client waiting: not a fault, a protocol error.
    if (200..=599).contains(&status) {
        Ok(())
    } else {
        Err(format!("status must be between 200 and 599, got {status}"))
    }
}

/// A fault, how many more requests it applies to, and which requests: any (no `method`, no
/// `path`), or only those with this method and/or path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueuedFault {
    #[serde(flatten)]
    pub fault: Fault,
    pub count: u32,
    /// Only requests with this method (compared case-insensitively), if set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Only requests with this path (as sent, before percent-decoding, without the query), if
    /// set: an exact path such as `/user`, or a prefix ending in `*` such as `/member/*`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

impl QueuedFault {
    fn matches(&self, method: &str, path: &str) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && self
                .path
                .as_deref()
                .is_none_or(|p| match p.strip_suffix('*') {
                    Some(prefix) => path.starts_with(prefix),
                    None => path == p,
                })
    }
}

/// Checks a fault target as given to the control endpoint or the library.
pub fn check_target(method: Option<&str>, path: Option<&str>) -> Result<(), String> {
    if let Some(m) = method {
        if m.is_empty() || !m.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(format!(
                "method must be an HTTP method such as POST, got {m:?}"
            ));
        }
    }
    if let Some(p) = path {
        let body = p.strip_suffix('*').unwrap_or(p);
        if !p.starts_with('/') || body.contains('*') || p.contains('?') {
            return Err(format!(
                "path must be a path such as /user or a prefix ending in * such as /member/*, \
                 without a query, got {p:?}"
            ));
        }
    }
    Ok(())
}

/// Faults waiting to be applied, in order.
#[derive(Debug, Default)]
pub struct FaultQueue {
    queue: VecDeque<QueuedFault>,
}

impl FaultQueue {
    pub fn push(&mut self, fault: Fault, count: u32) {
        self.push_targeted(fault, count, None, None);
    }

    pub fn push_targeted(
        &mut self,
        fault: Fault,
        count: u32,
        method: Option<String>,
        path: Option<String>,
    ) {
        if count > 0 {
            self.queue.push_back(QueuedFault {
                fault,
                count,
                method: method.map(|m| m.to_ascii_uppercase()),
                path,
            });
        }
    }

    /// The fault for a request with this method and path, if any: the first queued one that
    /// matches (an untargeted fault matches every request), consuming one of its count.
    pub fn take(&mut self, method: &str, path: &str) -> Option<Fault> {
        let index = self.queue.iter().position(|q| q.matches(method, path))?;
        let entry = &mut self.queue[index];
        entry.count -= 1;
        if entry.count == 0 {
            self.queue.remove(index).map(|q| q.fault)
        } else {
            Some(entry.fault.clone())
        }
    }

    pub fn clear(&mut self) {
        self.queue.clear();
    }

    /// Requests that will still meet a fault (sum of the remaining counts).
    pub fn pending(&self) -> u64 {
        self.queue.iter().map(|q| u64::from(q.count)).sum()
    }

    pub fn list(&self) -> Vec<QueuedFault> {
        self.queue.iter().cloned().collect()
    }
}

/// A fault parsed from the control endpoint: the fault, its count and its target.
pub type ParsedFault = (Fault, u32, Option<String>, Option<String>);

/// Parses the control endpoint's body: one fault object or an array of them, each with an
/// optional `count` (default 1), `method` and `path`.
pub fn parse_faults(body: &[u8]) -> Result<Vec<ParsedFault>, String> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| format!("body is not valid JSON: {e}"))?;
    let items = match value {
        Value::Array(items) => items,
        other => vec![other],
    };
    items
        .into_iter()
        .map(|item| {
            let Value::Object(mut map) = item else {
                return Err("each fault must be a JSON object".to_string());
            };
            let count = match map.remove("count") {
                None | Some(Value::Null) => 1,
                Some(v) => v
                    .as_u64()
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or("count must be a non-negative integer")?,
            };
            let mut target = |name: &str| match map.remove(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s)),
                Some(_) => Err(format!("{name} must be a string")),
            };
            let method = target("method")?;
            let path = target("path")?;
            check_target(method.as_deref(), path.as_deref())?;
            let keys: Vec<String> = map.keys().cloned().collect();
            let fault: Fault = serde_json::from_value(Value::Object(map))
                .map_err(|e| format!("bad fault: {e}"))?;
            // serde's deny_unknown_fields does not reach unit variants of a tagged enum.
            let allowed = fault.field_names();
            if let Some(extra) = keys
                .iter()
                .find(|k| *k != "kind" && !allowed.contains(&k.as_str()))
            {
                return Err(format!(
                    "bad fault: unknown field `{extra}` for kind `{}`",
                    fault.kind()
                ));
            }
            fault.check()?;
            Ok((fault, count, method, path))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_single_and_array() {
        let one =
            parse_faults(br#"{"kind":"status","status":429,"retry_after":1,"count":3}"#).unwrap();
        assert_eq!(
            one,
            vec![(Fault::status_retry_after(429, "1"), 3, None, None)]
        );
        let many = parse_faults(
            br#"[{"kind":"close"},{"kind":"delay","ms":5},{"kind":"large_body","bytes":10},
                {"kind":"truncated_body"},{"kind":"trickle","interval_ms":1},
                {"kind":"response","status":200,"content_type":"text/html","body":"x"}]"#,
        )
        .unwrap();
        assert_eq!(many.len(), 6);
        assert_eq!(many[0], (Fault::Close, 1, None, None));
        let targeted = parse_faults(
            br#"{"kind":"process_then_close","method":"post","path":"/member/*","count":2}"#,
        )
        .unwrap();
        assert_eq!(
            targeted,
            vec![(
                Fault::ProcessThenClose,
                2,
                Some("post".to_string()),
                Some("/member/*".to_string())
            )]
        );
    }

    #[test]
    fn rejects_bad_faults() {
        for bad in [
            &br#"{"kind":"nope"}"#[..],
            br#"{"kind":"status"}"#,
            br#"{"kind":"status","status":101}"#,
            br#"{"kind":"close","extra":1}"#,
            br#"{"kind":"delay","ms":-1}"#,
            br#"{"kind":"close","count":-1}"#,
            br#"[1]"#,
            br#"{"kind":"close","method":1}"#,
            br#"{"kind":"close","method":"PO ST"}"#,
            br#"{"kind":"close","path":"user"}"#,
            br#"{"kind":"close","path":"/u*ser"}"#,
            br#"{"kind":"close","path":"/user?k=1"}"#,
            br#"{"kind":"process_then_close","ms":1}"#,
            b"nope",
        ] {
            assert!(
                parse_faults(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn queue_consumes_in_order() {
        let mut q = FaultQueue::default();
        q.push(Fault::Close, 2);
        q.push(Fault::status(503), 1);
        q.push(Fault::TruncatedBody, 0);
        assert_eq!(q.pending(), 3);
        assert_eq!(q.take("GET", "/user/x"), Some(Fault::Close));
        assert_eq!(q.take("GET", "/user/x"), Some(Fault::Close));
        assert_eq!(q.take("GET", "/user/x"), Some(Fault::status(503)));
        assert_eq!(q.take("GET", "/user/x"), None);
    }

    #[test]
    fn targeted_faults_wait_for_a_matching_request() {
        let mut q = FaultQueue::default();
        q.push_targeted(
            Fault::ProcessThenClose,
            1,
            Some("post".into()),
            Some("/user".into()),
        );
        q.push_targeted(Fault::Close, 1, None, Some("/member/*".into()));
        q.push(Fault::status(503), 1);
        assert_eq!(q.take("GET", "/user"), Some(Fault::status(503)));
        assert_eq!(q.take("GET", "/user"), None);
        assert_eq!(q.take("POST", "/user/x"), None);
        assert_eq!(q.take("POST", "/member"), None);
        assert_eq!(q.take("DELETE", "/member/m%201"), Some(Fault::Close));
        assert_eq!(q.pending(), 1);
        assert_eq!(q.take("POST", "/user"), Some(Fault::ProcessThenClose));
        assert_eq!(q.pending(), 0);
    }
}

//! The control endpoint under `/_emulator/`: fault injection, stats, request log, reset, and
//! direct access to users and members. It needs no API key: the emulator is a local test tool.

use crate::faults::parse_faults;
use crate::http::{self, RequestHead, Response};
use crate::state::{lock, Shared};
use serde_json::json;

fn json_response(status: u16, value: &serde_json::Value) -> Response {
    Response::json(
        status,
        serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec()),
    )
}

fn control_error(status: u16, message: &str) -> Response {
    json_response(status, &json!({ "error": message }))
}

fn faults_summary(shared: &Shared) -> serde_json::Value {
    let faults = lock(&shared.faults);
    json!({ "faults_pending": faults.pending(), "faults": faults.list() })
}

/// Answers one control request.
pub(crate) fn handle(shared: &Shared, head: &RequestHead, body: &[u8]) -> Response {
    let path = head.path();
    let method = head.method.as_str();
    let stats = || {
        json_response(
            200,
            &serde_json::to_value(shared.stats()).unwrap_or_default(),
        )
    };
    match (method, path) {
        ("GET", "/_emulator/stats") => stats(),
        ("GET", "/_emulator/faults") => json_response(200, &faults_summary(shared)),
        ("POST", "/_emulator/faults") => match parse_faults(body) {
            Ok(faults) => {
                {
                    let mut queue = lock(&shared.faults);
                    for (fault, count, method, path) in faults {
                        queue.push_targeted(fault, count, method, path);
                    }
                }
                json_response(200, &faults_summary(shared))
            }
            Err(message) => control_error(400, &message),
        },
        ("DELETE", "/_emulator/faults") => {
            lock(&shared.faults).clear();
            json_response(200, &faults_summary(shared))
        }
        ("POST", "/_emulator/reset") => {
            shared.reset();
            stats()
        }
        ("POST", "/_emulator/reset_counters") => {
            shared.reset_counters();
            stats()
        }
        ("GET", "/_emulator/log") => {
            let log: Vec<_> = lock(&shared.log).iter().cloned().collect();
            json_response(200, &serde_json::to_value(log).unwrap_or_default())
        }
        ("DELETE", "/_emulator/log") => {
            lock(&shared.log).clear();
            json_response(200, &json!([]))
        }
        ("POST", "/_emulator/users") => {
            let value: serde_json::Value = match serde_json::from_slice(body) {
                Ok(v) => v,
                Err(e) => return control_error(400, &format!("body is not valid JSON: {e}")),
            };
            let seeded = lock(&shared.store).users.seed(value);
            match seeded {
                Ok(guid) => {
                    let user = lock(&shared.store).users.read_value(&guid);
                    json_response(200, &user.unwrap_or_default())
                }
                Err(e) => control_error(400, &e.message),
            }
        }
        ("POST", "/_emulator/members") => {
            let value: serde_json::Value = match serde_json::from_slice(body) {
                Ok(v) => v,
                Err(e) => return control_error(400, &format!("body is not valid JSON: {e}")),
            };
            let mut store = lock(&shared.store);
            match store.seed_member(value) {
                Ok(guid) => {
                    json_response(200, &store.members.read_value(&guid).unwrap_or_default())
                }
                Err(e) => control_error(400, &e.message),
            }
        }
        (_, _) => {
            if method == "GET" {
                if let Some(raw) = path.strip_prefix("/_emulator/users/") {
                    let id = http::percent_decode(raw, false);
                    return match lock(&shared.store).users.read_value(&id) {
                        Some(user) => json_response(200, &user),
                        None => control_error(404, &format!("no user {id}")),
                    };
                }
                if let Some(raw) = path.strip_prefix("/_emulator/members/") {
                    let id = http::percent_decode(raw, false);
                    return match lock(&shared.store).members.read_value(&id) {
                        Some(member) => json_response(200, &member),
                        None => control_error(404, &format!("no member {id}")),
                    };
                }
            }
            control_error(404, &format!("no control endpoint {method} {path}"))
        }
    }
}

//! Unknown outcomes against the emulator's "process the request, then close without
//! answering" fault: a create is resolved by reading it back, never re-sent blindly; a delete
//! whose first attempt did the work ends in `{}`.

mod common;

use common::{client_for, emulator, json, record_events, requests, SECRET_KEY};
use mx_sso::{Call, CallOptions, Operation, Status};
use mx_sso_emulator::Fault;

#[test]
fn a_lost_reply_to_a_create_is_resolved_by_reading_it_back() {
    let emu = emulator();
    let client = client_for(&emu, |_| {});
    let events = record_events(&client);
    emu.push_targeted_fault(Fault::ProcessThenClose, Some("POST"), Some("/user"), 1);
    let body = client
        .create_user(r#"{"external_user_guid": "lost-1", "email": "a@bank.example"}"#)
        .expect("resolved by read-back");
    assert_eq!(json(&body)["external_user_guid"], "lost-1");
    assert_eq!(requests(&emu, "POST", "/user"), 1, "never re-sent blindly");
    assert_eq!(requests(&emu, "GET", "/user/lost-1"), 1);
    assert_eq!(emu.user_count(), 1);
    let seen = events.lock().unwrap().clone();
    let ops: Vec<(&str, &str, u32)> = seen.iter().map(|e| (e.call, e.op, e.attempt)).collect();
    assert_eq!(
        ops,
        [
            ("user.create", "user.create", 1),
            ("user.create", "user.read", 2)
        ]
    );
    assert_eq!(seen[0].outcome, "MX_ERR_TRANSPORT");
    let stats = json(&client.stats_json());
    assert_eq!(
        (stats["read_backs"].as_u64(), stats["attempts"].as_u64()),
        (Some(1), Some(2))
    );
}

#[test]
fn a_create_that_did_not_happen_is_sent_again_after_the_read_back() {
    let emu = emulator();
    let client = client_for(&emu, |_| {});
    // A 503 is an unknown outcome for a create: read back (not found), then sent again.
    emu.push_targeted_fault(Fault::status(503), Some("POST"), Some("/user"), 1);
    let body = client
        .create_user(r#"{"external_user_guid": "again-1"}"#)
        .expect("second create");
    assert_eq!(json(&body)["external_user_guid"], "again-1");
    assert_eq!(requests(&emu, "POST", "/user"), 2);
    assert_eq!(requests(&emu, "GET", "/user/again-1"), 1);
    assert_eq!(emu.user_count(), 1);
}

#[test]
fn a_lost_reply_without_an_external_guid_is_reported_and_not_sent_again() {
    let emu = emulator();
    let client = client_for(&emu, |o| o.strict_fields = false);
    emu.push_targeted_fault(Fault::ProcessThenClose, Some("POST"), Some("/user"), 1);
    let err = client
        .create_user(r#"{"email": "a@bank.example"}"#)
        .unwrap_err();
    assert_eq!(err.status(), Status::Transport, "{err}");
    assert!(
        err.to_string().contains("may or may not have been created"),
        "{err}"
    );
    assert_eq!(requests(&emu, "POST", "/user"), 1);
    assert!(!err.to_json().contains(SECRET_KEY));
}

#[test]
fn a_deadline_that_ends_during_the_read_back_is_a_bounded_timeout() {
    let emu = emulator();
    let client = client_for(&emu, |_| {});
    emu.push_targeted_fault(Fault::ProcessThenClose, Some("POST"), Some("/user"), 1);
    emu.push_targeted_fault(Fault::Delay { ms: 5_000 }, Some("GET"), Some("/user/*"), 1);
    let call = Call {
        options: CallOptions {
            timeout_ms: Some(2_000),
            max_retries: None,
        },
        ..Call::new(None, Some(r#"{"external_user_guid": "slow-back"}"#))
    };
    let started = std::time::Instant::now();
    let err = client.call(Operation::UserCreate, &call).unwrap_err();
    assert_eq!(err.status(), Status::Timeout, "{err}");
    assert!(err.to_string().contains("reading the user back"), "{err}");
    assert_eq!(err.attempts(), Some(2));
    assert!(started.elapsed() < std::time::Duration::from_millis(4_000));
}

#[test]
fn a_delete_whose_first_attempt_did_it_ends_in_an_empty_object() {
    let emu = emulator();
    emu.add_user("del-1").unwrap();
    let client = client_for(&emu, |_| {});
    client.read_user("del-1").unwrap(); // a pooled connection for the delete
    emu.push_targeted_fault(Fault::ProcessThenClose, Some("DELETE"), None, 1);
    assert_eq!(client.delete_user("del-1").unwrap(), "{}");
    assert!(emu.get_user("del-1").is_none());
    assert_eq!(requests(&emu, "DELETE", "/user/del-1"), 2);
}

#[test]
fn ensure_after_a_lost_create_reply_reports_created() {
    let emu = emulator();
    let client = client_for(&emu, |_| {});
    emu.push_targeted_fault(Fault::ProcessThenClose, Some("POST"), Some("/user"), 1);
    let ensured = json(
        &client
            .ensure_user(r#"{"external_user_guid": "ens-lost"}"#)
            .unwrap(),
    );
    assert_eq!(ensured["created"], true);
    assert_eq!(emu.user_count(), 1);
}

//! Every user operation end to end through the Rust API (the C ABI is a shell over it), against
//! an in-process emulator: the lifecycle, ensure and its race, delete after an unknown outcome,
//! events and counters, and the API key kept out of every output.

mod common;

use common::{client_for, emulator, json, record_events, SECRET_KEY};
use mx_sso::{Call, CallOptions, Error, Operation, Status};
use mx_sso_emulator::Fault;

fn assert_no_key(err: &Error) {
    for text in [err.to_string(), format!("{err:?}"), err.to_json()] {
        assert!(!text.contains(SECRET_KEY), "key leaked: {text}");
    }
}

#[test]
fn a_user_lives_created_read_updated_ensured_and_deleted() {
    let emu = emulator();
    let client = client_for(&emu, |_| {});
    let created = json(
        &client
            .create_user(r#"{"external_user_guid": "life-1", "email": "a@bank.example", "zip_code": "12345"}"#)
            .unwrap(),
    );
    let guid = created["guid"].as_str().unwrap().to_string();
    assert!(guid.starts_with("USR-"), "{created}");
    assert!(created["login_token"].is_string() && created["master_widget_url"].is_string());

    let read = json(&client.read_user("life-1").unwrap());
    assert_eq!(read["guid"], guid.as_str());
    let by_guid = json(&client.read_user(&guid).unwrap());
    assert_eq!(by_guid["external_user_guid"], "life-1");

    client
        .update_user_json(
            emu.api_key(),
            emu.client_guid(),
            "life-1",
            r#"{"status": "DISABLED"}"#,
        )
        .unwrap();
    assert_eq!(
        emu.get_user("life-1").unwrap()["status"]["name"],
        "DISABLED"
    );

    let ensured = json(
        &client
            .ensure_user(r#"{"external_user_guid": "life-1"}"#)
            .unwrap(),
    );
    assert_eq!(ensured["created"], false);
    assert_eq!(ensured["user"]["guid"], guid.as_str());
    let fresh = json(
        &client
            .ensure_user(r#"{"external_user_guid": "life-2"}"#)
            .unwrap(),
    );
    assert_eq!(fresh["created"], true);
    assert!(emu.get_user("life-2").is_some());

    let deleted = client.delete_user("life-1").unwrap();
    assert!(deleted == "{}" || json(&deleted).is_object(), "{deleted}");
    let gone = client.read_user("life-1").unwrap_err();
    assert_eq!(
        (gone.status(), gone.http_status()),
        (Status::Http, Some(400))
    );
    assert!(gone.mx_error().unwrap().contains("not found"), "{gone}");
    assert_no_key(&gone);
}

#[test]
fn mx_errors_come_back_with_their_status_and_text() {
    let emu = emulator();
    let client = client_for(&emu, |_| {});
    emu.add_user("dup-1").unwrap();
    let dup = client
        .create_user(r#"{"external_user_guid": "dup-1"}"#)
        .unwrap_err();
    assert_eq!(dup.http_status(), Some(400));
    assert!(dup.mx_error().unwrap().contains("already exists"), "{dup}");
    assert_eq!(dup.attempts(), Some(1));
    let missing = client.delete_user("nobody").unwrap_err();
    assert_eq!(missing.http_status(), Some(400), "{missing}");
    assert_no_key(&missing);
}

#[test]
fn bad_calls_are_refused_before_anything_is_sent() {
    let emu = emulator();
    let client = client_for(&emu, |_| {});
    let bodies = [
        (r#"{"email": "a@b.c"}"#, "external_user_guid"),
        (r#"{"external_user_guid": "USR-1"}"#, "USR-"),
        (
            r#"{"external_user_guid": "e", "status": "ENABLED"}"#,
            "status",
        ),
        (
            r#"{"external_user_guid": "e", "sex": "M"}"#,
            "MALE or FEMALE",
        ),
        ("[]", "JSON object"),
    ];
    let before = emu.stats().requests;
    for (body, needle) in bodies {
        for op in [Operation::UserCreate, Operation::UserEnsure] {
            let err = client.call(op, &Call::new(None, Some(body))).unwrap_err();
            assert_eq!(err.status(), Status::Validation, "{body}: {err}");
            assert!(err.to_string().contains(needle), "{body}: {err}");
            assert_eq!(err.attempts(), Some(0));
        }
    }
    let lenient = client_for(&emu, |o| o.strict_fields = false);
    let err = lenient
        .ensure_user(r#"{"email": "a@b.c"}"#)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("external_user_guid") && err.contains("required"),
        "{err}"
    );
    let shapes = [
        (Operation::UserRead, Call::new(None, None), "takes an id"),
        (
            Operation::UserCreate,
            Call::new(Some("x"), Some("{}")),
            "takes no id",
        ),
        (
            Operation::UserRead,
            Call::new(Some("x"), Some("{}")),
            "takes no body",
        ),
        (
            Operation::UserUpdate,
            Call::new(Some("x"), None),
            "json_body is missing",
        ),
        (
            Operation::UserRead,
            Call::new(Some(".."), None),
            "relative path step",
        ),
    ];
    for (op, call, needle) in shapes {
        let err = client.call(op, &call).unwrap_err().to_string();
        assert!(err.contains(needle), "{op:?}: {err}");
    }
    let unknown = client
        .call_named("user.get", &Call::new(Some("x"), None))
        .unwrap_err();
    assert_eq!(unknown.status(), Status::InvalidArgument);
    assert!(unknown.to_string().contains("user.read"), "{unknown}");
    let no_credentials = client_for(&emu, |o| o.api_key = None);
    let err = no_credentials.read_user("x").unwrap_err().to_string();
    assert!(
        err.contains("api_key") && err.contains("MX_SSO_API_KEY"),
        "{err}"
    );
    assert_eq!(emu.stats().requests, before, "nothing may be sent");
}

#[test]
fn eight_threads_ensuring_one_new_user_create_it_once() {
    let emu = emulator();
    let client = client_for(&emu, |_| {});
    let before = emu.user_count();
    let created: Vec<bool> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                s.spawn(|| {
                    let answer = client
                        .ensure_user(r#"{"external_user_guid": "race-1"}"#)
                        .expect("ensure");
                    json(&answer)["created"].as_bool().unwrap()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(created.iter().filter(|c| **c).count(), 1, "{created:?}");
    assert_eq!(emu.user_count(), before + 1);
    let stats = json(&client.stats_json());
    // Every thread read first; those that lost the create race read again.
    assert_eq!(stats["calls"], 8);
    assert_eq!(stats["by_outcome"]["MX_OK"], 8);
    let races = stats["races"].as_u64().unwrap();
    assert!(races <= 7, "{stats}");
}

#[test]
fn a_503_then_200_gives_two_events_and_the_counters_agree() {
    let emu = emulator();
    emu.add_user("ev-1").unwrap();
    let client = client_for(&emu, |_| {});
    let events = record_events(&client);
    emu.push_fault(Fault::status(503));
    client.read_user("ev-1").unwrap();
    let seen = events.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "{seen:?}");
    let (first, second) = (&seen[0], &seen[1]);
    assert_eq!(
        (first.call, first.op, first.method),
        ("user.read", "user.read", Some("GET"))
    );
    assert_eq!(first.path.as_deref(), Some("/user/ev-1"));
    assert_eq!(
        (first.attempt, first.outcome, first.http_status),
        (1, "MX_ERR_HTTP", Some(503))
    );
    assert!(first.retry_in_ms.is_some() && first.message.is_some());
    assert_eq!(first.retry_after_ms, None, "no Retry-After header was sent");
    assert_eq!(first.connection, Some("new"));
    assert_eq!(
        (second.attempt, second.outcome, second.http_status),
        (2, "MX_OK", Some(200))
    );
    assert_eq!(
        (second.retry_in_ms, second.message.as_deref()),
        (None, None)
    );
    assert!(
        second.ts.ends_with('Z') && second.ts.len() == 27,
        "{}",
        second.ts
    );

    client.read_user("ev-1").unwrap();
    let third = events.lock().unwrap()[2].clone();
    assert_eq!(third.connection, Some("reused"));

    let stats = json(&client.stats_json());
    assert_eq!(stats["calls"], 2);
    assert_eq!(stats["attempts"], 3);
    assert_eq!(stats["retries"], 1);
    assert_eq!(stats["by_outcome"]["MX_OK"], 2);
    assert_eq!(stats["connections_opened"], 1);
    assert_eq!(
        events.lock().unwrap().len() as u64,
        stats["attempts"].as_u64().unwrap()
    );
}

#[test]
fn a_refused_call_gives_one_event_with_attempt_zero() {
    let emu = emulator();
    let client = client_for(&emu, |_| {});
    let events = record_events(&client);
    client
        .update_user_json(
            emu.api_key(),
            emu.client_guid(),
            "u-1",
            r#"{"status": "ACTIVE"}"#,
        )
        .unwrap_err();
    client.call_named("nope", &Call::default()).unwrap_err();
    let seen = events.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!((seen[0].attempt, seen[0].outcome), (0, "MX_ERR_VALIDATION"));
    assert_eq!(seen[0].path.as_deref(), Some("/user/u-1"));
    assert_eq!(seen[0].connection, None);
    assert!(seen[0]
        .message
        .as_deref()
        .unwrap()
        .contains("ENABLED or DISABLED"));
    assert_eq!(
        (seen[1].attempt, seen[1].outcome, seen[1].path.as_deref()),
        (0, "MX_ERR_INVALID_ARGUMENT", None)
    );
    let stats = json(&client.stats_json());
    assert_eq!(
        (stats["calls"].as_u64(), stats["attempts"].as_u64()),
        (Some(2), Some(0))
    );
    assert_eq!(stats["by_outcome"]["MX_ERR_VALIDATION"], 1);
    // Removing the handler stops the events.
    client.set_event_handler(None);
    client.read_user("nobody").unwrap_err();
    assert_eq!(events.lock().unwrap().len(), 2);
}

#[test]
fn a_timeout_is_an_event_and_call_options_bound_the_call() {
    let emu = emulator();
    emu.add_user("slow-1").unwrap();
    let client = client_for(&emu, |_| {});
    let events = record_events(&client);
    emu.push_fault(Fault::Delay { ms: 3_000 });
    let call = Call {
        options: CallOptions {
            timeout_ms: Some(300),
            max_retries: Some(0),
        },
        ..Call::new(Some("slow-1"), None)
    };
    let started = std::time::Instant::now();
    let err = client.call(Operation::UserRead, &call).unwrap_err();
    assert_eq!(err.status(), Status::Timeout, "{err}");
    assert!(started.elapsed() < std::time::Duration::from_millis(2_500));
    let seen = events.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].outcome, "MX_ERR_TIMEOUT");
}

#[test]
fn credentials_of_the_call_win_over_the_clients() {
    let emu = emulator();
    emu.add_user("cred-1").unwrap();
    let client = client_for(&emu, |o| o.api_key = Some("WRONG-KEY".into()));
    let err = client.read_user("cred-1").unwrap_err();
    assert_eq!(err.status(), Status::Transport, "{err}");
    assert!(!err.to_string().contains("WRONG-KEY"), "{err}");
    let call = Call::new(Some("cred-1"), None).credentials(SECRET_KEY, emu.client_guid());
    assert!(client.call(Operation::UserRead, &call).is_ok());
}

#[test]
fn events_carry_the_servers_retry_after_whether_or_not_the_call_waits_for_it() {
    let emu = emulator();
    emu.add_user("ev-ra").unwrap();
    let client = client_for(&emu, |o| o.timeout_ms = 3_000);
    let events = record_events(&client);
    emu.push_fault(Fault::status_retry_after(429, "1"));
    client.read_user("ev-ra").unwrap();
    emu.push_fault(Fault::status_retry_after(503, "30"));
    client.read_user("ev-ra").unwrap_err();
    let seen = events.lock().unwrap().clone();
    let got: Vec<_> = seen
        .iter()
        .map(|e| (e.http_status, e.retry_in_ms, e.retry_after_ms))
        .collect();
    assert_eq!(
        got,
        [
            (Some(429), Some(1_000), Some(1_000)),
            (Some(200), None, None),
            // Longer than the deadline: not waited for, still reported.
            (Some(503), None, Some(30_000)),
        ]
    );
}

//! Faults that target one method and path, and the `process_then_close` fault.

mod common;
use common::*;
use mx_sso_emulator::Outcome;

fn post_user(emu: &Emulator, body: &str) -> Option<Resp> {
    call(
        emu,
        "POST",
        &format!("/user?{}", auth(emu)),
        JSON,
        Some(body),
    )
}

#[test]
fn a_targeted_fault_waits_for_its_method_and_path() {
    let emu = start();
    emu.add_user("ext").unwrap();
    emu.push_targeted_fault(Fault::status(503), Some("POST"), Some("/user"), 1);
    // Other methods and paths pass it by.
    assert_eq!(get_user(&emu, "ext").status, 200);
    assert_eq!(put_user(&emu, "ext", "{}").status, 200);
    assert_eq!(emu.stats().faults_pending, 1);
    let resp = post_user(&emu, r#"{"external_user_guid":"new"}"#).unwrap();
    assert_eq!(resp.status, 503);
    assert_eq!(emu.user_count(), 1);
    assert_eq!(emu.stats().faults_pending, 0);
    assert_eq!(
        post_user(&emu, r#"{"external_user_guid":"new"}"#)
            .unwrap()
            .status,
        200
    );
}

#[test]
fn a_prefix_target_and_a_method_only_target() {
    let emu = start();
    emu.add_user("a").unwrap();
    emu.add_user("b").unwrap();
    emu.push_targeted_fault(Fault::status(429), None, Some("/user/*"), 2);
    emu.push_targeted_fault(Fault::status(502), Some("delete"), None, 1);
    assert_eq!(
        post_user(&emu, r#"{"external_user_guid":"c"}"#)
            .unwrap()
            .status,
        200
    );
    assert_eq!(get_user(&emu, "a").status, 429);
    assert_eq!(put_user(&emu, "b", "{}").status, 429);
    // The prefix fault is used up; the DELETE one still waits.
    assert_eq!(get_user(&emu, "a").status, 200);
    let resp = call(
        &emu,
        "DELETE",
        &format!("/user/a?{}", auth(&emu)),
        None,
        None,
    )
    .unwrap();
    assert_eq!(resp.status, 502);
    assert!(emu.get_user("a").is_some());
}

#[test]
fn untargeted_faults_still_apply_to_the_next_request_in_order() {
    let emu = start();
    emu.add_user("ext").unwrap();
    emu.push_targeted_fault(Fault::Close, Some("POST"), None, 1);
    emu.push_fault(Fault::status(503));
    emu.push_fault(Fault::status(429));
    assert_eq!(get_user(&emu, "ext").status, 503);
    assert_eq!(get_user(&emu, "ext").status, 429);
    assert_eq!(get_user(&emu, "ext").status, 200);
    assert_eq!(emu.pending_faults().len(), 1);
    assert_eq!(emu.pending_faults()[0].method.as_deref(), Some("POST"));
}

#[test]
#[should_panic(expected = "push_targeted_fault")]
fn a_bad_target_is_a_test_mistake() {
    start().push_targeted_fault(Fault::Close, None, Some("user"), 1);
}

#[test]
fn the_control_endpoint_takes_method_and_path() {
    let emu = start();
    emu.add_user("ext").unwrap();
    let resp = call(
        &emu,
        "POST",
        "/_emulator/faults",
        None,
        Some(r#"[{"kind":"status","status":503,"method":"PUT","path":"/user/ext","count":2}]"#),
    )
    .unwrap();
    assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
    let listed = resp.json();
    assert_eq!(listed["faults"][0]["method"], "PUT");
    assert_eq!(listed["faults"][0]["path"], "/user/ext");
    assert_eq!(listed["faults"][0]["count"], 2);
    assert_eq!(get_user(&emu, "ext").status, 200);
    assert_eq!(put_user(&emu, "ext", "{}").status, 503);
    for bad in [
        r#"{"kind":"close","path":"user"}"#,
        r#"{"kind":"close","path":"/us*er"}"#,
        r#"{"kind":"close","method":7}"#,
    ] {
        let resp = call(&emu, "POST", "/_emulator/faults", None, Some(bad)).unwrap();
        assert_eq!(resp.status, 400, "{bad}");
    }
}

#[test]
fn process_then_close_creates_the_user_and_answers_nothing() {
    let emu = start();
    emu.push_targeted_fault(Fault::ProcessThenClose, Some("POST"), Some("/user"), 1);
    let mut conn = Conn::open(emu.addr());
    conn.send_raw(&build_request(
        "POST",
        &format!("/user?{}", auth(&emu)),
        JSON,
        Some(r#"{"external_user_guid":"unknown-outcome"}"#),
        &[],
    ));
    assert!(conn.closed_without_bytes());
    // The create happened: a read-back finds the user, a second create is refused.
    assert_eq!(get_user(&emu, "unknown-outcome").status, 200);
    let again = post_user(&emu, r#"{"external_user_guid":"unknown-outcome"}"#).unwrap();
    assert_eq!(again.status, 400);
    assert_eq!(
        again.error_text(),
        "User already exists with guid unknown-outcome"
    );
    let log = emu.request_log();
    assert_eq!(log[0].outcome, Outcome::ProcessedNoAnswer);
    assert_eq!(log[0].fault, Some("process_then_close"));
    assert_eq!(log[0].status, None);
    assert_eq!(
        (log[0].method.as_str(), log[0].path.as_str()),
        ("POST", "/user")
    );
}

#[test]
fn process_then_close_applies_an_update_and_a_delete() {
    let emu = start();
    emu.add_user("ext").unwrap();
    emu.add_user("gone").unwrap();
    let resp = call(
        &emu,
        "POST",
        "/_emulator/faults",
        None,
        Some(r#"{"kind":"process_then_close","count":2}"#),
    )
    .unwrap();
    assert_eq!(resp.status, 200);
    let mut conn = Conn::open(emu.addr());
    conn.send_raw(&build_request(
        "PUT",
        &format!("/user/ext?{}", auth(&emu)),
        JSON,
        Some(r#"{"status":"DISABLED"}"#),
        &[],
    ));
    assert!(conn.closed_without_bytes());
    assert_eq!(emu.get_user("ext").unwrap()["status"]["name"], "DISABLED");
    let mut conn = Conn::open(emu.addr());
    conn.send_raw(&build_request(
        "DELETE",
        &format!("/user/gone?{}", auth(&emu)),
        None,
        None,
        &[],
    ));
    assert!(conn.closed_without_bytes());
    assert!(emu.get_user("gone").is_none());
}

#[test]
fn process_then_close_with_a_bad_key_processes_nothing() {
    let emu = start();
    emu.push_fault(Fault::ProcessThenClose);
    let resp = call(
        &emu,
        "POST",
        &format!("/user?k=wrong&c={}", emu.client_guid()),
        JSON,
        Some(r#"{"external_user_guid":"x"}"#),
    );
    assert!(resp.is_none());
    assert_eq!(emu.user_count(), 0);
    assert_eq!(emu.request_log()[0].outcome, Outcome::NoAnswerBadKey);
}

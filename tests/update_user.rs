//! Update user end to end through the Rust API, against an in-process emulator: success, MX's
//! errors, retries, timeouts, limits, TLS, and the API key kept out of every error.
//!
//! Time bounds here check that a deadline is honoured (a correctness property), with generous
//! margins for a loaded machine; they are not performance assertions.

use std::time::{Duration, Instant};

use mx_sso::{Client, Error, Options, Status, UserStatus, UserUpdate};
use mx_sso_emulator::{Config, Emulator, Fault};

/// A recognisable key: the emulator accepts it, and no error text may ever contain it.
const SECRET_KEY: &str = "MXSSO-SECRET-KEY-0123456789";
const DISABLE: &str = r#"{"status": "DISABLED"}"#;

fn emulator() -> Emulator {
    Emulator::start(Config {
        api_key: SECRET_KEY.into(),
        ..Config::default()
    })
    .expect("emulator starts")
}

fn client_for(emu: &Emulator, tweak: impl FnOnce(&mut Options)) -> Client {
    let mut options = Options {
        base_url: emu.base_url().to_string(),
        timeout_ms: 10_000,
        ..Options::default()
    };
    tweak(&mut options);
    Client::new(options).expect("client")
}

fn update(emu: &Emulator, client: &Client, user: &str, body: &str) -> Result<String, Error> {
    client.update_user_json(emu.api_key(), emu.client_guid(), user, body)
}

/// A call to a server that is not the emulator (a closed port, an unresolvable name, a raw
/// socket); it must fail.
fn failing_update(base_url: &str, tweak: impl FnOnce(&mut Options)) -> Error {
    let mut options = Options {
        base_url: base_url.into(),
        ..Options::default()
    };
    tweak(&mut options);
    Client::new(options)
        .expect("client")
        .update_user_json(SECRET_KEY, "CLT-1", "ext-1", DISABLE)
        .expect_err("the call must fail")
}

/// Asserts the key is in no rendering of an error.
fn assert_no_key(err: &Error) {
    for text in [err.to_string(), format!("{err:?}"), err.to_json()] {
        assert!(!text.contains(SECRET_KEY), "key leaked: {text}");
    }
}

#[test]
fn success_returns_mx_json_as_received_and_updates_the_user() {
    let emu = emulator();
    let guid = emu.add_user("ext-1").unwrap();
    let client = client_for(&emu, |_| {});
    let body = update(&emu, &client, "ext-1", DISABLE).expect("update succeeds");
    let user: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(user["guid"], guid.as_str());
    assert_eq!(user["status"]["name"], "User update succeeded");
    assert_eq!(emu.get_user("ext-1").unwrap()["status"]["name"], "DISABLED");

    // By MX guid too, and through the typed API.
    let typed = client
        .update_user(
            emu.api_key(),
            emu.client_guid(),
            &guid,
            &UserUpdate::status(UserStatus::Enabled),
        )
        .expect("typed update");
    assert!(typed.contains(&guid));
    assert_eq!(emu.get_user(&guid).unwrap()["status"]["name"], "ENABLED");
    assert_eq!(emu.stats().requests, 2);
    assert_eq!(emu.stats().connections, 1, "the connection is reused");
}

#[test]
fn reserved_characters_arrive_as_one_path_segment() {
    let emu = emulator();
    let odd = "a/b c?d#e";
    emu.add_user(odd).unwrap();
    let client = client_for(&emu, |_| {});
    let body = update(&emu, &client, odd, DISABLE).expect("update succeeds");
    assert!(
        body.contains("\"external_user_guid\":\"a/b c?d#e\""),
        "{body}"
    );
    let log = emu.request_log();
    assert_eq!(log[0].path, "/user/a%2Fb%20c%3Fd%23e");
    assert!(log[0].query.starts_with("k=***&c="), "{}", log[0].query);
    // `..` and `./` inside a guid stay in the segment too.
    emu.add_user("../x").unwrap();
    update(&emu, &client, "../x", DISABLE).expect("dot-dot inside a guid");
    assert_eq!(emu.request_log()[1].path, "/user/..%2Fx");
}

#[test]
fn validation_errors_send_nothing() {
    let emu = emulator();
    emu.add_user("ext-1").unwrap();
    let client = client_for(&emu, |_| {});
    for body in [
        r#"{"status": "ACTIVE"}"#,
        r#"{"stauts": "DISABLED"}"#,
        "{}",
        "[]",
        r#"{"credit_score": 18446744073709551616}"#,
    ] {
        let err = update(&emu, &client, "ext-1", body).unwrap_err();
        assert_eq!(err.status(), Status::Validation, "{body}: {err}");
        assert_eq!(err.attempts(), Some(0));
        assert_no_key(&err);
    }
    let err = client
        .update_user_json("", emu.client_guid(), "ext-1", DISABLE)
        .unwrap_err();
    assert_eq!(err.to_string(), "api_key is empty");
    assert_eq!(emu.stats().requests, 0, "nothing may be sent");
}

#[test]
fn unknown_user_is_http_400_with_mx_text_and_not_retried() {
    let emu = emulator();
    let client = client_for(&emu, |_| {});
    let err = update(&emu, &client, "nobody", DISABLE).unwrap_err();
    assert_eq!(err.status(), Status::Http);
    assert_eq!(err.http_status(), Some(400));
    assert_eq!(err.mx_error(), Some("User with guid nobody not found."));
    assert!(err.to_string().contains("User with guid nobody not found."));
    assert_eq!(err.attempts(), Some(1));
    assert_eq!(emu.stats().requests, 1);
    assert_no_key(&err);
}

#[test]
fn wrong_client_is_http_500_and_not_retried() {
    let emu = emulator();
    emu.add_user("ext-1").unwrap();
    let client = client_for(&emu, |_| {});
    let err = client
        .update_user_json(SECRET_KEY, "CLT-not-mine", "ext-1", DISABLE)
        .unwrap_err();
    assert_eq!(err.http_status(), Some(500));
    assert!(err.to_string().contains("check client_guid"), "{err}");
    assert_eq!(emu.stats().requests, 1);
}

#[test]
fn injected_500_is_not_retried() {
    let emu = emulator();
    emu.add_user("ext-1").unwrap();
    emu.push_fault_times(Fault::status(500), 3);
    let client = client_for(&emu, |_| {});
    let err = update(&emu, &client, "ext-1", DISABLE).unwrap_err();
    assert_eq!(err.http_status(), Some(500));
    assert_eq!(emu.stats().requests, 1);
}

#[test]
fn a_503_then_200_is_retried() {
    let emu = emulator();
    emu.add_user("ext-1").unwrap();
    emu.push_fault(Fault::status(503));
    let client = client_for(&emu, |_| {});
    update(&emu, &client, "ext-1", DISABLE).expect("retried after 503");
    assert_eq!(emu.stats().requests, 2);
}

#[test]
fn retries_stop_at_max_retries_with_the_last_answer() {
    let emu = emulator();
    emu.add_user("ext-1").unwrap();
    emu.push_fault_times(Fault::status(502), 10);
    let client = client_for(&emu, |o| o.max_retries = 2);
    let err = update(&emu, &client, "ext-1", DISABLE).unwrap_err();
    assert_eq!(err.http_status(), Some(502));
    assert_eq!(err.attempts(), Some(3));
    assert!(err.to_string().contains("MX API is down"), "{err}");
    assert_eq!(emu.stats().requests, 3);
}

#[test]
fn a_429_with_retry_after_is_waited_for() {
    let emu = emulator();
    emu.add_user("ext-1").unwrap();
    emu.push_fault(Fault::status_retry_after(429, "1"));
    let client = client_for(&emu, |_| {});
    let started = Instant::now();
    update(&emu, &client, "ext-1", DISABLE).expect("succeeds after waiting");
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(emu.stats().requests, 2);
}

#[test]
fn a_retry_after_beyond_the_deadline_ends_the_call_at_once() {
    let emu = emulator();
    emu.add_user("ext-1").unwrap();
    emu.push_fault(Fault::status_retry_after(503, "30"));
    let client = client_for(&emu, |o| o.timeout_ms = 2_000);
    let started = Instant::now();
    let err = update(&emu, &client, "ext-1", DISABLE).unwrap_err();
    assert!(
        started.elapsed() < Duration::from_millis(1_500),
        "it must not sleep"
    );
    assert_eq!(err.http_status(), Some(503));
    assert!(err.to_string().contains("gave up without waiting"), "{err}");
    assert_eq!(emu.stats().requests, 1);
}

#[test]
fn a_non_json_success_is_a_response_error() {
    let emu = emulator();
    emu.add_user("ext-1").unwrap();
    let client = client_for(&emu, |_| {});
    emu.push_fault(Fault::Response {
        status: 200,
        content_type: Some("application/json".into()),
        body: "<html>login</html>".into(),
    });
    let err = update(&emu, &client, "ext-1", DISABLE).unwrap_err();
    assert_eq!(err.status(), Status::Response);
    assert!(err.to_string().contains("not JSON"), "{err}");
    emu.push_fault(Fault::Response {
        status: 200,
        content_type: Some("text/html".into()),
        body: "{}".into(),
    });
    let err = update(&emu, &client, "ext-1", DISABLE).unwrap_err();
    assert_eq!(err.status(), Status::Response);
    assert!(err.to_string().contains("text/html"), "{err}");
}

fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

#[test]
fn a_64_mib_body_is_refused_without_reading_it() {
    let emu = emulator();
    emu.add_user("ext-1").unwrap();
    emu.push_fault(Fault::LargeBody { bytes: 64 << 20 });
    let client = client_for(&emu, |_| {});
    let before = resident_bytes();
    let err = update(&emu, &client, "ext-1", DISABLE).unwrap_err();
    let grown = resident_bytes().saturating_sub(before);
    assert_eq!(err.status(), Status::Response);
    assert!(err.to_string().contains("max_response_bytes"), "{err}");
    assert!(grown < 16 << 20, "resident memory grew by {grown} bytes");
}

#[test]
fn a_server_slower_than_timeout_ms_times_out_near_the_deadline() {
    let emu = emulator();
    emu.add_user("ext-1").unwrap();
    emu.push_fault(Fault::Delay { ms: 3_000 });
    let client = client_for(&emu, |o| o.timeout_ms = 300);
    let started = Instant::now();
    let err = update(&emu, &client, "ext-1", DISABLE).unwrap_err();
    let took = started.elapsed();
    assert_eq!(err.status(), Status::Timeout, "{err}");
    assert!(took < Duration::from_millis(1_500), "took {took:?}");
    assert!(took >= Duration::from_millis(290), "took {took:?}");
    assert_no_key(&err);
}

#[test]
fn a_trickling_answer_times_out_near_the_deadline() {
    let emu = emulator();
    emu.add_user("ext-1").unwrap();
    emu.push_fault(Fault::Trickle { interval_ms: 200 });
    let client = client_for(&emu, |o| o.timeout_ms = 500);
    let started = Instant::now();
    let err = update(&emu, &client, "ext-1", DISABLE).unwrap_err();
    assert_eq!(err.status(), Status::Timeout, "{err}");
    assert!(started.elapsed() < Duration::from_millis(2_000));
}

#[test]
fn a_closed_port_is_a_transport_error() {
    let err = failing_update("http://127.0.0.1:1", |o| o.max_retries = 0);
    assert_eq!(err.status(), Status::Transport, "{err}");
    assert!(err.to_string().contains("could not connect"), "{err}");
    assert_eq!(err.http_status(), None);
    assert_no_key(&err);
}

#[test]
fn connect_failures_are_retried_within_max_retries() {
    let err = failing_update("http://127.0.0.1:1", |o| o.max_retries = 2);
    assert_eq!(err.status(), Status::Transport);
    assert_eq!(err.attempts(), Some(3));
}

#[test]
fn a_wrong_key_gets_no_answer_and_the_message_says_why() {
    let emu = emulator();
    emu.add_user("ext-1").unwrap();
    let client = client_for(&emu, |_| {});
    let wrong = "MXSSO-WRONG-KEY-987654";
    let err = client
        .update_user_json(wrong, emu.client_guid(), "ext-1", DISABLE)
        .unwrap_err();
    assert_eq!(err.status(), Status::Transport, "{err}");
    let text = err.to_string();
    assert!(
        text.contains("API key is wrong") && text.contains("allow-list"),
        "{text}"
    );
    for rendering in [text, format!("{err:?}"), err.to_json()] {
        assert!(!rendering.contains(wrong), "key leaked: {rendering}");
    }
    assert_eq!(emu.stats().requests, 1, "a fresh connection is not retried");
}

#[test]
fn a_short_key_is_masked_in_server_text_but_not_in_our_own_words() {
    // Found through the Go tests: masking every occurrence of a key such as "wrong" used to
    // garble the library's own hint ("when the API key is *** or ...").
    let emu = emulator();
    emu.add_user("ext-1").unwrap();
    let client = client_for(&emu, |_| {});
    let err = client
        .update_user_json("wrong", emu.client_guid(), "ext-1", DISABLE)
        .unwrap_err();
    assert!(
        err.to_string().contains("when the API key is wrong"),
        "{err}"
    );
}

#[test]
fn a_pooled_connection_closed_by_the_server_is_retried_once_on_a_new_one() {
    // A new connection even with other idle ones in the pool. Found in review: the retry took
    // the next idle pooled connection, which may be just as stale.
    let emu = emulator();
    emu.add_user("ext-1").unwrap();
    let client = client_for(&emu, |o| o.max_retries = 0);
    // Two overlapping calls leave two idle connections in the pool (the delay is long so that
    // they overlap even on a loaded machine).
    emu.push_fault_times(Fault::Delay { ms: 1500 }, 2);
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| update(&emu, &client, "ext-1", DISABLE).expect("overlapping call"));
        }
    });
    assert_eq!(emu.stats().connections, 2);
    emu.push_fault(Fault::Close);
    update(&emu, &client, "ext-1", DISABLE).expect("retried on a new connection");
    assert_eq!(
        emu.stats().requests,
        4,
        "2 overlapping, 1 closed, 1 retried"
    );
    assert_eq!(
        emu.stats().connections,
        3,
        "the retry must not reuse an idle connection"
    );
}

#[test]
fn odd_retry_after_values_neither_panic_nor_wait_forever() {
    let emu = emulator();
    emu.add_user("ext-1").unwrap();
    let client = client_for(&emu, |o| o.max_retries = 1);
    // Found in review: a date with a huge year overflowed the date arithmetic and panicked. It
    // is not a valid date, so the usual backoff applies and the retry succeeds.
    emu.push_fault(Fault::Status {
        status: 429,
        retry_after: Some("Sun, 06 Nov 99999999999 08:49:37 GMT".into()),
    });
    update(&emu, &client, "ext-1", DISABLE).expect("retried after the backoff");
    assert_eq!(emu.stats().requests, 2);

    // Seconds beyond 64 bits: longer than any deadline, so the call ends at once.
    emu.reset_counters();
    emu.push_fault(Fault::Status {
        status: 429,
        retry_after: Some("99999999999999999999999".into()),
    });
    let started = Instant::now();
    let err = update(&emu, &client, "ext-1", DISABLE).unwrap_err();
    assert_eq!(err.status(), Status::Http, "{err}");
    assert!(err.to_string().contains("gave up without waiting"), "{err}");
    assert!(err.to_string().contains("after more than a year"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(emu.stats().requests, 1);
}

#[test]
fn a_huge_content_length_reserves_no_memory_up_front() {
    // Found in review: the body buffer was sized from Content-Length, so a lying header with a
    // large max_response_bytes aborted the process. A raw server sends such a header.
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut request = [0u8; 4096];
        let _ = stream.read(&mut request);
        let _ = stream.write_all(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
              Content-Length: 1000000000000000\r\n\r\n{}",
        );
    });
    let err = failing_update(&format!("http://{addr}"), |o| {
        o.timeout_ms = 5_000;
        o.max_retries = 0;
        o.max_response_bytes = u64::MAX;
    });
    assert_eq!(err.status(), Status::Transport, "{err}");
    assert_no_key(&err);
    server.join().unwrap();
}

#[test]
fn an_unresolvable_host_is_a_retried_connect_failure() {
    // `.invalid` never resolves (RFC 6761); the resolvers of this machine and CI answer that
    // at once, offline. (A resolver that hangs instead would make this a connect timeout.)
    let err = failing_update("https://mx-sso-test.invalid", |o| {
        o.timeout_ms = 10_000;
        o.max_retries = 1;
    });
    assert_eq!(err.status(), Status::Transport, "{err}");
    assert_eq!(err.attempts(), Some(2), "{err}");
    assert!(err.to_string().contains("could not connect"), "{err}");
    assert_no_key(&err);
}

#[test]
fn a_truncated_answer_is_a_transport_error() {
    let emu = emulator();
    emu.add_user("ext-1").unwrap();
    emu.push_fault(Fault::TruncatedBody);
    let client = client_for(&emu, |_| {});
    let err = update(&emu, &client, "ext-1", DISABLE).unwrap_err();
    assert_eq!(err.status(), Status::Transport, "{err}");
    assert_no_key(&err);
}

#[test]
fn tls_with_the_emulator_ca_and_one_handshake_for_many_calls() {
    let dir = std::env::temp_dir().join(format!("mx-sso-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca = dir.join("ca.pem");
    let emu = Emulator::start(Config {
        api_key: SECRET_KEY.into(),
        ca_out: Some(ca.clone()),
        ..Config::tls()
    })
    .expect("TLS emulator");
    assert!(emu.base_url().starts_with("https://"));
    emu.add_user("ext-1").unwrap();
    let client = client_for(&emu, |o| o.ca_file = Some(ca.display().to_string()));
    for _ in 0..3 {
        update(&emu, &client, "ext-1", DISABLE).expect("TLS update");
    }
    assert_eq!(emu.stats().tls_handshakes, 1, "one handshake, then reuse");

    // Without the CA the certificate is not trusted: a transport error, never success.
    let untrusting = client_for(&emu, |_| {});
    let err = update(&emu, &untrusting, "ext-1", DISABLE).unwrap_err();
    assert_eq!(err.status(), Status::Transport, "{err}");
    // A refused certificate is not retried (it cannot change), and the message says what to do.
    assert_eq!(err.attempts(), Some(1), "{err}");
    assert!(err.to_string().contains("set ca_file"), "{err}");
    assert_no_key(&err);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_one_shot_default_client_reads_mx_sso_base_url() {
    let emu = emulator();
    emu.add_user("ext-1").unwrap();
    // The only test in this binary that touches the default client or the variable.
    std::env::set_var(mx_sso::BASE_URL_ENV, emu.base_url());
    let client = mx_sso::default_client().expect("default client");
    assert_eq!(client.options().base_url, emu.base_url());
    update(&emu, client, "ext-1", DISABLE).expect("one-shot update");
}

#[test]
fn every_failure_path_keeps_the_key_out() {
    let emu = emulator();
    emu.add_user("ext-1").unwrap();
    let faults = [
        Fault::status(400),
        Fault::status(404),
        Fault::status(500),
        Fault::status(502),
        Fault::status_retry_after(429, "60"),
        Fault::Close,
        Fault::Delay { ms: 5_000 },
        Fault::TruncatedBody,
        Fault::Response {
            status: 200,
            content_type: None,
            body: format!("echo k={SECRET_KEY}"),
        },
        Fault::Response {
            status: 418,
            content_type: Some("application/json".into()),
            body: format!("{{\"error\": \"bad key {SECRET_KEY}\"}}"),
        },
    ];
    for fault in faults {
        // A fresh client each time, so that `Close` meets a fresh connection (on a pooled one
        // it would be retried).
        let client = client_for(&emu, |o| {
            o.timeout_ms = 2_000;
            o.max_retries = 0;
        });
        emu.push_fault(fault.clone());
        let err = update(&emu, &client, "ext-1", DISABLE).unwrap_err();
        assert_no_key(&err);
        emu.clear_faults();
    }
}

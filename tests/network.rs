//! What sits between a bank and MX: error pages that are not MX's (a TLS-inspecting proxy's, a
//! load balancer's) are quoted and not blamed on MX, and a refused certificate is told to the
//! server with a TLS alert, as curl does. (Real proxies: `tests/proxy.rs`.)

mod common;

use common::{client_for, emulator, record_events, SECRET_KEY};
use mx_sso::{Error, Options, Status};
use mx_sso_emulator::{Config, Emulator, Fault};

fn user_on(emu: &Emulator) -> String {
    emu.add_user("bank-user-net").expect("seeded")
}

#[test]
fn a_502_page_from_a_proxy_is_quoted_and_not_blamed_on_mx() {
    let emu = emulator();
    let id = user_on(&emu);
    let client = client_for(&emu, |o| o.max_retries = 2);
    let events = record_events(&client);
    emu.push_fault_times(
        Fault::Response {
            status: 502,
            content_type: Some("text/html".into()),
            body: "<html><body><h1>Certificate verify failed:</h1> unable to get local issuer \
                   certificate</body></html>"
                .into(),
        },
        3,
    );
    let err = client.read_user(&id).unwrap_err();
    let text = err.to_string();
    assert_eq!(err.status(), Status::Http);
    assert_eq!(err.http_status(), Some(502));
    assert_eq!(err.attempts(), Some(3), "{text}");
    assert!(
        text.contains("Certificate verify failed: unable to get local issuer certificate")
            && text.contains("not MX's error object")
            && text.contains("Content-Type text/html")
            && text.contains("proxy"),
        "{text}"
    );
    assert!(!text.contains("MX API is down"), "{text}");
    assert_eq!(err.mx_error(), None);
    assert_eq!(events.lock().unwrap().len(), 3);
}

#[test]
fn mx_own_answers_keep_their_wording() {
    let emu = emulator();
    let id = user_on(&emu);
    let client = client_for(&emu, |o| o.max_retries = 0);
    emu.push_fault(Fault::status(502));
    let text = client.read_user(&id).unwrap_err().to_string();
    assert!(
        text.contains("with no body: the MX API is down; contact MX"),
        "{text}"
    );
    // A 404 with a body is not MX's "wrong path" answer (MX's has none).
    emu.push_fault(Fault::Response {
        status: 404,
        content_type: Some("application/json".into()),
        body: r#"{"message": "no route matched with those values"}"#.into(),
    });
    let text = client.read_user(&id).unwrap_err().to_string();
    assert!(
        text.contains("no route matched") && text.contains("not MX's error object"),
        "{text}"
    );
    assert!(!text.contains("check base_url"), "{text}");
    let text = client.read_user("no-such-user").unwrap_err().to_string();
    assert!(
        text.starts_with("MX answered HTTP 400: User with guid"),
        "{text}"
    );
}

#[test]
fn an_html_success_answer_is_not_blamed_on_mx_either() {
    let emu = emulator();
    let id = user_on(&emu);
    let client = client_for(&emu, |_| {});
    emu.push_fault(Fault::Response {
        status: 200,
        content_type: Some("text/html".into()),
        body: "<html><title>Sign in to the network</title></html>".into(),
    });
    let err = client.read_user(&id).unwrap_err();
    let text = err.to_string();
    assert_eq!(err.status(), Status::Response);
    assert!(
        text.contains("Sign in to the network") && text.contains("proxy or gateway"),
        "{text}"
    );
}

#[test]
fn an_untrusted_certificate_is_refused_with_an_alert() {
    let emu = Emulator::start(Config {
        api_key: SECRET_KEY.into(),
        ..Config::tls()
    })
    .expect("emulator starts");
    let client = mx_sso::Client::new(Options {
        base_url: emu.base_url().to_string(),
        api_key: Some(SECRET_KEY.into()),
        client_guid: Some(emu.client_guid().into()),
        // No ca_file: the emulator's CA is unknown.
        ..Options::default()
    })
    .expect("client");
    let err = client.read_user("anyone").unwrap_err();
    assert!(
        matches!(err, Error::Transport { attempts: 1, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("ca_file"), "{err}");
    // The server learns why, as from curl ("unknown ca"), not just that the peer went away.
    // Its connection thread notes it in its own time.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while emu.tls_failures().is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let failures = emu.tls_failures();
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(
        failures[0].to_ascii_lowercase().contains("alert")
            && failures[0].to_ascii_lowercase().contains("unknownca"),
        "{failures:?}"
    );
}

#[test]
fn who_answered_reads_the_server_header() {
    // A proxy that answers for MX often names itself; the message then says who it was.
    let emu = emulator();
    let id = user_on(&emu);
    let client = client_for(&emu, |o| {
        o.max_retries = 0;
        o.strict_fields = true;
    });
    emu.push_fault(Fault::Response {
        status: 403,
        content_type: None,
        body: "Access denied by policy".into(),
    });
    let text = client.read_user(&id).unwrap_err().to_string();
    assert!(
        text.contains("(no Content-Type): \"Access denied by policy\""),
        "{text}"
    );
}

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
        text.starts_with("the server answered HTTP 200")
            && text.contains("Sign in to the network")
            && text.contains("proxy or gateway"),
        "{text}"
    );
}

#[test]
fn a_failed_direct_connect_names_the_server_and_says_no_proxy_was_used() {
    let client = mx_sso::Client::new(Options {
        base_url: "http://127.0.0.1:1/prefix".into(),
        api_key: Some(SECRET_KEY.into()),
        client_guid: Some("CLT-1".into()),
        proxy: Some(String::new()),
        max_retries: 0,
        ..Options::default()
    })
    .unwrap();
    let err = client.read_user("u-1").unwrap_err();
    let text = err.to_string();
    assert_eq!(err.status(), Status::Transport);
    assert!(
        text.starts_with("could not connect to http://127.0.0.1:1 (directly, no proxy)"),
        "{text}"
    );
    assert!(!text.contains(SECRET_KEY));
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

/// A fake proxy on a free port for one behaviour; it counts the connections it accepted.
struct FakeProxy {
    port: u16,
    accepted: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl FakeProxy {
    /// `answer`: what it writes after reading a CONNECT head (None: nothing, it stays silent
    /// for `hold`), then it closes the connection.
    fn start(answer: Option<&'static str>, hold: std::time::Duration) -> FakeProxy {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let count = accepted.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                std::thread::spawn(move || {
                    let mut head = Vec::new();
                    let mut byte = [0u8; 1];
                    while !head.ends_with(b"\r\n\r\n") {
                        match stream.read(&mut byte) {
                            Ok(1) => head.push(byte[0]),
                            _ => return,
                        }
                    }
                    match answer {
                        Some(text) => {
                            let _ = stream.write_all(text.as_bytes());
                        }
                        None => std::thread::sleep(hold),
                    }
                });
            }
        });
        FakeProxy { port, accepted }
    }

    fn accepted(&self) -> usize {
        self.accepted.load(std::sync::atomic::Ordering::SeqCst)
    }
}

fn client_via(proxy: &str, timeout_ms: u64) -> Result<mx_sso::Client, Error> {
    mx_sso::Client::new(Options {
        // The target is never reached: every proxy here fails first.
        base_url: "https://api2.moneydesktop.com".into(),
        api_key: Some(SECRET_KEY.into()),
        client_guid: Some("CLT-1".into()),
        proxy: Some(proxy.into()),
        timeout_ms,
        connect_timeout_ms: timeout_ms.min(1_000),
        max_retries: 2,
        ..Options::default()
    })
}

#[test]
fn a_tunnel_closed_before_the_tls_handshake_names_the_proxy_and_is_retried() {
    let proxy = FakeProxy::start(
        Some("HTTP/1.1 200 Connection established\r\n\r\n"),
        std::time::Duration::ZERO,
    );
    let client = client_via(&format!("http://127.0.0.1:{}", proxy.port), 10_000).unwrap();
    let err = client.read_user("anyone").unwrap_err();
    let text = err.to_string();
    assert_eq!(err.status(), Status::Transport, "{text}");
    assert!(
        text.contains(&format!(
            "the tunnel through the proxy 127.0.0.1:{}",
            proxy.port
        )) && text.contains("closed before api2.moneydesktop.com:443 answered"),
        "{text}"
    );
    assert_eq!(
        err.attempts(),
        Some(3),
        "nothing reached MX: retried: {text}"
    );
    assert_eq!(proxy.accepted(), 3);
}

#[test]
fn a_silent_proxy_is_a_timeout_and_a_closing_one_after_credentials_is_final() {
    let silent = FakeProxy::start(None, std::time::Duration::from_secs(5));
    let client = client_via(&format!("http://127.0.0.1:{}", silent.port), 600).unwrap();
    let started = std::time::Instant::now();
    let err = client.read_user("anyone").unwrap_err();
    assert_eq!(err.status(), Status::Timeout, "{err}");
    assert!(
        err.to_string().contains("did not answer CONNECT in time"),
        "{err}"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(3),
        "bounded by timeout_ms"
    );

    let closing = FakeProxy::start(Some(""), std::time::Duration::ZERO);
    let with_password = format!("http://bank:PROXY-PASS-9@127.0.0.1:{}", closing.port);
    let client = client_via(&with_password, 10_000).unwrap();
    let err = client.read_user("anyone").unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("without answering CONNECT") && text.contains("not retried"),
        "{text}"
    );
    assert_eq!(closing.accepted(), 1, "credentials sent once: {text}");
    assert!(
        !text.contains("PROXY-PASS-9") && !text.contains(SECRET_KEY),
        "{text}"
    );
}

#[test]
fn an_https_proxy_whose_certificate_is_untrusted_is_refused_once() {
    // The TLS emulator stands in for a proxy reached over TLS: its CA is not trusted here.
    let fake_proxy = Emulator::start(Config::tls()).expect("emulator starts");
    let client = client_via(fake_proxy.base_url(), 10_000).unwrap();
    let err = client.read_user("anyone").unwrap_err();
    let text = err.to_string();
    assert_eq!(err.status(), Status::Transport, "{text}");
    assert_eq!(err.attempts(), Some(1), "{text}");
    assert!(
        text.contains("the TLS handshake with the proxy") && text.contains("set ca_file"),
        "{text}"
    );
}

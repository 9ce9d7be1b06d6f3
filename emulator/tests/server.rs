//! HTTP mechanics, fault injection, the control endpoint, TLS, concurrency and the CLI.

mod common;
use common::*;
use mx_sso_emulator::Outcome;
use serde_json::json;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn put_request(emu: &Emulator, id: &str, body: &str, extra: &[&str]) -> Vec<u8> {
    build_request(
        "PUT",
        &format!("/user/{id}?{}", auth(emu)),
        JSON,
        Some(body),
        extra,
    )
}

// ---------------------------------------------------------------- HTTP mechanics

#[test]
fn keep_alive_serves_many_requests_on_one_connection() {
    let emu = start();
    emu.add_user("ext").unwrap();
    let mut conn = Conn::open(emu.addr());
    for i in 0..20 {
        let body = format!(r#"{{"first_name":"n{i}"}}"#);
        conn.send_raw(&put_request(&emu, "ext", &body, &[]));
        let resp = conn.read_response().expect("answer");
        assert_eq!(resp.status, 200);
        assert_eq!(resp.header("connection"), None);
    }
    let stats = emu.stats();
    assert_eq!(stats.requests, 20);
    assert_eq!(stats.connections, 1);
    assert!(emu
        .request_log()
        .iter()
        .all(|r| r.connection == emu.request_log()[0].connection));
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let emu = start();
    emu.add_user("ext").unwrap();
    let mut conn = Conn::open(emu.addr());
    let mut raw = put_request(&emu, "ext", r#"{"first_name":"a"}"#, &[]);
    raw.extend(put_request(&emu, "ext", r#"{"first_name":"b"}"#, &[]));
    conn.send_raw(&raw);
    assert_eq!(conn.read_response().unwrap().json()["first_name"], "a");
    assert_eq!(conn.read_response().unwrap().json()["first_name"], "b");
}

#[test]
fn connection_close_is_honoured() {
    let emu = start();
    emu.add_user("ext").unwrap();
    let mut conn = Conn::open(emu.addr());
    conn.send_raw(&put_request(&emu, "ext", "{}", &["Connection: close"]));
    let resp = conn.read_response().unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(resp.header("connection"), Some("close"));
    assert!(conn.closed_without_bytes());
}

#[test]
fn http10_closes_unless_keep_alive() {
    let emu = start();
    emu.add_user("ext").unwrap();
    let mut conn = Conn::open(emu.addr());
    conn.send_raw(format!("GET /user/ext?{} HTTP/1.0\r\n\r\n", auth(&emu)).as_bytes());
    let resp = read_response(&mut conn.reader).unwrap();
    assert_eq!(resp.status, 200);
    assert!(conn.closed_without_bytes());
}

#[test]
fn chunked_bodies_and_expect_continue_are_supported() {
    let emu = start();
    emu.add_user("ext").unwrap();
    let mut conn = Conn::open(emu.addr());
    let head = format!(
        "PUT /user/ext?{} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\n\r\n",
        auth(&emu)
    );
    conn.send_raw(head.as_bytes());
    conn.send_raw(b"a\r\n{\"status\":\r\n b\r\n\"DISABLED\"}\r\n0\r\n\r\n");
    let resp = conn.read_response().unwrap();
    assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
    assert_eq!(emu.get_user("ext").unwrap()["status"]["name"], "DISABLED");

    let body = r#"{"status":"ENABLED"}"#;
    let head = format!(
        "PUT /user/ext?{} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nExpect: 100-continue\r\n\r\n",
        auth(&emu),
        body.len()
    );
    conn.send_raw(head.as_bytes());
    let interim = conn.read_response().unwrap();
    assert_eq!(interim.status, 100);
    conn.send_raw(body.as_bytes());
    assert_eq!(conn.read_response().unwrap().status, 200);
    assert_eq!(emu.get_user("ext").unwrap()["status"]["name"], "ENABLED");
}

#[test]
fn oversized_body_gets_413_and_close() {
    let emu = start();
    emu.add_user("ext").unwrap();
    let mut conn = Conn::open(emu.addr());
    let body = format!(r#"{{"first_name":"{}"}}"#, "x".repeat(1024 * 1024));
    conn.send_raw(&put_request(&emu, "ext", &body, &[]));
    let resp = conn.read_response().unwrap();
    assert_eq!(resp.status, 413);
    assert_eq!(resp.header("connection"), Some("close"));
    assert!(conn.closed_without_bytes());
    assert_eq!(
        emu.get_user("ext").unwrap()["first_name"],
        serde_json::Value::Null
    );
}

#[test]
fn malformed_requests_get_400_and_never_hurt_other_connections() {
    let emu = start();
    emu.add_user("ext").unwrap();
    let mut bystander = Conn::open(emu.addr());
    assert_eq!(
        bystander
            .request("GET", &format!("/user/ext?{}", auth(&emu)), None, None)
            .unwrap()
            .status,
        200
    );
    for raw in [
        &b"GARBAGE\r\n\r\n"[..],
        b"GET /user/ext HTTP/9.9\r\n\r\n",
        b"PUT /user/ext HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
        b"PUT /user/ext HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        b"PUT /user/ext HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"GET /user/ext HTTP/1.1\r\n bad folding\r\n\r\n",
        b"\xff\xfe GET \x00\r\n\r\n",
    ] {
        let mut conn = Conn::open(emu.addr());
        conn.send_raw(raw);
        let resp = conn.read_response().expect("an answer");
        assert_eq!(resp.status, 400, "{}", String::from_utf8_lossy(raw));
    }
    let mut conn = Conn::open(emu.addr());
    conn.send_raw(b"PUT /user/ext HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n");
    assert_eq!(conn.read_response().unwrap().status, 501);
    let mut conn = Conn::open(emu.addr());
    let huge_header = format!(
        "GET /user/ext HTTP/1.1\r\nX: {}\r\n\r\n",
        "a".repeat(100_000)
    );
    conn.send_raw(huge_header.as_bytes());
    assert_eq!(conn.read_response().unwrap().status, 431);
    // Half a request, then gone.
    let mut conn = Conn::open(emu.addr());
    conn.send_raw(b"PUT /user/ext HTTP/1.1\r\nContent-Length: 100\r\n\r\n{");
    drop(conn);
    // The old connection and new ones still work.
    assert_eq!(
        bystander
            .request("GET", &format!("/user/ext?{}", auth(&emu)), None, None)
            .unwrap()
            .status,
        200
    );
    assert_eq!(get_user(&emu, "ext").status, 200);
}

#[test]
fn shutdown_closes_connections_and_stops_listening() {
    let emu = start();
    let addr = emu.addr();
    let mut idle = Conn::open(addr);
    assert_eq!(
        idle.request("GET", "/_emulator/stats", None, None)
            .unwrap()
            .status,
        200
    );
    let started = Instant::now();
    emu.shutdown();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(idle.closed_without_bytes());
    assert!(TcpStream::connect(addr).is_err());
}

// ---------------------------------------------------------------- faults

#[test]
fn status_fault_with_retry_after_and_count() {
    let emu = start();
    emu.add_user("ext").unwrap();
    emu.push_fault_times(Fault::status_retry_after(429, "1"), 2);
    let mut conn = Conn::open(emu.addr());
    for _ in 0..2 {
        conn.send_raw(&put_request(&emu, "ext", r#"{"status":"DISABLED"}"#, &[]));
        let resp = conn.read_response().unwrap();
        assert_eq!(resp.status, 429);
        assert_eq!(resp.header("retry-after"), Some("1"));
        assert_eq!(resp.error_text(), "Too many requests.");
    }
    assert_eq!(emu.get_user("ext").unwrap()["status"]["name"], "ENABLED");
    conn.send_raw(&put_request(&emu, "ext", r#"{"status":"DISABLED"}"#, &[]));
    assert_eq!(conn.read_response().unwrap().status, 200);
    let stats = emu.stats();
    assert_eq!(
        (stats.requests, stats.faults_applied, stats.faults_pending),
        (3, 2, 0)
    );
}

#[test]
fn status_fault_bodies_are_mx_like() {
    let emu = start();
    emu.add_user("ext").unwrap();
    emu.push_fault(Fault::status(503));
    emu.push_fault(Fault::status(502));
    emu.push_fault(Fault::status(504));
    emu.push_fault(Fault::status(500));
    let resp = get_user(&emu, "ext");
    assert_eq!(resp.status, 503);
    assert_eq!(resp.error_text(), "Service Temporarily Unavailable.");
    for status in [502, 504] {
        let resp = get_user(&emu, "ext");
        assert_eq!(resp.status, status);
        assert!(resp.body.is_empty());
    }
    let resp = get_user(&emu, "ext");
    assert_eq!(resp.status, 500);
    assert_eq!(resp.error_text(), "Internal Server Error.");
}

#[test]
fn close_fault_reads_then_closes_without_a_byte() {
    let emu = start();
    emu.add_user("ext").unwrap();
    emu.push_fault(Fault::Close);
    let mut conn = Conn::open(emu.addr());
    conn.send_raw(&put_request(&emu, "ext", r#"{"status":"DISABLED"}"#, &[]));
    assert!(conn.closed_without_bytes());
    assert_eq!(emu.get_user("ext").unwrap()["status"]["name"], "ENABLED");
    assert_eq!(emu.request_log()[0].outcome, Outcome::NoAnswer);
    assert_eq!(emu.request_log()[0].fault, Some("close"));
}

#[test]
fn delay_fault_answers_normally_after_the_delay() {
    let emu = start();
    emu.add_user("ext").unwrap();
    emu.push_fault(Fault::Delay { ms: 300 });
    let started = Instant::now();
    let resp = put_user(&emu, "ext", r#"{"status":"DISABLED"}"#);
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(resp.status, 200);
    assert_eq!(emu.get_user("ext").unwrap()["status"]["name"], "DISABLED");
}

#[test]
fn response_fault_sends_exactly_what_was_asked() {
    let emu = start();
    emu.add_user("ext").unwrap();
    emu.push_fault(Fault::Response {
        status: 200,
        content_type: Some("text/html".into()),
        body: "<html>oops</html>".into(),
    });
    emu.push_fault(Fault::Response {
        status: 200,
        content_type: None,
        body: String::new(),
    });
    let mut conn = Conn::open(emu.addr());
    conn.send_raw(&put_request(&emu, "ext", "{}", &[]));
    let resp = conn.read_response().unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(resp.header("content-type"), Some("text/html"));
    assert_eq!(resp.body, b"<html>oops</html>");
    conn.send_raw(&put_request(&emu, "ext", "{}", &[]));
    let resp = conn.read_response().unwrap();
    assert_eq!(resp.header("content-type"), None);
    assert!(resp.body.is_empty());
}

#[test]
fn large_body_fault_streams_the_announced_size() {
    let emu = start();
    emu.add_user("ext").unwrap();
    let size: u64 = 64 * 1024 * 1024;
    emu.push_fault(Fault::LargeBody { bytes: size });
    emu.push_fault(Fault::LargeBody { bytes: 5 });
    let mut conn = Conn::open(emu.addr());
    conn.send_raw(&put_request(&emu, "ext", "{}", &[]));
    let mut line = String::new();
    conn.reader.read_line(&mut line).unwrap();
    assert!(line.starts_with("HTTP/1.1 200"));
    let mut length = None;
    loop {
        line.clear();
        conn.reader.read_line(&mut line).unwrap();
        if line.trim().is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Content-Length: ") {
            length = Some(v.trim().parse::<u64>().unwrap());
        }
    }
    assert_eq!(length, Some(size));
    let mut first = [0u8; 12];
    conn.reader.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"{\"padding\":\"");
    let copied = std::io::copy(
        &mut (&mut conn.reader).take(size - 12),
        &mut std::io::sink(),
    )
    .unwrap();
    assert_eq!(copied, size - 12);
    // The connection is still usable afterwards.
    conn.send_raw(&put_request(&emu, "ext", "{}", &[]));
    let resp = conn.read_response().unwrap();
    assert_eq!(resp.body, b"xxxxx");
}

#[test]
fn large_body_fault_stops_when_the_client_goes_away() {
    let emu = start();
    emu.add_user("ext").unwrap();
    emu.push_fault(Fault::LargeBody { bytes: 1 << 40 });
    let mut conn = Conn::open(emu.addr());
    conn.send_raw(&put_request(&emu, "ext", "{}", &[]));
    let mut buf = [0u8; 4096];
    conn.reader.read_exact(&mut buf).unwrap();
    drop(conn);
    // The emulator notices and the thread ends: the open connection disappears.
    let deadline = Instant::now() + Duration::from_secs(10);
    while emu.stats().open_connections > 0 {
        assert!(Instant::now() < deadline, "writer thread still running");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(emu.request_log()[0].outcome, Outcome::ClientGone);
}

#[test]
fn truncated_body_fault_sends_part_then_closes() {
    let emu = start();
    emu.add_user("ext").unwrap();
    emu.push_fault(Fault::TruncatedBody);
    let mut conn = Conn::open(emu.addr());
    conn.send_raw(&put_request(&emu, "ext", r#"{"status":"DISABLED"}"#, &[]));
    let mut raw = Vec::new();
    conn.reader.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let announced: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        !body.is_empty() && body.len() < announced,
        "{} of {announced}",
        body.len()
    );
    // The update itself went through: only its answer was lost.
    assert_eq!(emu.get_user("ext").unwrap()["status"]["name"], "DISABLED");
}

#[test]
fn trickle_fault_delivers_a_complete_answer_slowly() {
    let emu = start();
    emu.add_user("ext").unwrap();
    emu.push_fault(Fault::Trickle { interval_ms: 1 });
    let mut conn = Conn::open(emu.addr());
    conn.send_raw(&put_request(&emu, "ext", r#"{"status":"DISABLED"}"#, &[]));
    let resp = conn.read_response().unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(resp.json()["status"]["status"], 2);
    conn.send_raw(&put_request(&emu, "ext", "{}", &[]));
    assert_eq!(conn.read_response().unwrap().status, 200);
}

#[test]
fn faults_apply_in_order_and_bad_keys_consume_them_too() {
    let emu = start();
    emu.add_user("ext").unwrap();
    emu.push_fault(Fault::status(503));
    emu.push_fault(Fault::status(502));
    let mut conn = Conn::open(emu.addr());
    conn.send_raw(&build_request("GET", "/user/ext?k=wrong", None, None, &[]));
    assert_eq!(conn.read_response().unwrap().status, 503);
    assert_eq!(get_user(&emu, "ext").status, 502);
    assert_eq!(get_user(&emu, "ext").status, 200);
    emu.push_fault_times(Fault::status(503), 5);
    emu.clear_faults();
    assert_eq!(get_user(&emu, "ext").status, 200);
}

// ---------------------------------------------------------------- control endpoint

#[test]
fn control_endpoint_queues_lists_and_clears_faults() {
    let emu = start();
    emu.add_user("ext").unwrap();
    let resp = call(
        &emu,
        "POST",
        "/_emulator/faults",
        None,
        Some(r#"[{"kind":"status","status":429,"retry_after":"1","count":3},{"kind":"close"}]"#),
    )
    .unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(resp.json()["faults_pending"], 4);
    let stats = call(&emu, "GET", "/_emulator/stats", None, None)
        .unwrap()
        .json();
    assert_eq!(stats["faults_pending"], 4);
    let listed = call(&emu, "GET", "/_emulator/faults", None, None)
        .unwrap()
        .json();
    assert_eq!(listed["faults"][0]["kind"], "status");
    assert_eq!(listed["faults"][0]["count"], 3);
    let resp = call(
        &emu,
        "POST",
        "/_emulator/faults",
        None,
        Some(r#"{"kind":"bogus"}"#),
    )
    .unwrap();
    assert_eq!(resp.status, 400);
    assert!(resp.error_text().contains("bogus"));
    let resp = call(&emu, "DELETE", "/_emulator/faults", None, None).unwrap();
    assert_eq!(resp.json()["faults_pending"], 0);
    assert_eq!(get_user(&emu, "ext").status, 200);
    // Control requests are not user-resource requests.
    assert_eq!(emu.stats().requests, 1);
    assert_eq!(emu.stats().connections, 1);
}

#[test]
fn control_endpoint_stats_log_reset_and_users() {
    let emu = start();
    emu.add_user("ext").unwrap();
    put_user(&emu, "ext", r#"{"status":"DISABLED"}"#);
    let log = call(&emu, "GET", "/_emulator/log", None, None)
        .unwrap()
        .json();
    assert_eq!(log[0]["method"], "PUT");
    assert_eq!(log[0]["path"], "/user/ext");
    assert_eq!(log[0]["status"], 200);
    assert_eq!(log[0]["outcome"], "answered");
    let user = call(&emu, "GET", "/_emulator/users/ext", None, None)
        .unwrap()
        .json();
    assert_eq!(user["status"]["name"], "DISABLED");
    let created = call(
        &emu,
        "POST",
        "/_emulator/users",
        None,
        Some(r#"{"external_user_guid":"new","guid":"USR-n"}"#),
    )
    .unwrap();
    assert_eq!(created.json()["guid"], "USR-n");
    assert_eq!(
        call(&emu, "GET", "/_emulator/users/nope", None, None)
            .unwrap()
            .status,
        404
    );
    let stats = call(&emu, "POST", "/_emulator/reset", None, None)
        .unwrap()
        .json();
    assert_eq!(stats["requests"], 0);
    assert!(emu.request_log().is_empty());
    assert_eq!(
        call(&emu, "GET", "/_emulator/nope", None, None)
            .unwrap()
            .status,
        404
    );
}

#[test]
fn the_api_key_never_appears_in_log_or_stats() {
    let secret = "s3cr3t-key-value";
    let emu = Emulator::start(Config {
        api_key: secret.into(),
        ..Config::default()
    })
    .unwrap();
    emu.add_user("ext").unwrap();
    put_user(&emu, "ext", "{}");
    let mut conn = Conn::open(emu.addr());
    conn.send_raw(&build_request(
        "GET",
        &format!("/user/ext?k={secret}x"),
        None,
        None,
        &[],
    ));
    assert!(conn.closed_without_bytes());
    let log = emu.request_log();
    assert_eq!(log[0].query, format!("k=***&c={}", emu.client_guid()));
    let mut texts = vec![
        format!("{log:?}"),
        format!("{emu:?}"),
        format!(
            "{:?}",
            Config {
                api_key: secret.into(),
                ..Config::default()
            }
        ),
    ];
    for path in ["/_emulator/log", "/_emulator/stats", "/_emulator/faults"] {
        texts.push(
            String::from_utf8_lossy(&call(&emu, "GET", path, None, None).unwrap().body).into(),
        );
    }
    for text in texts {
        assert!(!text.contains(secret), "{text}");
    }
}

// ---------------------------------------------------------------- TLS

fn tls_client(ca_file: &std::path::Path) -> Arc<rustls::ClientConfig> {
    let pem = std::fs::read(ca_file).unwrap();
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls::pki_types::pem::PemObject::pem_slice_iter(&pem) {
        let cert: rustls::pki_types::CertificateDer = cert.unwrap();
        roots.add(cert).unwrap();
    }
    assert_eq!(roots.len(), 1);
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Arc::new(
        rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

#[test]
fn tls_is_verified_with_the_written_ca_only() {
    let dir = std::env::temp_dir().join(format!("mx-emu-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca_file = dir.join("ca.pem");
    let emu = Emulator::start(Config {
        ca_out: Some(ca_file.clone()),
        ..Config::tls()
    })
    .unwrap();
    assert!(emu.base_url().starts_with("https://127.0.0.1:"));
    assert_eq!(emu.ca_file(), Some(ca_file.as_path()));
    emu.add_user("ext").unwrap();
    let config = tls_client(&ca_file);

    for name in ["127.0.0.1", "localhost"] {
        let server_name = rustls::pki_types::ServerName::try_from(name.to_string()).unwrap();
        let conn = rustls::ClientConnection::new(config.clone(), server_name).unwrap();
        let tcp = TcpStream::connect(emu.addr()).unwrap();
        let mut tls = rustls::StreamOwned::new(conn, tcp);
        for _ in 0..3 {
            tls.write_all(&put_request(&emu, "ext", r#"{"status":"DISABLED"}"#, &[]))
                .unwrap();
            let resp = read_response(&mut BufReader::new(&mut tls)).unwrap();
            assert_eq!(resp.status, 200);
        }
    }
    let stats = emu.stats();
    assert_eq!(stats.connections, 2);
    assert_eq!(stats.tls_handshakes, 2);
    assert_eq!(stats.requests, 6);

    // A name the certificate does not cover fails verification.
    let server_name = rustls::pki_types::ServerName::try_from("example.com").unwrap();
    let conn = rustls::ClientConnection::new(config, server_name).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, TcpStream::connect(emu.addr()).unwrap());
    assert!(
        tls.write_all(b"GET / HTTP/1.1\r\n\r\n")
            .and_then(|()| tls.flush())
            .is_err()
            || tls.read(&mut [0u8; 16]).is_err()
    );
    drop(emu);
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------- concurrency

#[test]
fn concurrent_updates_lose_nothing() {
    const THREADS: usize = 8;
    const UPDATES: usize = 200;
    let emu = Arc::new(start());
    for t in 0..THREADS {
        emu.add_user(&format!("user-{t}")).unwrap();
    }
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let emu = Arc::clone(&emu);
            std::thread::spawn(move || {
                let mut conn = Conn::open(emu.addr());
                for i in 0..UPDATES {
                    // Every other update on a fresh connection, to mix both paths.
                    if i % 50 == 0 {
                        conn = Conn::open(emu.addr());
                    }
                    let body = format!(r#"{{"first_name":"t{t}-{i}","credit_score":{i}}}"#);
                    conn.send_raw(&put_request(&emu, &format!("user-{t}"), &body, &[]));
                    let resp = conn.read_response().expect("answer");
                    assert_eq!(resp.status, 200);
                    assert_eq!(resp.json()["first_name"], format!("t{t}-{i}"));
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    for t in 0..THREADS {
        let user = emu.get_user(&format!("user-{t}")).unwrap();
        assert_eq!(user["first_name"], format!("t{t}-{}", UPDATES - 1));
        assert_eq!(user["credit_score"], UPDATES - 1);
    }
    assert_eq!(emu.stats().requests, (THREADS * UPDATES) as u64);
}

// ---------------------------------------------------------------- CLI

struct Child(std::process::Child);
impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn cli_prints_the_url_first_and_logs_without_the_key() {
    let dir = std::env::temp_dir().join(format!("mx-emu-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let seed = dir.join("users.json");
    std::fs::write(
        &seed,
        json!([{"guid": "USR-seed-1", "external_user_guid": "bank-1", "first_name": "Julie"}])
            .to_string(),
    )
    .unwrap();
    let secret = "cli-secret-key";
    let mut child = Child(
        std::process::Command::new(env!("CARGO_BIN_EXE_mx-sso-emulator"))
            .args([
                "--addr",
                "127.0.0.1:0",
                "--api-key",
                secret,
                "--client",
                "CLT-cli",
                "--log",
            ])
            .arg("--seed")
            .arg(&seed)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut stdout = BufReader::new(child.0.stdout.take().unwrap());
    let mut url = String::new();
    stdout.read_line(&mut url).unwrap();
    let url = url.trim();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let addr = url.trim_start_matches("http://");
    let mut conn = Conn::open(addr.parse().unwrap());
    let resp = conn
        .request(
            "GET",
            &format!("/user/bank-1?k={secret}&c=CLT-cli"),
            None,
            None,
        )
        .unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(resp.json()["guid"], "USR-seed-1");
    assert_eq!(resp.json()["client_guid"], "CLT-cli");
    drop(conn);
    let _ = child.0.kill();
    let _ = child.0.wait();
    let mut stderr = String::new();
    child
        .0
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(
        stderr.contains("GET /user/bank-1?k=***&c=CLT-cli -> 200"),
        "{stderr}"
    );
    assert!(!stderr.contains(secret), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn cli_rejects_bad_arguments() {
    for args in [
        &["--bogus"][..],
        &["--tls"],
        &["--addr"],
        &["--seed", "/nonexistent.json"],
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_mx-sso-emulator"))
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty());
    }
}

// ---------------------------------------------------------------- conformance script

#[test]
fn python_conformance_script_passes_when_python_is_available() {
    if std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("python3 not found: conformance script skipped");
        return;
    }
    let emu = start();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/conformance.py");
    let out = std::process::Command::new("python3")
        .arg(script)
        .args([emu.base_url(), emu.api_key(), emu.client_guid()])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
}

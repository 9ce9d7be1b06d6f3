//! Reliability through the C ABI (called from Rust exactly as C calls it): a fault matrix
//! against the emulator's fault injection, hostile input to every exported function, and many
//! threads sharing one client while faults are injected.
//!
//! Each fault row checks the status, the attempts the server saw, and that the call ended
//! within `timeout_ms` plus a margin (a correctness bound on the deadline, generous for a
//! loaded machine; not a performance assertion).

use std::ffi::{c_char, CStr, CString};
use std::net::{SocketAddr, TcpStream};
use std::ptr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mx_sso::ffi::*;
use mx_sso_emulator::{Config, Emulator, Fault};

const SECRET_KEY: &str = "MXSSO-SECRET-KEY-0123456789";
const DISABLE: &str = r#"{"status": "DISABLED"}"#;
/// How far past `timeout_ms` a call may end on a busy 2-core machine.
const DEADLINE_MARGIN: Duration = Duration::from_millis(1_000);

fn emulator() -> Emulator {
    let emu = Emulator::start(Config {
        api_key: SECRET_KEY.into(),
        ..Config::default()
    })
    .expect("emulator starts");
    emu.add_user("ext-1").unwrap();
    emu
}

/// An `mx_client` from options JSON, freed on drop.
struct CClient(*mut mx_client);

impl CClient {
    fn new(options: &str) -> CClient {
        let options = CString::new(options).unwrap();
        let mut err: *mut c_char = ptr::null_mut();
        let client = unsafe { mx_client_new(options.as_ptr(), &mut err) };
        assert!(!client.is_null(), "mx_client_new failed: {}", take(err));
        CClient(client)
    }

    fn update(&self, key: &str, client_guid: &str, user: &str, body: &str) -> (mx_status, String) {
        let args = [key, client_guid, user, body].map(|s| CString::new(s).unwrap());
        let mut out: *mut c_char = ptr::null_mut();
        let status = unsafe {
            mx_client_update_user(
                self.0,
                args[0].as_ptr(),
                args[1].as_ptr(),
                args[2].as_ptr(),
                args[3].as_ptr(),
                &mut out,
            )
        };
        (status, take(out))
    }
}

// SAFETY: mx_client is documented thread-safe; the handle outlives every use in these tests.
unsafe impl Send for CClient {}
unsafe impl Sync for CClient {}

impl Drop for CClient {
    fn drop(&mut self) {
        unsafe { mx_client_free(self.0) };
    }
}

/// Copies a library string and frees it through the library.
fn take(s: *mut c_char) -> String {
    if s.is_null() {
        return String::new();
    }
    let text = unsafe { CStr::from_ptr(s) }.to_string_lossy().into_owned();
    unsafe { mx_string_free(s) };
    text
}

fn error_field(json: &str, field: &str) -> serde_json::Value {
    let v: serde_json::Value = serde_json::from_str(json).expect("error object is JSON");
    v["error"][field].clone()
}

fn options(base_url: &str, timeout_ms: u64, max_retries: u32, extra: &str) -> String {
    format!(
        r#"{{"base_url": "{base_url}", "timeout_ms": {timeout_ms}, "max_retries": {max_retries}{extra}}}"#
    )
}

/// A loopback listener whose accept queue is full, so a new connect hangs (its SYN is
/// dropped) until the client's connect timeout. The returned streams keep the queue full.
fn unanswered_listener() -> (SocketAddr, libc::c_int, Vec<TcpStream>) {
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0);
        assert!(fd >= 0);
        let mut addr: libc::sockaddr_in = std::mem::zeroed();
        addr.sin_family = libc::AF_INET as libc::sa_family_t;
        addr.sin_addr.s_addr = u32::from_ne_bytes([127, 0, 0, 1]);
        let len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
        assert_eq!(
            libc::bind(fd, &addr as *const _ as *const libc::sockaddr, len),
            0
        );
        assert_eq!(libc::listen(fd, 0), 0);
        let mut bound: libc::sockaddr_in = std::mem::zeroed();
        let mut bound_len = len;
        libc::getsockname(
            fd,
            &mut bound as *mut _ as *mut libc::sockaddr,
            &mut bound_len,
        );
        let port = u16::from_be(bound.sin_port);
        let sock_addr = SocketAddr::from(([127, 0, 0, 1], port));
        let fillers = (0..3)
            .filter_map(|_| TcpStream::connect_timeout(&sock_addr, Duration::from_millis(200)).ok())
            .collect();
        (sock_addr, fd, fillers)
    }
}

struct Row {
    name: &'static str,
    faults: Vec<(Fault, u32)>,
    timeout_ms: u64,
    max_retries: u32,
    extra_options: &'static str,
    want: mx_status,
    want_server_attempts: u64,
    message_has: &'static str,
}

#[test]
fn fault_matrix_through_the_c_abi() {
    let rows = vec![
        Row {
            name: "closed without an answer",
            faults: vec![(Fault::Close, 1)],
            timeout_ms: 3_000,
            max_retries: 2,
            extra_options: "",
            want: mx_status::MX_ERR_TRANSPORT,
            want_server_attempts: 1,
            message_has: "closed without an answer",
        },
        Row {
            name: "closed in the middle of the body",
            faults: vec![(Fault::TruncatedBody, 1)],
            timeout_ms: 3_000,
            max_retries: 2,
            extra_options: "",
            want: mx_status::MX_ERR_TRANSPORT,
            want_server_attempts: 1,
            message_has: "",
        },
        Row {
            name: "latency past the deadline while reading",
            faults: vec![(Fault::Delay { ms: 2_500 }, 1)],
            timeout_ms: 500,
            max_retries: 2,
            extra_options: "",
            want: mx_status::MX_ERR_TIMEOUT,
            want_server_attempts: 1,
            message_has: "timeout_ms",
        },
        Row {
            name: "a body trickling one byte per second",
            faults: vec![(Fault::Trickle { interval_ms: 1_000 }, 1)],
            timeout_ms: 1_500,
            max_retries: 2,
            extra_options: "",
            want: mx_status::MX_ERR_TIMEOUT,
            want_server_attempts: 1,
            message_has: "timeout_ms",
        },
        Row {
            name: "429 with Retry-After: 1",
            faults: vec![(Fault::status_retry_after(429, "1"), 1)],
            timeout_ms: 5_000,
            max_retries: 2,
            extra_options: "",
            want: mx_status::MX_OK,
            want_server_attempts: 2,
            message_has: "",
        },
        Row {
            name: "429 without Retry-After",
            faults: vec![(Fault::status(429), 1)],
            timeout_ms: 5_000,
            max_retries: 2,
            extra_options: "",
            want: mx_status::MX_OK,
            want_server_attempts: 2,
            message_has: "",
        },
        Row {
            name: "Retry-After longer than the deadline",
            faults: vec![(Fault::status_retry_after(429, "120"), 1)],
            timeout_ms: 3_000,
            max_retries: 2,
            extra_options: "",
            want: mx_status::MX_ERR_HTTP,
            want_server_attempts: 1,
            message_has: "gave up without waiting",
        },
        Row {
            name: "502 burst longer than max_retries",
            faults: vec![(Fault::status(502), 5)],
            timeout_ms: 5_000,
            max_retries: 2,
            extra_options: "",
            want: mx_status::MX_ERR_HTTP,
            want_server_attempts: 3,
            message_has: "MX API is down",
        },
        Row {
            name: "503 burst longer than max_retries",
            faults: vec![(Fault::status(503), 5)],
            timeout_ms: 5_000,
            max_retries: 1,
            extra_options: "",
            want: mx_status::MX_ERR_HTTP,
            want_server_attempts: 2,
            message_has: "Service Temporarily Unavailable.",
        },
        Row {
            name: "504 burst longer than max_retries",
            faults: vec![(Fault::status(504), 5)],
            timeout_ms: 5_000,
            max_retries: 2,
            extra_options: "",
            want: mx_status::MX_ERR_HTTP,
            want_server_attempts: 3,
            message_has: "504",
        },
        Row {
            name: "a 503 burst shorter than max_retries",
            faults: vec![(Fault::status(503), 2)],
            timeout_ms: 5_000,
            max_retries: 2,
            extra_options: "",
            want: mx_status::MX_OK,
            want_server_attempts: 3,
            message_has: "",
        },
        Row {
            name: "malformed JSON in a 200",
            faults: vec![(
                Fault::Response {
                    status: 200,
                    content_type: Some("application/json".into()),
                    body: r#"{"guid": "USR-1", "#.into(),
                },
                1,
            )],
            timeout_ms: 3_000,
            max_retries: 2,
            extra_options: "",
            want: mx_status::MX_ERR_RESPONSE,
            want_server_attempts: 1,
            message_has: "not JSON",
        },
        Row {
            name: "a wrong Content-Type",
            faults: vec![(
                Fault::Response {
                    status: 200,
                    content_type: Some("text/html; charset=utf-8".into()),
                    body: "<html>Sign in to the proxy</html>".into(),
                },
                1,
            )],
            timeout_ms: 3_000,
            max_retries: 2,
            extra_options: "",
            want: mx_status::MX_ERR_RESPONSE,
            want_server_attempts: 1,
            message_has: "text/html",
        },
        Row {
            name: "a body larger than max_response_bytes",
            faults: vec![(Fault::LargeBody { bytes: 70_000 }, 1)],
            timeout_ms: 3_000,
            max_retries: 2,
            extra_options: r#", "max_response_bytes": 65536"#,
            want: mx_status::MX_ERR_RESPONSE,
            want_server_attempts: 1,
            message_has: "max_response_bytes (65536 bytes)",
        },
    ];
    for row in rows {
        let emu = emulator();
        for (fault, count) in &row.faults {
            emu.push_fault_times(fault.clone(), *count);
        }
        let client = CClient::new(&options(
            emu.base_url(),
            row.timeout_ms,
            row.max_retries,
            row.extra_options,
        ));
        let started = Instant::now();
        let (status, out) = client.update(SECRET_KEY, emu.client_guid(), "ext-1", DISABLE);
        let took = started.elapsed();
        assert_eq!(status, row.want, "{}: {out}", row.name);
        assert_eq!(
            emu.stats().requests,
            row.want_server_attempts,
            "{}: attempts the server saw",
            row.name
        );
        assert!(
            took <= Duration::from_millis(row.timeout_ms) + DEADLINE_MARGIN,
            "{}: took {took:?}",
            row.name
        );
        assert!(!out.contains(SECRET_KEY), "{}: key leaked: {out}", row.name);
        if status != mx_status::MX_OK {
            let message = error_field(&out, "message");
            let message = message.as_str().unwrap_or_default();
            assert!(message.contains(row.message_has), "{}: {message}", row.name);
            assert_eq!(
                error_field(&out, "attempts").as_u64(),
                Some(row.want_server_attempts),
                "{}: attempts reported",
                row.name
            );
        }
    }
}

#[test]
fn connection_refused_is_retried_then_reported_within_the_deadline() {
    let client = CClient::new(&options("http://127.0.0.1:1", 3_000, 2, ""));
    let started = Instant::now();
    let (status, out) = client.update(SECRET_KEY, "CLT-1", "ext-1", DISABLE);
    assert_eq!(status, mx_status::MX_ERR_TRANSPORT, "{out}");
    assert_eq!(error_field(&out, "attempts"), 3);
    assert!(error_field(&out, "http_status").is_null());
    assert!(started.elapsed() <= Duration::from_millis(3_000) + DEADLINE_MARGIN);
}

#[test]
fn a_connect_that_hangs_ends_at_connect_timeout_ms() {
    let (addr, fd, _fillers) = unanswered_listener();
    let base = format!("http://{addr}");
    let client = CClient::new(&options(
        &base,
        5_000,
        1,
        r#", "connect_timeout_ms": 300, "proxy": """#,
    ));
    let started = Instant::now();
    let (status, out) = client.update(SECRET_KEY, "CLT-1", "ext-1", DISABLE);
    let took = started.elapsed();
    unsafe { libc::close(fd) };
    assert_eq!(status, mx_status::MX_ERR_TIMEOUT, "{out}");
    // The server and the route are named: a silently dropped connect is the usual sign of a
    // missing proxy setting on a bank network.
    let message = error_field(&out, "message");
    assert!(
        message.as_str().unwrap().starts_with(&format!(
            "connecting to {base} (directly, no proxy) took longer than connect_timeout_ms"
        )),
        "{message}"
    );
    assert_eq!(
        error_field(&out, "attempts"),
        2,
        "a connect timeout is retried"
    );
    assert!(
        took >= Duration::from_millis(550),
        "two connects of 300 ms: {took:?}"
    );
    assert!(
        took <= Duration::from_millis(5_000) + DEADLINE_MARGIN,
        "{took:?}"
    );
}

#[test]
fn a_connect_that_hangs_past_the_overall_deadline_ends_at_timeout_ms() {
    let (addr, fd, _fillers) = unanswered_listener();
    let base = format!("http://{addr}");
    let client = CClient::new(&options(&base, 400, 3, r#", "connect_timeout_ms": 5000"#));
    let started = Instant::now();
    let (status, out) = client.update(SECRET_KEY, "CLT-1", "ext-1", DISABLE);
    let took = started.elapsed();
    unsafe { libc::close(fd) };
    assert_eq!(status, mx_status::MX_ERR_TIMEOUT, "{out}");
    assert!(
        took <= Duration::from_millis(400) + DEADLINE_MARGIN,
        "{took:?}"
    );
}

/// Resident memory of this process, in bytes.
fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse::<u64>().ok())
        .unwrap_or(0)
        * 4096
}

/// Calls the one-shot and the client entry points with raw pointers (NULL allowed).
fn raw_update(
    client: Option<&CClient>,
    args: [*const c_char; 4],
    out: *mut *mut c_char,
) -> mx_status {
    unsafe {
        match client {
            Some(c) => mx_client_update_user(c.0, args[0], args[1], args[2], args[3], out),
            None => mx_update_user(args[0], args[1], args[2], args[3], out),
        }
    }
}

#[test]
fn hostile_input_to_every_exported_function() {
    let emu = emulator();
    // The one-shot calls must reach no server either: point the default client at the emulator.
    std::env::set_var("MX_SSO_BASE_URL", emu.base_url());
    let client = CClient::new(&options(emu.base_url(), 3_000, 0, ""));
    let key = CString::new(SECRET_KEY).unwrap();
    let client_guid = CString::new(emu.client_guid()).unwrap();
    let user = CString::new("ext-1").unwrap();
    let body = CString::new(DISABLE).unwrap();
    let good: [*const c_char; 4] = [
        key.as_ptr(),
        client_guid.as_ptr(),
        user.as_ptr(),
        body.as_ptr(),
    ];
    let names = ["api_key", "client_guid", "user_guid", "json_body"];
    let not_utf8 = b"\xff\xfe\x00";
    let not_utf8 = not_utf8.as_ptr().cast::<c_char>();

    let megabyte_guid = CString::new("u".repeat(1 << 20)).unwrap();
    // 30,000 levels fit under the 64 KiB body limit, so the parser's depth limit is what stops
    // them; 100,000 levels are stopped by the size limit first (also checked below).
    let deep_json = CString::new(format!(
        "{{\"status\": {}{}}}",
        "[".repeat(30_000),
        "]".repeat(30_000)
    ))
    .unwrap();
    let deeper_json = CString::new(format!(
        "{{\"status\": {}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    ))
    .unwrap();
    let big_body =
        CString::new(format!("{{\"first_name\": \"{}\"}}", "x".repeat(50 << 20))).unwrap();
    let cases: Vec<(usize, CString, &str)> = vec![
        (2, megabyte_guid, "at most 1024 bytes"),
        (
            2,
            CString::new("a\u{1}b").unwrap(),
            "user_guid contains a control character",
        ),
        (2, CString::new("..").unwrap(), "relative path step"),
        (
            0,
            CString::new("key\r\nX-Injected: 1").unwrap(),
            "api_key contains a control character",
        ),
        (
            1,
            CString::new("CLT\t1").unwrap(),
            "client_guid contains a control character",
        ),
        (0, CString::new("").unwrap(), "api_key is empty"),
        (3, deep_json, "recursion limit"),
        (3, deeper_json, "at most 65536 bytes"),
        (3, big_body, "at most 65536 bytes"),
        (
            3,
            CString::new(r#"{"status": "ENABLED", "status": "DISABLED"}"#).unwrap(),
            "more than once",
        ),
        (
            3,
            CString::new(r#"{"credit_score": 99999999999999999999999}"#).unwrap(),
            "signed 64-bit",
        ),
        (
            3,
            CString::new(r#"["status", "DISABLED"]"#).unwrap(),
            "JSON object",
        ),
        (3, CString::new("42").unwrap(), "JSON object"),
        (
            3,
            CString::new(r#"{"status": null}"#).unwrap(),
            "status is null",
        ),
    ];

    let before = resident_bytes();
    for round in 0..3 {
        for target in [None, Some(&client)] {
            // NULL and non-UTF-8 in each pointer.
            for i in 0..4 {
                for (bad, what) in [(ptr::null(), "is NULL"), (not_utf8, "is not valid UTF-8")] {
                    let mut args = good;
                    args[i] = bad;
                    let mut out = ptr::null_mut();
                    let status = raw_update(target, args, &mut out);
                    let out = take(out);
                    assert_eq!(status, mx_status::MX_ERR_INVALID_ARGUMENT, "{out}");
                    assert!(out.contains(&format!("{} {what}", names[i])), "{out}");
                }
            }
            assert_eq!(
                raw_update(target, good, ptr::null_mut()),
                mx_status::MX_ERR_INVALID_ARGUMENT
            );
            for (index, value, needle) in &cases {
                let mut args = good;
                args[*index] = value.as_ptr();
                let mut out = ptr::null_mut();
                let status = raw_update(target, args, &mut out);
                let out = take(out);
                assert_eq!(status, mx_status::MX_ERR_VALIDATION, "round {round}: {out}");
                assert!(out.contains(needle), "want {needle:?} in {out}");
                assert!(!out.contains(SECRET_KEY));
            }
        }
        let mut out = ptr::null_mut();
        let status = unsafe {
            mx_client_update_user(ptr::null(), good[0], good[1], good[2], good[3], &mut out)
        };
        assert_eq!(status, mx_status::MX_ERR_INVALID_ARGUMENT);
        assert!(take(out).contains("client is NULL"));
    }
    assert_eq!(
        emu.stats().requests,
        0,
        "nothing may be sent for hostile input"
    );

    // `../` inside a guid is legal: sent as one percent-encoded segment, never a path step.
    let (status, out) = client.update(SECRET_KEY, emu.client_guid(), "../../admin", DISABLE);
    assert_eq!(status, mx_status::MX_ERR_HTTP, "{out}");
    assert_eq!(emu.request_log()[0].path, "/user/..%2F..%2Fadmin");

    // Options: unknown keys, wrong types, hostile JSON.
    let option_cases = [
        (
            r#"{"base_url": "x", "retries": 1}"#,
            "unknown field `retries`",
        ),
        (r#"{"timeout_ms": "1000"}"#, "invalid type: string"),
        (r#"{"timeout_ms": 1.5}"#, "invalid type: floating point"),
        (r#"{"max_retries": -1}"#, "invalid value"),
        (r#"{"strict_fields": "yes"}"#, "invalid type"),
        (r#"{"proxy": 8080}"#, "invalid type"),
        (r#"{"proxy": "not a proxy url \u0001"}"#, "proxy"),
        (r#"{"base_url": "https://h/?k=leak"}"#, "query or fragment"),
        ("[1, 2]", "JSON object"),
        ("", "options_json"),
    ];
    for (json, needle) in option_cases {
        let json = CString::new(json).unwrap();
        let mut err = ptr::null_mut();
        let made = unsafe { mx_client_new(json.as_ptr(), &mut err) };
        let err = take(err);
        assert!(made.is_null(), "{json:?} must be refused");
        assert_eq!(error_field(&err, "code"), "MX_ERR_INVALID_ARGUMENT");
        assert!(err.contains(needle), "want {needle:?} in {err}");
    }
    let deep_options =
        CString::new(format!("{}{}", "[".repeat(100_000), "]".repeat(100_000))).unwrap();
    let mut err = ptr::null_mut();
    assert!(unsafe { mx_client_new(deep_options.as_ptr(), &mut err) }.is_null());
    assert!(take(err).contains("recursion limit"));
    assert!(unsafe { mx_client_new(not_utf8, ptr::null_mut()) }.is_null());

    // The statics: any int, NULL frees.
    for code in [i32::MIN, -1, 0, 7, 8, i32::MAX] {
        assert!(!mx_status_str(code).is_null());
    }
    unsafe {
        mx_string_free(ptr::null_mut());
        mx_client_free(ptr::null_mut());
    }

    let grown = resident_bytes().saturating_sub(before);
    assert!(
        grown < 256 << 20,
        "memory grew by {grown} bytes over three rounds"
    );
}

#[test]
fn sixteen_threads_share_one_client_while_faults_are_injected() {
    const THREADS: usize = 16;
    const CALLS: usize = 1_000;
    let emu = Arc::new(emulator());
    let users: Vec<String> = (0..THREADS).map(|i| format!("thread-{i}")).collect();
    for user in &users {
        emu.add_user(user).unwrap();
    }
    // Faults that end a call without a retry, so each one is met by exactly one call.
    let not_found = 400;
    let injected: [(Fault, u32, mx_status); 4] = [
        (Fault::status(not_found), 300, mx_status::MX_ERR_HTTP),
        (Fault::status(503), 200, mx_status::MX_ERR_HTTP),
        (
            Fault::Response {
                status: 200,
                content_type: Some("text/html".into()),
                body: "<html>".into(),
            },
            250,
            mx_status::MX_ERR_RESPONSE,
        ),
        (Fault::Delay { ms: 2 }, 250, mx_status::MX_OK),
    ];
    // Interleave the kinds so they land on random threads.
    let mut remaining: Vec<u32> = injected.iter().map(|(_, n, _)| *n).collect();
    while remaining.iter().any(|n| *n > 0) {
        for (i, (fault, _, _)) in injected.iter().enumerate() {
            if remaining[i] > 0 {
                emu.push_fault(fault.clone());
                remaining[i] -= 1;
            }
        }
    }
    let client = Arc::new(CClient::new(&options(emu.base_url(), 10_000, 0, "")));
    let counts: Arc<[AtomicUsize; 8]> = Arc::new(Default::default());
    let threads: Vec<_> = users
        .iter()
        .cloned()
        .map(|user| {
            let (emu, client, counts) = (emu.clone(), client.clone(), counts.clone());
            std::thread::spawn(move || {
                for call in 0..CALLS {
                    let body = if call % 2 == 0 {
                        DISABLE
                    } else {
                        r#"{"status": "ENABLED"}"#
                    };
                    let (status, out) = client.update(SECRET_KEY, emu.client_guid(), &user, body);
                    if status == mx_status::MX_OK {
                        assert!(out.contains(&user), "{out}");
                    }
                    assert!(!out.contains(SECRET_KEY));
                    counts[status as usize].fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("no thread panicked");
    }
    let count = |s: mx_status| counts[s as usize].load(Ordering::Relaxed);
    let total = THREADS * CALLS;
    let failing: usize = injected
        .iter()
        .filter(|(_, _, s)| *s != mx_status::MX_OK)
        .map(|(_, n, _)| *n as usize)
        .sum();
    assert_eq!(count(mx_status::MX_ERR_HTTP), 500);
    assert_eq!(count(mx_status::MX_ERR_RESPONSE), 250);
    assert_eq!(count(mx_status::MX_OK), total - failing);
    assert_eq!(
        counts
            .iter()
            .map(|c| c.load(Ordering::Relaxed))
            .sum::<usize>(),
        total
    );
    assert_eq!(
        emu.stats().requests as usize,
        total,
        "every call is one request"
    );
    assert_eq!(emu.stats().faults_pending, 0);
    // The last write of each thread was ENABLED (calls alternate, CALLS is even).
    for user in &users {
        assert_eq!(emu.get_user(user).unwrap()["status"]["name"], "ENABLED");
    }
}

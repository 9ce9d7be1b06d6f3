//! `mx-sso batch` through a proxy that refuses the credentials: a tiny fake proxy in the test
//! answers every CONNECT with 407 and counts them. The batch stops at the first refusal (a
//! wrong password sent once per row could lock the bank's proxy account): at most
//! `--concurrency` CONNECTs for 50 rows, every row either reported or left to `--resume`, and
//! the password in no output.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::{
    applied, batch_args, command, emulator, logged, op_args, report_by_line, seed_users, users_csv,
    Run, Scratch,
};

/// The proxy password of this test: it may appear in no output.
const PROXY_PASSWORD: &str = "PROXY-SECRET-PASSWORD-77";

/// A proxy on a free port answering every request with 407; its port and the CONNECT count.
fn refusing_proxy() -> (u16, Arc<AtomicUsize>) {
    proxy_refusing_after(0)
}

/// A proxy on a free port that opens a tunnel for its first `tunnels` CONNECTs and answers
/// every later request with 407 (as a proxy does when an account is locked mid-run); its port
/// and the CONNECT count.
fn proxy_refusing_after(tunnels: usize) -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().unwrap().port();
    let connects = Arc::new(AtomicUsize::new(0));
    let counted = connects.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let counted = counted.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut first = String::new();
                if reader.read_line(&mut first).is_err() {
                    return;
                }
                let number = if first.starts_with("CONNECT ") {
                    counted.fetch_add(1, Ordering::SeqCst)
                } else {
                    usize::MAX
                };
                let mut header = String::new();
                while reader.read_line(&mut header).is_ok_and(|n| n > 0) && header != "\r\n" {
                    header.clear();
                }
                if number < tunnels {
                    let target = first.split_whitespace().nth(1).unwrap_or("").to_string();
                    let Ok(mut upstream) = std::net::TcpStream::connect(target) else {
                        return;
                    };
                    let _ = stream.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
                    let mut to_upstream = upstream.try_clone().unwrap();
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut reader, &mut to_upstream);
                        let _ = to_upstream.shutdown(std::net::Shutdown::Write);
                    });
                    let _ = std::io::copy(&mut upstream, &mut stream);
                    let _ = stream.shutdown(std::net::Shutdown::Both);
                    return;
                }
                let _ = stream.write_all(
                    b"HTTP/1.1 407 Proxy Authentication Required\r\n\
                      Proxy-Authenticate: Basic realm=\"bank\"\r\n\
                      Content-Length: 0\r\nConnection: close\r\n\r\n",
                );
            });
        }
    });
    (port, connects)
}

fn run_with_options(
    emu: &mx_sso_emulator::Emulator,
    options: &std::path::Path,
    args: &[&str],
) -> Run {
    let mut full = vec!["--options", options.to_str().unwrap()];
    full.extend_from_slice(args);
    let run = Run::from_output(command(emu, &full).output().expect("run mx-sso"));
    assert!(
        !run.stdout.contains(PROXY_PASSWORD) && !run.stderr.contains(PROXY_PASSWORD),
        "the proxy password in the output:\n{}\n{}",
        run.stdout,
        run.stderr
    );
    run
}

#[test]
fn a_proxy_refusing_the_password_stops_the_batch_at_once() {
    let emu = emulator();
    seed_users(&emu, 50);
    let (port, connects) = refusing_proxy();
    let scratch = Scratch::new("proxy-refused");
    let input = scratch.file("users.csv", users_csv(50, None));
    let report = scratch.path("report.jsonl");
    let wrong = scratch.file(
        "wrong.json",
        format!(r#"{{"proxy": "http://bank:{PROXY_PASSWORD}@127.0.0.1:{port}"}}"#),
    );
    let concurrency = 4;
    let stopped = run_with_options(
        &emu,
        &wrong,
        &batch_args(&input, &report, &["--concurrency", "4"]),
    );
    let made = connects.load(Ordering::SeqCst);
    assert!(
        (1..=concurrency).contains(&made),
        "{made} CONNECTs for 50 rows: one wrong password per row in flight at most\n{}\n{}",
        stopped.stdout,
        stopped.stderr
    );
    assert_eq!(stopped.code, 1, "{}\n{}", stopped.stdout, stopped.stderr);
    assert!(
        stopped.stderr.contains("refused the credentials")
            && stopped.stderr.contains("Fix the proxy setting")
            && stopped.stderr.contains("--resume"),
        "{}",
        stopped.stderr
    );
    assert_eq!(
        stopped
            .stderr
            .matches("407 Proxy Authentication Required")
            .count(),
        1,
        "the refusal is printed once: {}",
        stopped.stderr
    );
    // Every row sent was refused on its first attempt: none is reported, so the report holds
    // no proxy message (the password check on one is in the next test).
    let reported = report_by_line(&report);
    assert!(
        reported.is_empty(),
        "the proxy's refusals are left to --resume: {reported:?}"
    );
    assert!(
        stopped.stdout.contains("; 0 sent in"),
        "nothing reached MX: {}",
        stopped.stdout
    );
    assert!(
        stopped
            .stdout
            .contains("stopped: 50 row(s) not in the report yet"),
        "{}",
        stopped.stdout
    );
    assert!(
        emu.request_log().is_empty(),
        "nothing reached MX through the refusing proxy"
    );

    // The proxy setting fixed (here: no proxy), --resume sends every row left and no other.
    let fixed = scratch.file("fixed.json", r#"{"proxy": ""}"#);
    let resumed = run_with_options(
        &emu,
        &fixed,
        &batch_args(&input, &report, &["--concurrency", "4", "--resume"]),
    );
    assert_eq!(resumed.code, 0, "{}\n{}", resumed.stdout, resumed.stderr);
    let lines = report_by_line(&report);
    assert_eq!(lines.len(), 50, "every row accounted for");
    assert!(lines.values().all(|l| l["outcome"] == "MX_OK"), "{lines:?}");
    assert_eq!(
        connects.load(Ordering::SeqCst),
        made,
        "no CONNECT after the fix"
    );
}

#[test]
fn a_refusal_after_a_sent_attempt_reports_the_row_failed_and_stops() {
    // The row's create goes through the tunnel and MX applies it, but the answer is lost; the
    // read-back's new CONNECT is refused. MX has acted, so the row is reported (failed), not
    // left to --resume (which would create it again), and the run stops there. With one row,
    // every refused row is reported, and the refusal must still reach standard error.
    for rows in ["new-user-1\nnew-user-2\n", "new-user-1\n"] {
        a_refusal_after_a_sent_attempt(&format!("external_user_guid\n{rows}"));
    }
}

fn a_refusal_after_a_sent_attempt(csv: &str) {
    let emu = emulator();
    emu.push_targeted_fault(
        mx_sso_emulator::Fault::ProcessThenClose,
        Some("POST"),
        Some("/user"),
        1,
    );
    let (port, connects) = proxy_refusing_after(1);
    let scratch = Scratch::new("proxy-refused-late");
    let input = scratch.file("new.csv", csv);
    let report = scratch.path("report.jsonl");
    let options = scratch.file(
        "proxy.json",
        format!(r#"{{"proxy": "http://bank:{PROXY_PASSWORD}@127.0.0.1:{port}"}}"#),
    );
    let args = op_args(&input, "user.create", &report, &["--concurrency", "1"]);
    let stopped = run_with_options(&emu, &options, &args);
    assert_eq!(stopped.code, 1, "{}\n{}", stopped.stdout, stopped.stderr);
    assert_eq!(connects.load(Ordering::SeqCst), 2, "{}", stopped.stderr);
    assert_eq!(
        stopped
            .stderr
            .matches("407 Proxy Authentication Required")
            .count(),
        1,
        "the refusal, once: {}",
        stopped.stderr
    );
    let reported = report_by_line(&report);
    assert_eq!(
        reported.len(),
        1,
        "only the row that reached MX: {reported:?}"
    );
    assert_eq!(reported[&2]["id"], "new-user-1");
    assert_eq!(reported[&2]["outcome"], "MX_ERR_TRANSPORT");
    assert_eq!(reported[&2]["attempts"], 2);
    // The row's message is the proxy's refusal, which names the proxy: never its password.
    let message = reported[&2]["message"].as_str().unwrap_or_default();
    assert!(message.contains("refused the credentials"), "{message}");
    let text = std::fs::read_to_string(&report).unwrap();
    assert!(!text.contains(PROXY_PASSWORD), "the password in the report");
    assert_eq!(emu.request_log().len(), 1, "MX saw the create only");
    assert!(
        emu.get_user("new-user-1").is_some(),
        "the create was applied"
    );
}

#[test]
fn a_row_sent_again_after_a_server_wait_then_refused_is_left_to_resume() {
    // The row's first call goes through the tunnel, and MX answers 503 with a Retry-After
    // longer than the call has left: MX processed nothing, and the row is sent again after
    // the pause. The emulator closes the idle connection meanwhile, so the re-send opens a new
    // tunnel, whose CONNECT is refused: the first request of that call. No request of the row
    // had an effect at MX, so it is left to --resume, not reported failed.
    let emu = mx_sso_emulator::Emulator::start(mx_sso_emulator::Config {
        api_key: common::SECRET_KEY.into(),
        idle_timeout: std::time::Duration::from_millis(500),
        ..mx_sso_emulator::Config::default()
    })
    .expect("emulator starts");
    seed_users(&emu, 1);
    // 2 s: more than the 2 s deadline has left once the call has started, and no more than a
    // pause may last (timeout_ms), so the run pauses rather than stops.
    emu.push_fault(mx_sso_emulator::Fault::status_retry_after(503, "2"));
    let (port, connects) = proxy_refusing_after(1);
    let scratch = Scratch::new("proxy-refused-resent");
    let input = scratch.file("users.csv", users_csv(1, None));
    let report = scratch.path("report.jsonl");
    let options = scratch.file(
        "proxy.json",
        format!(
            r#"{{"timeout_ms": 2000, "proxy": "http://bank:{PROXY_PASSWORD}@127.0.0.1:{port}"}}"#
        ),
    );
    let stopped = run_with_options(
        &emu,
        &options,
        &batch_args(&input, &report, &["--concurrency", "1"]),
    );
    assert_eq!(stopped.code, 1, "{}\n{}", stopped.stdout, stopped.stderr);
    assert_eq!(connects.load(Ordering::SeqCst), 2, "{}", stopped.stderr);
    assert!(
        stopped.stderr.contains("refused the credentials"),
        "{}",
        stopped.stderr
    );
    let reported = report_by_line(&report);
    assert!(reported.is_empty(), "left to --resume: {reported:?}");
    assert!(stopped.stdout.contains("; 0 sent in"), "{}", stopped.stdout);
    let log = emu.request_log();
    assert_eq!(log.len(), 1, "MX saw the 503'd request only: {log:?}");
    assert_eq!(log[0].status, Some(503));

    let fixed = scratch.file("fixed.json", r#"{"proxy": ""}"#);
    let resumed = run_with_options(&emu, &fixed, &batch_args(&input, &report, &["--resume"]));
    assert_eq!(resumed.code, 0, "{}\n{}", resumed.stdout, resumed.stderr);
    assert_eq!(report_by_line(&report)[&2]["outcome"], "MX_OK");
    assert_eq!(
        applied(&logged(&emu.request_log(), "PUT", "/user/bank-user-1")),
        1
    );
}

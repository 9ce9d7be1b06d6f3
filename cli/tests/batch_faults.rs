//! `mx-sso batch` against the emulator with its faults: 503 bursts, 429 with Retry-After, lost
//! answers (process_then_close), latency. Each run: one report line per row, the right
//! outcomes, and the emulator's log shows every row applied once (a lost answer's re-send
//! aside) and nothing else.

mod common;

use std::time::Duration;

#[cfg(unix)]
use common::run_or_kill_after;
use common::{
    applied, batch, batch_args, emulator, logged, op_args, report_by_line, run, seed_users,
    users_csv, Scratch,
};
use mx_sso_emulator::{Emulator, Fault};

/// Every row of a `bank-user-N` batch of `n` rows was reported OK once and applied once (plus
/// one for each answer the emulator processed and then lost).
fn assert_each_row_applied_once(emu: &Emulator, report: &std::path::Path, n: usize) {
    let lines = report_by_line(report);
    assert_eq!(lines.len(), n, "one report line per row");
    let log = emu.request_log();
    for i in 1..=n {
        let line = &lines[&(i as u64 + 1)];
        assert_eq!(line["id"], format!("bank-user-{i}"));
        assert_eq!(line["outcome"], "MX_OK", "{line}");
        assert_eq!(line["http_status"], 200, "{line}");
        assert!(line["message"].is_null());
        let requests = logged(&log, "PUT", &format!("/user/bank-user-{i}"));
        let lost = requests
            .iter()
            .filter(|r| matches!(r.outcome, mx_sso_emulator::Outcome::ProcessedNoAnswer))
            .count();
        assert_eq!(applied(&requests), 1 + lost, "row {i}: {requests:?}");
        assert_eq!(
            line["attempts"].as_u64(),
            Some(requests.len() as u64),
            "{line}"
        );
        assert_eq!(
            emu.get_user(&format!("bank-user-{i}")).unwrap()["status"]["name"],
            "DISABLED"
        );
    }
}

#[test]
fn a_clean_run_reports_every_row_once_and_exits_0() {
    let emu = emulator();
    seed_users(&emu, 300);
    let scratch = Scratch::new("clean");
    let input = scratch.file("users.csv", users_csv(300, None));
    let report = scratch.path("report.jsonl");
    let done = batch(&emu, &input, &report, &["--concurrency", "8"]);
    assert_eq!(done.code, 0, "{}\n{}", done.stdout, done.stderr);
    assert!(
        done.stdout.contains("MX_OK") && done.stdout.contains("300"),
        "{}",
        done.stdout
    );
    assert_each_row_applied_once(&emu, &report, 300);
    assert_eq!(emu.stats().requests, 300);
    // Without a terminal, the progress display ends with its last line, before the summary.
    let last = done.stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("mx-sso batch: 300/300 rows (100%)") && last.contains("ended after"),
        "{}",
        done.stderr
    );
}

#[test]
fn bursts_of_503_retry_after_429_lost_answers_and_latency_still_apply_each_row_once() {
    let emu = emulator();
    seed_users(&emu, 200);
    let scratch = Scratch::new("faults");
    let input = scratch.file("users.csv", users_csv(200, None));
    let report = scratch.path("report.jsonl");
    // Enough retries for a row that meets several faults in a row.
    let options = scratch.file("options.json", r#"{"max_retries": 8}"#);
    emu.push_fault_times(Fault::status(503), 6);
    emu.push_fault(Fault::status_retry_after(429, "1"));
    emu.push_fault_times(Fault::Delay { ms: 20 }, 40);
    emu.push_fault_times(Fault::status(503), 4);
    // Answers lost after the update was applied, each on a connection in use for a while (a
    // connection closed at once on a new connection is what MX does to a bad key: not retried).
    for row in [50, 100, 150] {
        let path = format!("/user/bank-user-{row}");
        emu.push_targeted_fault(Fault::ProcessThenClose, Some("PUT"), Some(&path), 1);
    }
    let done = batch(
        &emu,
        &input,
        &report,
        &["--concurrency", "4", "--options", options.to_str().unwrap()],
    );
    assert_eq!(done.code, 0, "{}\n{}", done.stdout, done.stderr);
    assert!(
        done.stderr.contains("Retry-After"),
        "the pause is announced: {}",
        done.stderr
    );
    assert_each_row_applied_once(&emu, &report, 200);
    assert!(emu.pending_faults().is_empty());
    let log = emu.request_log();
    assert_eq!(
        log.len(),
        200 + 6 + 1 + 3 + 4,
        "one re-send per fault, nothing else"
    );
}

/// How many requests the emulator answered after the first 429 and before that row's re-send.
fn requests_during_the_pause(emu: &Emulator) -> usize {
    let log = emu.request_log();
    let first = log
        .iter()
        .position(|r| r.status == Some(429))
        .expect("the 429");
    log.iter()
        .skip(first + 1)
        .position(|r| r.path == log[first].path)
        .expect("the re-send")
}

#[test]
fn a_retry_after_pauses_every_worker_not_only_the_one_that_got_it() {
    let emu = emulator();
    seed_users(&emu, 100);
    let scratch = Scratch::new("pause");
    let input = scratch.file("users.csv", users_csv(100, None));
    let report = scratch.path("report.jsonl");
    // 100 ms per request after the 429: the other workers are still in flight when the pause
    // is set, however the threads are scheduled.
    emu.push_fault(Fault::status_retry_after(429, "1"));
    emu.push_fault_times(Fault::Delay { ms: 100 }, 1_000);
    let done = batch(&emu, &input, &report, &["--concurrency", "4"]);
    assert_eq!(done.code, 0, "{}", done.stderr);
    assert_each_row_applied_once(&emu, &report, 100);
    // Without a shared pause, the three other workers would send about a hundred rows during
    // the second that the first one waits; with it, only the three in flight finish before the
    // re-send, and at most three more start with it when the pause ends.
    let during = requests_during_the_pause(&emu);
    assert!(during <= 12, "{during} requests went out during the pause");
}

#[test]
fn a_retry_after_pauses_the_workers_waiting_for_their_rate_turn() {
    let emu = emulator();
    seed_users(&emu, 12);
    let scratch = Scratch::new("pause-rate");
    let input = scratch.file("users.csv", users_csv(12, None));
    let report = scratch.path("report.jsonl");
    emu.push_fault(Fault::status_retry_after(429, "2"));
    let done = batch(
        &emu,
        &input,
        &report,
        &["--concurrency", "8", "--rate", "5"],
    );
    assert_eq!(done.code, 0, "{}", done.stderr);
    assert_each_row_applied_once(&emu, &report, 12);
    // The 429 is the first request. Workers queued for a --rate turn that would start during
    // the pause must wait for it: without that, about ten rows would go out during the two
    // seconds (one every 200 ms); with it, only the turn due when the pause ends can beat the
    // re-send.
    let during = requests_during_the_pause(&emu);
    assert!(during <= 3, "{during} requests went out during the pause");
}

#[cfg(unix)]
#[test]
fn a_retry_after_longer_than_a_pause_may_last_stops_the_run_and_resume_sends_the_rest() {
    let emu = emulator();
    seed_users(&emu, 20);
    let scratch = Scratch::new("too-long");
    let input = scratch.file("users.csv", users_csv(20, None));
    let report = scratch.path("report.jsonl");
    emu.push_fault(Fault::status_retry_after(503, "99999999999"));
    let args = batch_args(&input, &report, &["--concurrency", "2"]);
    let stopped = run_or_kill_after(&emu, &args, Duration::from_secs(60));
    assert_eq!(stopped.code, 1, "{}\n{}", stopped.stdout, stopped.stderr);
    assert!(
        stopped.stderr.contains("MX asked to wait") && stopped.stderr.contains("--resume"),
        "{}",
        stopped.stderr
    );
    // The row that got the 503 is not reported: MX processed nothing, --resume sends it.
    // The two workers' first requests race, so the 503 need not be the first entry logged.
    let log = emu.request_log();
    let refusals: Vec<_> = log.iter().filter(|r| r.status == Some(503)).collect();
    assert_eq!(refusals.len(), 1, "{log:?}");
    let refused = refusals[0].path.clone();
    let first = report_by_line(&report);
    assert!(first.len() < 20, "stopped early: {}", first.len());
    assert!(
        first.values().all(|line| line["outcome"] == "MX_OK"
            && format!("/user/{}", line["id"].as_str().unwrap()) != refused),
        "{first:?}"
    );
    // The summary counts as sent the rows in the report, not the one MX refused to process.
    assert!(
        stopped
            .stdout
            .contains(&format!("; {} sent in", first.len())),
        "{} in the report:\n{}",
        first.len(),
        stopped.stdout
    );

    let resumed = run(&emu, &[&args[..], &["--resume"]].concat());
    assert_eq!(resumed.code, 0, "{}\n{}", resumed.stdout, resumed.stderr);
    let lines = report_by_line(&report);
    assert_eq!(lines.len(), 20);
    let log = emu.request_log();
    for i in 1..=20 {
        assert_eq!(lines[&(i + 1)]["outcome"], "MX_OK");
        let requests = logged(&log, "PUT", &format!("/user/bank-user-{i}"));
        assert_eq!(applied(&requests), 1, "row {i}: {requests:?}");
    }
}

#[test]
fn a_row_whose_retry_after_outlasts_its_deadline_is_sent_again_after_the_pause() {
    let emu = emulator();
    seed_users(&emu, 3);
    let scratch = Scratch::new("outlasted");
    let input = scratch.file("users.csv", users_csv(3, None));
    let report = scratch.path("report.jsonl");
    // The first row's call waits out the first 1 s Retry-After; the second one asks for more
    // than the 1.5 s deadline has left, so the call gives up without waiting, and MX has
    // processed nothing: the row is sent again once the pause it set is over.
    let options = scratch.file("options.json", r#"{"timeout_ms": 1500}"#);
    emu.push_fault_times(Fault::status_retry_after(503, "1"), 2);
    let done = batch(
        &emu,
        &input,
        &report,
        &["--concurrency", "1", "--options", options.to_str().unwrap()],
    );
    assert_eq!(done.code, 0, "{}\n{}", done.stdout, done.stderr);
    assert_each_row_applied_once(&emu, &report, 3);
    assert_eq!(report_by_line(&report)[&2]["attempts"], 3);
}

#[test]
fn rows_that_fail_are_reported_with_their_error_and_exit_1() {
    let emu = emulator();
    seed_users(&emu, 3);
    let scratch = Scratch::new("failing");
    let input = scratch.file("users.csv", "id\nbank-user-1\nnobody\nbank-user-3\n");
    let report = scratch.path("report.jsonl");
    let done = batch(&emu, &input, &report, &[]);
    assert_eq!(done.code, 1, "{}", done.stderr);
    assert!(done.stdout.contains("MX_ERR_HTTP"), "{}", done.stdout);
    let lines = report_by_line(&report);
    assert_eq!(lines.len(), 3);
    let failed = &lines[&3];
    assert_eq!(failed["id"], "nobody");
    assert_eq!(failed["outcome"], "MX_ERR_HTTP");
    assert_eq!(failed["http_status"], 400);
    assert_eq!(failed["attempts"], 1);
    assert!(
        failed["message"].as_str().unwrap().contains("not found"),
        "{failed}"
    );
}

#[test]
fn a_rated_run_applies_every_row_once() {
    // How --rate spaces the starts is checked by the pacer's unit tests, on a fake clock.
    let emu = emulator();
    seed_users(&emu, 12);
    let scratch = Scratch::new("rate");
    let input = scratch.file("users.csv", users_csv(12, None));
    let report = scratch.path("report.jsonl");
    let done = batch(
        &emu,
        &input,
        &report,
        &["--concurrency", "8", "--rate", "20"],
    );
    assert_eq!(done.code, 0, "{}", done.stderr);
    assert!(
        done.stderr.contains("mx-sso batch: 12/12 rows"),
        "{}",
        done.stderr
    );
    assert_each_row_applied_once(&emu, &report, 12);
}

#[test]
fn jsonl_rows_and_other_operations() {
    let emu = emulator();
    seed_users(&emu, 2);
    let scratch = Scratch::new("jsonl");
    let input = scratch.file(
        "create.jsonl",
        "{\"body\": {\"external_user_guid\": \"new-1\", \"email\": \"n1@bank.example\"}}\n\
         \n\
         {\"body\": {\"external_user_guid\": \"new-2\"}}\r\n",
    );
    let report = scratch.path("create.jsonl.report");
    let done = run(&emu, &op_args(&input, "user.create", &report, &[]));
    assert_eq!(done.code, 0, "{}", done.stderr);
    let lines = report_by_line(&report);
    assert_eq!(
        (lines[&1]["id"].as_str(), lines[&3]["id"].as_str()),
        (Some("new-1"), Some("new-2"))
    );
    assert_eq!(emu.get_user("new-1").unwrap()["email"], "n1@bank.example");

    let input = scratch.file("delete.csv", "id\nbank-user-1\nbank-user-2\n");
    let report = scratch.path("delete.jsonl");
    let done = run(&emu, &op_args(&input, "user.delete", &report, &[]));
    assert_eq!(done.code, 0, "{}", done.stderr);
    assert!(emu.get_user("bank-user-1").is_none() && emu.get_user("bank-user-2").is_none());
    assert_eq!(report_by_line(&report)[&2]["http_status"], 204);
}

/// On a terminal (a pseudo-terminal from util-linux's script(1), whose flags BSD's lacks): the
/// bar shows whole rows a second, and its last line is ended before the summary starts.
#[cfg(target_os = "linux")]
#[test]
fn on_a_terminal_the_bar_ends_its_line_and_shows_whole_rates() {
    use std::process::Command;
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: no script(1) to make a terminal");
        return;
    }
    let emu = emulator();
    seed_users(&emu, 20);
    let scratch = Scratch::new("terminal");
    let input = scratch.file("users.csv", users_csv(20, None));
    let report = scratch.path("report.jsonl");
    let line = format!(
        "{} batch {} --op user.update --status DISABLED --report {}",
        common::BIN,
        input.display(),
        report.display()
    );
    // The environment of every other run (common::command), under a terminal.
    let mut script = Command::new("script");
    for (name, value) in common::command(&emu, &[]).get_envs() {
        match value {
            Some(value) => script.env(name, value),
            None => script.env_remove(name),
        };
    }
    let out = script
        .args(["-qec", &line, "/dev/null"])
        .env("TERM", "xterm")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("script runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains(common::SECRET_KEY));
    assert!(text.contains("rows/s ·"), "no bar: {text:?}");
    for (at, _) in text.match_indices("/s") {
        assert!(
            text[..at].ends_with("rows"),
            "a rate that is not whole rows a second: {:?}",
            &text[at.saturating_sub(20)..at + 2]
        );
    }
    let summary = text.find("mx-sso batch: 20 row(s)").expect("the summary");
    assert!(
        text[..summary].ends_with('\n'),
        "the summary starts on the bar's line: {:?}",
        &text[summary.saturating_sub(40)..summary]
    );
}

#[test]
fn a_create_mx_may_have_processed_is_reported_not_left_to_resume() {
    let emu = emulator();
    let scratch = Scratch::new("create-503");
    // Without an external guid (lenient mode) nothing can tell a re-sent create from a second
    // user. Its POST is answered 503 with a wait no pause may last: the run stops, and the row,
    // which MX may have processed (as the library reads a 503 to a create), is reported failed
    // rather than left for --resume to send again.
    let input = scratch.file(
        "create.jsonl",
        "{\"body\": {\"email\": \"a@bank.example\"}}\n",
    );
    let options = scratch.file("options.json", r#"{"strict_fields": false}"#);
    let report = scratch.path("report.jsonl");
    emu.push_targeted_fault(
        Fault::status_retry_after(503, "99999"),
        Some("POST"),
        Some("/user"),
        1,
    );
    let done = run(
        &emu,
        &op_args(
            &input,
            "user.create",
            &report,
            &["--options", options.to_str().unwrap()],
        ),
    );
    assert_eq!(done.code, 1, "{}\n{}", done.stdout, done.stderr);
    let lines = report_by_line(&report);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[&1]["outcome"], "MX_ERR_HTTP", "{lines:?}");
    assert_eq!(lines[&1]["http_status"], 503, "{lines:?}");
    assert_eq!(logged(&emu.request_log(), "POST", "/user").len(), 1);
}

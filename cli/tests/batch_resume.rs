//! Interrupting a batch and resuming it: Ctrl-C (SIGINT) lets the rows in flight finish and be
//! reported and exits 130; `--resume` sends the rest; every row ends in the report exactly once
//! and was applied exactly once. A report cut off by a kill mid-line, or one that belongs to
//! another file, is handled.

mod common;

use std::time::{Duration, Instant};

use common::{
    applied, batch, batch_args, command, emulator, logged, op_args, report_by_line, run,
    seed_users, users_csv, Run, Scratch,
};
use mx_sso_emulator::Fault;

#[cfg(unix)]
#[test]
fn sigint_then_resume_applies_and_reports_every_row_exactly_once() {
    let emu = emulator();
    seed_users(&emu, 120);
    let scratch = Scratch::new("sigint");
    let input = scratch.file("users.csv", users_csv(120, None));
    let report = scratch.path("report.jsonl");
    // 100 ms per request: four workers need about three seconds for the file, so the
    // interrupt comes well before its end even on a loaded machine.
    emu.push_fault_times(Fault::Delay { ms: 100 }, 1_000);
    let args = batch_args(&input, &report, &["--concurrency", "4"]);
    let child = command(&emu, &args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::fs::read_to_string(&report).map_or(0, |t| t.lines().count()) < 20 {
        assert!(Instant::now() < deadline, "the batch did not start");
        std::thread::sleep(Duration::from_millis(5));
    }
    // SAFETY: kill(2) on our own child's pid.
    assert_eq!(
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) },
        0
    );
    let stopped = Run::from_output(child.wait_with_output().unwrap());
    assert_eq!(stopped.code, 130, "{}\n{}", stopped.stdout, stopped.stderr);
    assert!(stopped.stdout.contains("--resume"), "{}", stopped.stdout);
    let first = report_by_line(&report);
    assert!(
        first.len() < 120,
        "interrupted before the end: {}",
        first.len()
    );
    // Every row whose request went out was finished and reported: the emulator saw no row the
    // report lacks.
    let log = emu.request_log();
    assert_eq!(log.len(), first.len(), "sent = reported");

    let resumed = run(&emu, &[&args[..], &["--resume"]].concat());
    assert_eq!(resumed.code, 0, "{}\n{}", resumed.stdout, resumed.stderr);
    assert!(
        resumed.stdout.contains("already done"),
        "{}",
        resumed.stdout
    );
    let lines = report_by_line(&report);
    assert_eq!(lines.len(), 120);
    let log = emu.request_log();
    assert_eq!(log.len(), 120, "no row sent twice");
    for i in 1..=120u64 {
        assert_eq!(lines[&(i + 1)]["outcome"], "MX_OK");
        let requests = logged(&log, "PUT", &format!("/user/bank-user-{i}"));
        assert_eq!(applied(&requests), 1, "row {i}");
    }
}

#[cfg(unix)]
#[test]
fn one_ctrl_c_while_a_server_wait_stops_the_run_still_lets_the_rows_in_flight_finish() {
    use std::io::{BufRead, BufReader};
    let emu = emulator();
    seed_users(&emu, 10);
    let scratch = Scratch::new("wait-then-sigint");
    let input = scratch.file("users.csv", users_csv(10, None));
    let report = scratch.path("report.jsonl");
    // One row is in flight for 2 s, the other gets a wait no pause may last (the run stops).
    // The delay goes first: the stop then comes while the delayed row is surely out.
    emu.push_fault(Fault::Delay { ms: 2_000 });
    emu.push_fault(Fault::status_retry_after(503, "99999"));
    let mut child = command(&emu, &batch_args(&input, &report, &["--concurrency", "2"]))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    while !seen.contains("stopping after the rows in flight") {
        assert!(
            stderr.read_line(&mut seen).unwrap() > 0,
            "no stop announced: {seen}"
        );
    }
    // SAFETY: kill(2) on our own child's pid.
    assert_eq!(
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) },
        0
    );
    let status = child.wait().unwrap();
    // A first Ctrl-C is not a second one: the row in flight finishes and is reported.
    assert_eq!(status.code(), Some(1), "{seen}");
    let lines = report_by_line(&report);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(emu.stats().requests, 2);
}

#[test]
fn a_last_line_cut_off_by_a_kill_is_dropped_and_its_row_sent_again() {
    let emu = emulator();
    seed_users(&emu, 5);
    let scratch = Scratch::new("torn");
    let input = scratch.file("users.csv", users_csv(5, None));
    // Rows 1 and 2 done; row 3's line cut off in the middle of its write.
    let report = scratch.file(
        "report.jsonl",
        "{\"line\":2,\"id\":\"bank-user-1\",\"outcome\":\"MX_OK\",\"http_status\":200,\"attempts\":1,\"elapsed_ms\":1,\"message\":null}\n\
         {\"line\":3,\"id\":\"bank-user-2\",\"outcome\":\"MX_OK\",\"http_status\":200,\"attempts\":1,\"elapsed_ms\":1,\"message\":null}\n\
         {\"line\":4,\"id\":\"bank-user-3\",\"outc",
    );
    let done = batch(&emu, &input, &report, &["--resume"]);
    assert_eq!(done.code, 0, "{}\n{}", done.stdout, done.stderr);
    assert!(done.stderr.contains("cut off"), "{}", done.stderr);
    let lines = report_by_line(&report);
    assert_eq!(lines.keys().copied().collect::<Vec<_>>(), [2, 3, 4, 5, 6]);
    let log = emu.request_log();
    assert_eq!(log.len(), 3, "rows 3, 4 and 5 sent");
    assert_eq!(logged(&log, "PUT", "/user/bank-user-3").len(), 1);

    // A whole last line without its line end is kept (and the next line starts on its own).
    let report = scratch.file(
        "whole.jsonl",
        "{\"line\":2,\"id\":\"bank-user-1\",\"outcome\":\"MX_OK\",\"http_status\":200,\"attempts\":1,\"elapsed_ms\":1,\"message\":null}",
    );
    let done = batch(&emu, &input, &report, &["--resume"]);
    assert_eq!(done.code, 0, "{}", done.stderr);
    assert_eq!(report_by_line(&report).len(), 5);
    assert_eq!(emu.request_log().len(), 3 + 4);
}

#[cfg(unix)]
#[test]
fn a_report_write_that_fails_half_way_leaves_whole_lines_and_resume_completes_it() {
    use std::os::unix::process::CommandExt;
    let emu = emulator();
    seed_users(&emu, 30);
    let scratch = Scratch::new("disk-full");
    let input = scratch.file("users.csv", users_csv(30, None));
    let report = scratch.path("report.jsonl");
    let args = batch_args(&input, &report, &["--concurrency", "2"]);
    // A file size limit of 1000 bytes fails a write half-way through the tenth line or so, as
    // a full disk does (write(2) writes what fits, then EFBIG).
    let mut limited = command(&emu, &args);
    // SAFETY: setrlimit and signal are async-signal-safe; the closure allocates nothing.
    unsafe {
        limited.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: 1000,
                rlim_max: 1000,
            };
            libc::setrlimit(libc::RLIMIT_FSIZE, &limit);
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            Ok(())
        });
    }
    let full = Run::from_output(limited.output().unwrap());
    assert_eq!(full.code, 1, "{}\n{}", full.stdout, full.stderr);
    assert!(
        full.stderr.contains("cannot write the report"),
        "{}",
        full.stderr
    );
    // Whole lines only (common::report refuses a cut-off last line).
    let first = report_by_line(&report);
    assert!(!first.is_empty() && first.len() < 30, "{}", first.len());

    let resumed = run(&emu, &[&args[..], &["--resume"]].concat());
    assert_eq!(resumed.code, 0, "{}\n{}", resumed.stdout, resumed.stderr);
    let lines = report_by_line(&report);
    assert_eq!(lines.len(), 30);
    assert!(lines.values().all(|line| line["outcome"] == "MX_OK"));
}

#[cfg(unix)]
#[test]
fn a_report_in_use_by_another_run_is_refused() {
    use std::os::unix::io::AsRawFd;
    let emu = emulator();
    seed_users(&emu, 3);
    let scratch = Scratch::new("locked");
    let input = scratch.file("users.csv", users_csv(3, None));
    let report = scratch.file(
        "report.jsonl",
        "{\"line\":2,\"id\":\"bank-user-1\",\"outcome\":\"MX_OK\",\"http_status\":200,\"attempts\":1,\"elapsed_ms\":1,\"message\":null}\n",
    );
    let args = batch_args(&input, &report, &["--resume"]);
    // Another run holds the report (as a running mx-sso batch does).
    let other = std::fs::File::open(&report).unwrap();
    // SAFETY: flock(2) on a descriptor `other` keeps open.
    let locked = unsafe { libc::flock(other.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    assert_eq!(locked, 0);
    let refused = run(&emu, &args);
    assert_eq!(refused.code, 2, "{}\n{}", refused.stdout, refused.stderr);
    assert!(refused.stderr.contains("in use"), "{}", refused.stderr);
    assert_eq!(emu.stats().requests, 0);
    assert_eq!(report_by_line(&report).len(), 1);
    // A dry run only reads the report: it counts the rows done, also while a run holds it.
    let dry = run(&emu, &[&args[..], &["--dry-run"]].concat());
    assert_eq!(dry.code, 0, "{}\n{}", dry.stdout, dry.stderr);
    assert!(
        dry.stdout
            .contains("2 ready to send, 0 bad, 1 already in the report"),
        "{}",
        dry.stdout
    );
    assert_eq!(emu.stats().requests, 0);

    drop(other);
    let done = run(&emu, &args);
    assert_eq!(done.code, 0, "{}\n{}", done.stdout, done.stderr);
    assert_eq!(report_by_line(&report).len(), 3);
}

/// Runs a batch over 1,000 rows of about 170 bytes, with the first request slowed down, and
/// rewrites the input with `change(rows)` while that request is out (the reader, held back by
/// the queue, has read only the first 64 KiB or so). The report's lines, and the run.
fn run_while_the_file_changes(change: impl FnOnce(&mut Vec<String>)) -> (Vec<u64>, Run) {
    let emu = emulator();
    seed_users(&emu, 1_000);
    let scratch = Scratch::new("changed");
    let padding = "a".repeat(150);
    let mut rows: Vec<String> = (1..=1_000)
        .map(|i| format!("bank-user-{i},{padding}\n"))
        .collect();
    let input = scratch.file("users.csv", format!("id,first_name\n{}", rows.concat()));
    let report = scratch.path("report.jsonl");
    emu.push_fault(Fault::Delay { ms: 3_000 });
    let child = command(
        &emu,
        &op_args(&input, "user.update", &report, &["--concurrency", "1"]),
    )
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped())
    .spawn()
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while emu.stats().requests == 0 {
        assert!(Instant::now() < deadline, "the batch did not start");
        std::thread::sleep(Duration::from_millis(5));
    }
    change(&mut rows);
    std::fs::write(&input, format!("id,first_name\n{}", rows.concat())).unwrap();
    let stopped = Run::from_output(child.wait_with_output().unwrap());
    let lines: Vec<u64> = report_by_line(&report).keys().copied().collect();
    assert_eq!(emu.stats().requests, lines.len() as u64, "sent = reported");
    (lines, stopped)
}

#[test]
fn a_file_changed_during_the_run_stops_it_with_every_row_before_the_change_reported() {
    // Row 900 (line 901) becomes a quoted field over two lines whose fields do not line up.
    let (lines, stopped) = run_while_the_file_changes(|rows| {
        rows[899] = "\"bank-user-900\nx\",y,z\n".to_string();
    });
    assert_eq!(stopped.code, 1, "{}\n{}", stopped.stdout, stopped.stderr);
    assert!(
        stopped.stderr.contains(":901:") && stopped.stderr.contains("changed after it was checked"),
        "{}",
        stopped.stderr
    );
    let missing: Vec<u64> = (2..=900).filter(|l| !lines.contains(l)).collect();
    assert!(
        missing.is_empty(),
        "rows before the change not reported: {missing:?}"
    );
    assert_eq!(lines.len(), 899, "and no row after it");
}

#[test]
fn a_file_that_loses_or_gains_rows_during_the_run_stops_it_where_it_differs() {
    // It ends after row 899: the run stops there (exit 1) rather than finish with the lost
    // rows reported nowhere.
    let (lines, shorter) = run_while_the_file_changes(|rows| rows.truncate(899));
    assert_eq!(shorter.code, 1, "{}\n{}", shorter.stdout, shorter.stderr);
    assert!(
        shorter.stderr.contains(":901:") && shorter.stderr.contains("changed after it was checked"),
        "{}",
        shorter.stderr
    );
    assert_eq!(lines, (2..=900).collect::<Vec<u64>>());
    // A row added at the end is not sent: it was never checked.
    let (lines, longer) =
        run_while_the_file_changes(|rows| rows.push("bank-user-1,added\n".to_string()));
    assert_eq!(longer.code, 1, "{}\n{}", longer.stdout, longer.stderr);
    assert!(longer.stderr.contains(":1002:"), "{}", longer.stderr);
    assert_eq!(lines.len(), 1_000);
}

#[test]
fn a_report_of_another_file_is_refused() {
    let emu = emulator();
    seed_users(&emu, 3);
    let scratch = Scratch::new("other");
    let input = scratch.file("users.csv", users_csv(3, None));
    let report = scratch.file(
        "report.jsonl",
        "{\"line\":2,\"id\":\"someone-else\",\"outcome\":\"MX_OK\",\"http_status\":200,\"attempts\":1,\"elapsed_ms\":1,\"message\":null}\n",
    );
    let args = batch_args(&input, &report, &["--resume"]);
    let done = run(&emu, &args);
    assert_eq!(done.code, 2, "{}", done.stderr);
    assert!(done.stderr.contains("another file"), "{}", done.stderr);
    std::fs::write(&report, "not json\n").unwrap();
    assert_eq!(run(&emu, &args).code, 2);
    std::fs::write(&report, "{\"line\":9,\"id\":\"bank-user-8\",\"outcome\":\"MX_OK\",\"http_status\":200,\"attempts\":1,\"elapsed_ms\":1,\"message\":null}\n").unwrap();
    assert_eq!(run(&emu, &args).code, 2);
    assert_eq!(emu.stats().requests, 0);

    // --resume without a report starts one.
    std::fs::remove_file(&report).unwrap();
    let done = run(&emu, &args);
    assert_eq!(done.code, 0, "{}", done.stderr);
    assert_eq!(report_by_line(&report).len(), 3);
}

#[test]
fn a_resume_with_another_operation_or_other_flags_is_refused() {
    let emu = emulator();
    seed_users(&emu, 5);
    let scratch = Scratch::new("resume-op");
    let input = scratch.file("users.csv", users_csv(5, None));
    let report = scratch.path("report.jsonl");
    // Three rows done by a run of `--op user.update --status DISABLED`.
    let first = scratch.file("first.csv", users_csv(3, None));
    let started = batch(&emu, &first, &report, &[]);
    assert_eq!(started.code, 0, "{}", started.stderr);
    let text = std::fs::read_to_string(&report).unwrap();
    assert!(text.contains("\"op\":\"user.update\""), "{text}");
    let requests = emu.stats().requests;

    let other_op = run(
        &emu,
        &op_args(&input, "user.delete", &report, &["--resume"]),
    );
    assert_eq!(other_op.code, 2, "{}\n{}", other_op.stdout, other_op.stderr);
    assert!(
        other_op.stderr.contains("--op user.update")
            && other_op.stderr.contains("this run is --op user.delete"),
        "{}",
        other_op.stderr
    );
    let other_flags = run(
        &emu,
        &op_args(
            &input,
            "user.update",
            &report,
            &["--status", "ENABLED", "--resume"],
        ),
    );
    assert_eq!(other_flags.code, 2, "{}", other_flags.stderr);
    assert!(
        other_flags.stderr.contains("other field flags"),
        "{}",
        other_flags.stderr
    );
    assert_eq!(
        emu.stats().requests,
        requests,
        "nothing sent by a refused resume"
    );
    assert_eq!(
        std::fs::read_to_string(&report).unwrap(),
        text,
        "report untouched"
    );

    // The same command resumes.
    let resumed = batch(&emu, &input, &report, &["--resume"]);
    assert_eq!(resumed.code, 0, "{}", resumed.stderr);
    assert_eq!(report_by_line(&report).len(), 5);
    for i in 1..=5 {
        assert_eq!(
            emu.get_user(&format!("bank-user-{i}")).unwrap()["status"]["name"],
            "DISABLED"
        );
    }
}

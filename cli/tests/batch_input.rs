//! Input files: every row checked before the first is sent. A bad file is refused with each bad
//! line named as an editor numbers it, exit 2, nothing sent and no report written;
//! `--skip-invalid` sends the good rows and reports the bad ones; `--dry-run` sends nothing.
//! Spreadsheet habits (a byte order mark at the start, CRLF line ends, quoted fields over
//! several lines) are read correctly, with the right line numbers.

mod common;

use common::{batch, batch_args, emulator, op_args, report_by_line, run, seed_users, Scratch};
use mx_sso_emulator::Emulator;

/// Runs a batch of `user.update --status DISABLED` over `content`; asserts it was refused with
/// exit 2, nothing sent and no report; returns standard error.
fn refused(emu: &Emulator, name: &str, content: &[u8]) -> String {
    let scratch = Scratch::new("refused");
    let input = scratch.file(name, content);
    let report = scratch.path("report.jsonl");
    let done = batch(emu, &input, &report, &[]);
    assert_eq!(done.code, 2, "{name}: {}\n{}", done.stdout, done.stderr);
    assert!(!report.exists(), "{name}: no report for a refused file");
    assert_eq!(emu.stats().requests, 0, "{name}: nothing was sent");
    done.stderr
}

/// The lines `FILE:N:` named in standard error.
fn named_lines(stderr: &str, name: &str) -> Vec<u64> {
    stderr
        .lines()
        .filter_map(|l| {
            l.split_once(&format!("{name}:"))?
                .1
                .split(':')
                .next()?
                .parse()
                .ok()
        })
        .collect()
}

#[test]
fn bad_csv_quoting_is_named_at_the_line_where_the_quote_opens() {
    let emu = emulator();
    seed_users(&emu, 5);
    let stderr = refused(&emu, "q.csv", b"id,email\nbank-user-1,a@b.example\n\"bank-user-2,b@b.example\nbank-user-3,c@b.example\nbank-user-4,d@b.example\n");
    assert_eq!(named_lines(&stderr, "q.csv"), [3], "{stderr}");
    assert!(stderr.contains("quote"), "{stderr}");
    // A row with a field too many (an unquoted comma) is named too.
    let stderr = refused(
        &emu,
        "c.csv",
        b"id,first_name\nbank-user-1,Ann\nbank-user-2,Smith, John\n",
    );
    assert_eq!(named_lines(&stderr, "c.csv"), [3], "{stderr}");
}

#[test]
fn quotes_the_csv_reader_would_be_lenient_about_refuse_the_file() {
    let emu = emulator();
    seed_users(&emu, 3);
    // Text after a closing quote: read leniently, this row would update `bank-user-2x`.
    let stderr = refused(&emu, "after.csv", b"id\nbank-user-1\n\"bank-user-2\"x\n");
    assert_eq!(named_lines(&stderr, "after.csv"), [3], "{stderr}");
    assert!(
        stderr.contains("column `id`: text after the quote that closes the field"),
        "{stderr}"
    );
    // A quote inside an unquoted field: read leniently, `bank"-user-2` would be sent.
    let stderr = refused(
        &emu,
        "inside.csv",
        b"id\r\nbank-user-1\r\nbank\"-user-2\r\n",
    );
    assert_eq!(named_lines(&stderr, "inside.csv"), [3], "{stderr}");
    assert!(
        stderr.contains("column `id`: a quote inside an unquoted field"),
        "{stderr}"
    );
    // A quote left open in the middle of the file, or in its last row: named where it opens,
    // not as the control character of the line end it swallowed.
    for (name, content) in [
        (
            "open.csv",
            &b"id\nbank-user-1\n\"bank-user-2\nbank-user-3\n"[..],
        ),
        ("last.csv", b"id\nbank-user-1\n\"bank-user-2"),
    ] {
        let stderr = refused(&emu, name, content);
        assert_eq!(named_lines(&stderr, name), [3], "{stderr}");
        assert!(
            stderr.contains("a quote opened on line 3 is not closed")
                && !stderr.contains("control character"),
            "{stderr}"
        );
    }

    // With --skip-invalid the row is reported, not sent, and the good rows are sent.
    let scratch = Scratch::new("quotes-skip");
    let input = scratch.file(
        "skip.csv",
        b"id\nbank-user-1\n\"bank-user-2\"x\nbank-user-3\n",
    );
    let report = scratch.path("r.jsonl");
    let done = batch(&emu, &input, &report, &["--skip-invalid"]);
    assert_eq!(done.code, 1, "{}\n{}", done.stdout, done.stderr);
    let lines = report_by_line(&report);
    assert_eq!(lines[&3]["outcome"], "MX_ERR_INVALID_ARGUMENT", "{lines:?}");
    assert_eq!(lines[&3]["attempts"], 0);
    assert_eq!(lines[&2]["outcome"], "MX_OK");
    assert_eq!(lines[&4]["outcome"], "MX_OK");
    assert_eq!(emu.stats().requests, 2, "only the good rows were sent");

    // A quote left open that a later row's quote closes: the record spans three lines and
    // holds rows 4 and 5, so skipping it as one bad row would lose them. Even with
    // --skip-invalid the file is refused, at the line where the quote opens.
    let input = scratch.file(
        "swallowed.csv",
        b"id,first_name\nbank-user-1,A\n\"bank-user-2,B\nbank-user-3,C\nbank-user-4,\"D\",x\n",
    );
    let report = scratch.path("swallowed.jsonl");
    let done = batch(&emu, &input, &report, &["--skip-invalid"]);
    assert_eq!(done.code, 2, "{}\n{}", done.stdout, done.stderr);
    assert_eq!(
        named_lines(&done.stderr, "swallowed.csv"),
        [3],
        "{}",
        done.stderr
    );
    assert!(
        done.stderr.contains("a quote left open?"),
        "{}",
        done.stderr
    );
    assert_eq!(emu.stats().requests, 2, "nothing more was sent");
}

#[test]
fn a_bad_id_is_named_by_its_column() {
    let emu = emulator();
    let stderr = refused(&emu, "id.csv", b"id\n\"bank-user-1\n\"\n..\n");
    assert!(
        stderr.contains("id.csv:2: `id` contains a control character")
            && stderr.contains("id.csv:4: `id` is \"..\"")
            && !stderr.contains("user_guid contains"),
        "{stderr}"
    );
}

#[test]
fn a_byte_order_mark_is_skipped_at_the_start_and_refused_inside() {
    let emu = emulator();
    seed_users(&emu, 3);
    // Two spreadsheet exports joined: the second one's mark sits inside line 3.
    let stderr = refused(
        &emu,
        "bom.csv",
        "\u{feff}id\nbank-user-1\n\u{feff}bank-user-2\n".as_bytes(),
    );
    assert_eq!(named_lines(&stderr, "bom.csv"), [3], "{stderr}");
    assert!(stderr.contains("byte order mark"), "{stderr}");
    let stderr = refused(
        &emu,
        "bom.jsonl",
        "{\"id\": \"bank-user-1\"}\n\u{feff}{\"id\": \"bank-user-2\"}\n".as_bytes(),
    );
    assert_eq!(named_lines(&stderr, "bom.jsonl"), [2], "{stderr}");

    // At the start, as spreadsheets save "CSV UTF-8", it is not part of the `id` column's name.
    let scratch = Scratch::new("bom-ok");
    let input = scratch.file("ok.csv", "\u{feff}id\r\nbank-user-1\r\n".as_bytes());
    let report = scratch.path("r.jsonl");
    let done = batch(&emu, &input, &report, &[]);
    assert_eq!(done.code, 0, "{}", done.stderr);
    assert_eq!(report_by_line(&report)[&2]["id"], "bank-user-1");
}

#[test]
fn crlf_files_and_multi_line_fields_keep_the_editors_line_numbers() {
    let emu = emulator();
    seed_users(&emu, 4);
    // Line 1 header, 2 ok, 3 blank, 4-5 a quoted field over two lines, 6 a bad `sex`.
    let text = "id,sex,first_name\r\nbank-user-1,FEMALE,Ann\r\n\r\nbank-user-2,MALE,\"Two\r\nLines\"\r\nbank-user-3,F,Bo\r\n";
    let stderr = refused(&emu, "crlf.csv", text.as_bytes());
    assert_eq!(named_lines(&stderr, "crlf.csv"), [6], "{stderr}");

    let scratch = Scratch::new("crlf-ok");
    let input = scratch.file("ok.csv", text.replace(",F,", ",FEMALE,").as_bytes());
    let report = scratch.path("r.jsonl");
    let done = batch(&emu, &input, &report, &[]);
    assert_eq!(done.code, 0, "{}", done.stderr);
    let lines = report_by_line(&report);
    assert_eq!(lines.keys().copied().collect::<Vec<_>>(), [2, 4, 6]);
    assert_eq!(
        lines[&6]["id"], "bank-user-3",
        "no carriage return left in a value"
    );
    assert_eq!(
        emu.get_user("bank-user-2").unwrap()["first_name"],
        "Two\r\nLines"
    );
    assert_eq!(emu.get_user("bank-user-3").unwrap()["first_name"], "Bo");
}

#[test]
fn cr_only_line_ends_from_excel_for_mac_keep_the_line_numbers_and_resume() {
    let emu = emulator();
    seed_users(&emu, 4);
    // Line 1 header, 2 ok, 3 blank, 4-5 a quoted field over two lines, 6 a bad `sex`.
    let text = "id,sex,first_name\rbank-user-1,FEMALE,Ann\r\rbank-user-2,MALE,\"Two\rLines\"\rbank-user-3,F,Bo\r";
    let stderr = refused(&emu, "mac.csv", text.as_bytes());
    assert_eq!(named_lines(&stderr, "mac.csv"), [6], "{stderr}");

    let scratch = Scratch::new("cr-ok");
    let input = scratch.file("ok.csv", text.replace(",F,", ",FEMALE,").as_bytes());
    // Row 2 done by an earlier run.
    let report = scratch.file(
        "r.jsonl",
        "{\"line\":2,\"id\":\"bank-user-1\",\"outcome\":\"MX_OK\",\"http_status\":200,\"attempts\":1,\"elapsed_ms\":1,\"message\":null}\n",
    );
    let done = batch(&emu, &input, &report, &["--resume"]);
    assert_eq!(done.code, 0, "{}\n{}", done.stdout, done.stderr);
    let lines = report_by_line(&report);
    assert_eq!(lines.keys().copied().collect::<Vec<_>>(), [2, 4, 6]);
    assert_eq!(lines[&4]["id"], "bank-user-2");
    assert_eq!(lines[&6]["id"], "bank-user-3");
    assert_eq!(emu.stats().requests, 2, "rows 4 and 6 sent");
    assert_eq!(
        emu.get_user("bank-user-2").unwrap()["first_name"],
        "Two\rLines"
    );
}

#[test]
fn invalid_utf8_is_named_by_line() {
    let emu = emulator();
    seed_users(&emu, 3);
    let stderr = refused(
        &emu,
        "latin1.csv",
        b"id,first_name\nbank-user-1,Ann\nbank-user-2,Jos\xe9\nbank-user-3,Bo\n",
    );
    assert_eq!(named_lines(&stderr, "latin1.csv"), [3], "{stderr}");
    assert!(stderr.contains("UTF-8"), "{stderr}");
    let stderr = refused(
        &emu,
        "latin1.jsonl",
        b"{\"id\": \"bank-user-1\"}\n{\"id\": \"bank-user-\xe9\"}\n",
    );
    assert_eq!(named_lines(&stderr, "latin1.jsonl"), [2], "{stderr}");
}

#[test]
fn a_10_mib_line_is_refused_without_being_held() {
    let emu = emulator();
    seed_users(&emu, 3);
    let long = "x".repeat(10 << 20);
    let csv = format!("id,first_name\nbank-user-1,Ann\nbank-user-2,{long}\nbank-user-3,Bo\n");
    let stderr = refused(&emu, "long.csv", csv.as_bytes());
    assert_eq!(named_lines(&stderr, "long.csv"), [3], "{stderr}");
    assert!(stderr.contains("longer than"), "{stderr}");
    let jsonl = format!(
        "{{\"id\": \"bank-user-1\"}}\n{{\"id\": \"{long}\"}}\n{{\"id\": \"bank-user-3\"}}\n"
    );
    let stderr = refused(&emu, "long.jsonl", jsonl.as_bytes());
    assert_eq!(named_lines(&stderr, "long.jsonl"), [2], "{stderr}");
}

#[test]
fn more_than_a_mib_of_blank_lines_is_not_a_long_row() {
    let emu = emulator();
    seed_users(&emu, 2);
    let scratch = Scratch::new("blank");
    // 1.5 Mi blank lines (LF and CRLF) between two rows: the reader holds none of them.
    let blank = "\n\r\n".repeat(1 << 19);
    let input = scratch.file(
        "blank.csv",
        format!("id\nbank-user-1\n{blank}bank-user-2\n"),
    );
    let report = scratch.path("r.jsonl");
    let done = batch(&emu, &input, &report, &[]);
    assert_eq!(done.code, 0, "{}\n{}", done.stdout, done.stderr);
    let lines = report_by_line(&report);
    assert_eq!(
        lines.keys().copied().collect::<Vec<_>>(),
        [2, 3 + 2 * (1 << 19)]
    );
}

#[test]
fn an_unknown_column_and_a_missing_id_are_named() {
    let emu = emulator();
    seed_users(&emu, 3);
    let stderr = refused(
        &emu,
        "typo.csv",
        b"id,stauts\nbank-user-1,DISABLED\nbank-user-2,DISABLED\n",
    );
    assert_eq!(named_lines(&stderr, "typo.csv"), [2, 3], "{stderr}");
    assert!(stderr.contains("stauts"), "{stderr}");
    let stderr = refused(
        &emu,
        "missing.csv",
        b"id,first_name\nbank-user-1,Ann\n,Bo\nbank-user-3,Cy\n",
    );
    assert_eq!(named_lines(&stderr, "missing.csv"), [3], "{stderr}");
    assert!(stderr.contains("takes an id"), "{stderr}");
    let stderr = refused(&emu, "noid.csv", b"user,first_name\nbank-user-1,Ann\n");
    assert_eq!(named_lines(&stderr, "noid.csv"), [1], "{stderr}");
    let stderr = refused(
        &emu,
        "missing.jsonl",
        b"{\"id\": \"bank-user-1\"}\n{\"body\": {}}\n{\"id\": 7}\n{\"ID\": \"x\"}\n",
    );
    assert_eq!(named_lines(&stderr, "missing.jsonl"), [2, 3, 4], "{stderr}");
}

#[test]
fn skip_invalid_sends_the_good_rows_and_reports_the_bad_ones() {
    let emu = emulator();
    seed_users(&emu, 4);
    let scratch = Scratch::new("skip");
    let input = scratch.file("mixed.csv", b"id,status\nbank-user-1,DISABLED\nbank-user-2,ACTIVE\nbank-user-3,DISABLED\nbank-user-4,\xff\n");
    let report = scratch.path("r.jsonl");
    let done = run(
        &emu,
        &op_args(&input, "user.update", &report, &["--skip-invalid"]),
    );
    assert_eq!(done.code, 1, "bad rows are failures: {}", done.stderr);
    let lines = report_by_line(&report);
    assert_eq!(lines.len(), 4);
    assert_eq!(
        (lines[&2]["outcome"].as_str(), lines[&4]["outcome"].as_str()),
        (Some("MX_OK"), Some("MX_OK"))
    );
    assert_eq!(lines[&3]["outcome"], "MX_ERR_VALIDATION");
    assert_eq!(lines[&3]["attempts"], 0);
    assert_eq!(lines[&5]["outcome"], "MX_ERR_INVALID_ARGUMENT");
    assert_eq!(emu.stats().requests, 2, "only the good rows were sent");
}

#[test]
fn dry_run_checks_every_row_sends_nothing_and_writes_no_report() {
    let emu = emulator();
    let scratch = Scratch::new("dry");
    let input = scratch.file("users.csv", b"id\nbank-user-1\nbank-user-2\n");
    let report = scratch.path("r.jsonl");
    let ok = batch(&emu, &input, &report, &["--dry-run"]);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    assert!(ok.stdout.contains("2 ready to send"), "{}", ok.stdout);
    // A flag value that breaks a body rule is a usage error, with rows or without (a header
    // only, here), dry run or not.
    let header_only = scratch.file("header.csv", b"id\n");
    for (file, dry_run) in [(&input, true), (&header_only, true), (&header_only, false)] {
        let mut args = op_args(file, "user.update", &report, &["--status", "ACTIVE"]);
        if dry_run {
            args.push("--dry-run");
        }
        let bad = run(&emu, &args);
        assert_eq!(bad.code, 2, "{args:?}: {}\n{}", bad.stdout, bad.stderr);
        assert!(
            bad.stderr.contains("field flags") && bad.stderr.contains("ACTIVE"),
            "{args:?}: {}",
            bad.stderr
        );
    }
    assert!(!report.exists());
    assert_eq!(emu.stats().requests, 0);
}

#[test]
fn usage_errors_refuse_before_reading_rows() {
    let emu = emulator();
    let scratch = Scratch::new("usage");
    let input = scratch.file("users.csv", b"id\nbank-user-1\n");
    let report = scratch.file("exists.jsonl", b"");
    let path = input.to_str().unwrap();
    for (args, needle) in [
        (
            vec!["batch", path, "--op", "user.updat", "--report", "x.jsonl"],
            "user.update",
        ),
        (
            vec![
                "batch",
                path,
                "--op",
                "user.update",
                "--status",
                "DISABLED",
                "--report",
                report.to_str().unwrap(),
            ],
            "--resume",
        ),
        (
            vec!["batch", path, "--op", "user.update", "--status", "DISABLED"],
            "--report",
        ),
        (
            vec![
                "batch",
                path,
                "--op",
                "user.update",
                "--concurrency",
                "0",
                "--report",
                "x.jsonl",
            ],
            "--concurrency",
        ),
        (
            vec![
                "batch",
                scratch.0.to_str().unwrap(),
                "--op",
                "user.update",
                "--format",
                "csv",
                "--report",
                "x.jsonl",
            ],
            "regular file",
        ),
        (
            vec![
                "batch",
                "users.txt",
                "--op",
                "user.update",
                "--report",
                "x.jsonl",
            ],
            "--format",
        ),
    ] {
        let done = run(&emu, &args);
        assert_eq!(done.code, 2, "{args:?}: {}", done.stderr);
        assert!(done.stderr.contains(needle), "{args:?}: {}", done.stderr);
    }
    // Numbers that cannot be a rate or an interval are refused before the report is created
    // (a panic after it was created left an empty report that blocked the next run).
    let new_report = scratch.path("new.jsonl");
    for (flag, value) in [
        ("--rate", "0"),
        ("--rate", "-0.5"),
        ("--rate", "NaN"),
        ("--rate", "inf"),
        ("--rate", "1e-20"),
        ("--progress-every", "1e30"),
        ("--progress-every", "1e-12"),
        ("--progress-every", "0"),
        ("--progress-every", "-1"),
    ] {
        let numeric = format!("{flag}={value}");
        let args = batch_args(&input, &new_report, &[&numeric]);
        let done = run(&emu, &args);
        assert_eq!(done.code, 2, "{args:?}: {}", done.stderr);
        assert!(
            done.stderr.contains(&format!("{flag} ")),
            "{args:?}: {}",
            done.stderr
        );
        assert!(!new_report.exists(), "{args:?}: a report was created");
    }
    assert_eq!(emu.stats().requests, 0);
}

#[test]
fn a_jsonl_row_with_an_id_or_body_the_operation_does_not_take_is_named() {
    let emu = emulator();
    let scratch = Scratch::new("shape");
    let input = scratch.file(
        "create.jsonl",
        "{\"body\": {\"external_user_guid\": \"new-1\"}}\n{\"id\": \"new-2\", \"body\": {\"external_user_guid\": \"new-2\"}}\n",
    );
    let done = run(
        &emu,
        &[
            "batch",
            input.to_str().unwrap(),
            "--op",
            "user.create",
            "--dry-run",
        ],
    );
    assert_eq!(done.code, 2);
    assert_eq!(
        named_lines(&done.stderr, "create.jsonl"),
        [2],
        "{}",
        done.stderr
    );
    assert!(done.stderr.contains("takes no `id`"), "{}", done.stderr);
    let input = scratch.file(
        "read.jsonl",
        "{\"id\": \"u1\"}\n{\"id\": \"u2\", \"body\": {}}\n",
    );
    let done = run(
        &emu,
        &[
            "batch",
            input.to_str().unwrap(),
            "--op",
            "user.read",
            "--dry-run",
        ],
    );
    assert_eq!(
        named_lines(&done.stderr, "read.jsonl"),
        [2],
        "{}",
        done.stderr
    );
    assert!(done.stderr.contains("takes no `body`"), "{}", done.stderr);
}

#[test]
fn a_field_set_by_a_column_or_a_body_and_by_a_flag_is_refused_once() {
    let emu = emulator();
    seed_users(&emu, 3);
    // `batch` adds --status DISABLED: the file's own `status` column sets it too.
    let stderr = refused(
        &emu,
        "status.csv",
        b"id,status\nbank-user-1,ENABLED\nbank-user-2,ENABLED\nbank-user-3,ENABLED\n",
    );
    assert!(
        stderr.contains("status is set both by the column `status` and by --status; give it once"),
        "{stderr}"
    );
    assert_eq!(stderr.matches("set both").count(), 1, "said once: {stderr}");
    assert!(!stderr.contains("more than once"), "{stderr}");
    let stderr = refused(
        &emu,
        "status.jsonl",
        b"{\"id\": \"bank-user-1\", \"body\": {\"status\": \"ENABLED\"}}\n",
    );
    assert!(
        stderr.contains("status.jsonl:1: status is set both by the row's body and by --status"),
        "{stderr}"
    );
}

#[test]
fn batch_help_gives_the_concurrency_range() {
    let emu = emulator();
    let help = run(&emu, &["batch", "--help"]);
    assert_eq!(help.code, 0, "{}", help.stderr);
    assert!(help.stdout.contains("1 to 256"), "{}", help.stdout);
    let refused = run(
        &emu,
        &[
            "batch",
            "x.csv",
            "--op",
            "user.read",
            "--concurrency",
            "257",
            "--report",
            "r.jsonl",
        ],
    );
    assert_eq!(refused.code, 2);
    assert!(
        refused.stderr.contains("between 1 and 256"),
        "{}",
        refused.stderr
    );
}

//! Secrets in batch runs that fail: a wrong API key, and member rows whose credentials fail in
//! every way a row can (refused by the checks, refused by MX, a line that is not a row). Neither
//! the key nor a credential `response` may appear in the report, the summary, the progress
//! lines or any message (`common::run` and `common::report` check both secrets everywhere).

mod common;

use common::SECRET_RESPONSE;
use common::{
    batch_args, command, emulator, op_args, report_by_line, run, seed_users, users_csv, Run,
    Scratch,
};

/// A key the emulator does not accept, as recognisable as the right one.
const WRONG_KEY: &str = "MXSSO-CLI-WRONG-KEY-7f3a9c";

#[test]
fn a_wrong_key_fails_every_row_and_shows_in_no_output() {
    let emu = emulator();
    seed_users(&emu, 5);
    let scratch = Scratch::new("wrong-key");
    let input = scratch.file("users.csv", users_csv(5, None));
    let report = scratch.path("report.jsonl");
    let output = command(
        &emu,
        &batch_args(&input, &report, &["--progress-every", "0.1"]),
    )
    .env("MX_SSO_API_KEY", WRONG_KEY)
    .output()
    .unwrap();
    let done = Run::from_output(output);
    assert_eq!(done.code, 1, "{}\n{}", done.stdout, done.stderr);
    assert!(
        done.stderr.contains("mx-sso batch: 5/5 rows"),
        "the progress lines are checked too: {}",
        done.stderr
    );
    let text = std::fs::read_to_string(&report).unwrap();
    for output in [&done.stdout, &done.stderr, &text] {
        assert!(!output.contains(WRONG_KEY), "the wrong key shows: {output}");
    }
    let lines = report_by_line(&report);
    assert_eq!(lines.len(), 5);
    assert!(
        lines.values().all(|line| line["outcome"] != "MX_OK"),
        "{text}"
    );
}

#[test]
fn member_rows_that_fail_show_no_credential_anywhere() {
    let emu = emulator();
    emu.add_user("owner-1").unwrap();
    let scratch = Scratch::new("member-secrets");
    let credential = format!(r#"[{{"field_name": "userkey", "response": "{SECRET_RESPONSE}"}}]"#);
    let rows = [
        // 1: created.
        format!(
            r#"{{"body": {{"external_user_guid": "owner-1", "external_member_guid": "M-1", "credentials": {credential}}}}}"#
        ),
        // 2: refused by MX: the owning user does not exist.
        format!(
            r#"{{"body": {{"external_user_guid": "nobody", "external_member_guid": "M-2", "credentials": {credential}}}}}"#
        ),
        // 3: refused by the checks: a credential with a key MX does not take.
        format!(
            r#"{{"body": {{"external_user_guid": "owner-1", "external_member_guid": "M-3", "credentials": [{{"field_name": "userkey", "response": "{SECRET_RESPONSE}", "note": "{SECRET_RESPONSE}"}}]}}}}"#
        ),
        // 4: refused by the checks: a credential's response that is not a string.
        format!(
            r#"{{"body": {{"external_user_guid": "owner-1", "external_member_guid": "M-4", "credentials": [{{"field_name": "userkey", "response": ["{SECRET_RESPONSE}"]}}]}}}}"#
        ),
        // 5: not a row: the line is cut off.
        format!(
            r#"{{"body": {{"external_user_guid": "owner-1", "credentials": [{{"field_name": "userkey", "response": "{SECRET_RESPONSE}"#
        ),
        // 6: refused by MX: a reserved prefix in the member's external guid.
        format!(
            r#"{{"body": {{"external_user_guid": "owner-1", "external_member_guid": "MBR-6", "credentials": {credential}}}}}"#
        ),
    ];
    let input = scratch.file("members.jsonl", rows.join("\n") + "\n");
    let report = scratch.path("report.jsonl");
    let args = op_args(
        &input,
        "member.create",
        &report,
        &["--skip-invalid", "--progress-every", "0.1"],
    );
    // The first pass names the bad rows with their messages: none may quote the credential.
    let dry = run(&emu, &[&args[..], &["--dry-run"]].concat());
    assert_eq!(dry.code, 0, "{}\n{}", dry.stdout, dry.stderr);
    assert!(dry.stderr.contains("members.jsonl:3:"), "{}", dry.stderr);

    let done = run(&emu, &args);
    assert_eq!(done.code, 1, "{}\n{}", done.stdout, done.stderr);
    let lines = report_by_line(&report);
    assert_eq!(lines.len(), 6, "{lines:?}");
    assert_eq!(lines[&1]["outcome"], "MX_OK");
    for line in 2..=6 {
        assert_ne!(lines[&line]["outcome"], "MX_OK", "{}", lines[&line]);
        assert!(lines[&line]["message"].is_string(), "{}", lines[&line]);
    }
    assert!(emu.get_member("M-1").is_some());
}

//! Every one-call command against the emulator: MX's JSON on standard output, the error object
//! on standard error, exit 0 / 1 / 2; settings from flags, files and the environment; the key
//! in no output (every run is checked by `common::Run`).

mod common;

use common::{command, emulator, run, Run, Scratch, SECRET_RESPONSE};

#[test]
fn user_commands_read_create_update_ensure_delete() {
    let emu = emulator();
    let created = run(
        &emu,
        &[
            "user",
            "create",
            "--external-user-guid",
            "cli-1",
            "--email",
            "a@bank.example",
        ],
    );
    assert_eq!(created.code, 0, "{}", created.stderr);
    assert_eq!(created.json()["external_user_guid"], "cli-1");

    let read = run(&emu, &["user", "read", "cli-1"]);
    assert_eq!(
        (read.code, read.json()["email"].as_str()),
        (0, Some("a@bank.example"))
    );

    let updated = run(
        &emu,
        &[
            "user",
            "update",
            "cli-1",
            "--status",
            "DISABLED",
            "--credit-score",
            "712",
        ],
    );
    assert_eq!(updated.code, 0, "{}", updated.stderr);
    let user = emu.get_user("cli-1").unwrap();
    assert_eq!(user["status"]["name"], "DISABLED");
    assert_eq!(user["credit_score"], 712);

    let by_json = run(
        &emu,
        &[
            "user",
            "update",
            "cli-1",
            "--json",
            r#"{"first_name": "Ann"}"#,
        ],
    );
    assert_eq!(by_json.code, 0, "{}", by_json.stderr);
    assert_eq!(emu.get_user("cli-1").unwrap()["first_name"], "Ann");

    let ensured = run(&emu, &["user", "ensure", "--external-user-guid", "cli-1"]);
    assert_eq!(
        (ensured.code, ensured.json()["created"].as_bool()),
        (0, Some(false))
    );
    let ensured = run(
        &emu,
        &[
            "user",
            "ensure",
            "--json",
            r#"{"external_user_guid": "cli-2"}"#,
        ],
    );
    assert_eq!(
        (ensured.code, ensured.json()["created"].as_bool()),
        (0, Some(true))
    );

    let deleted = run(&emu, &["user", "delete", "cli-2"]);
    assert_eq!((deleted.code, deleted.stdout.trim()), (0, "{}"));
    assert!(emu.get_user("cli-2").is_none());
}

#[test]
fn member_commands_take_bodies_from_files_and_standard_input() {
    let emu = emulator();
    emu.add_user("owner-1").unwrap();
    let scratch = Scratch::new("member");
    let body = scratch.file(
        "member.json",
        format!(
            r#"{{"external_user_guid": "owner-1", "external_member_guid": "M-1",
                "credentials": [{{"field_name": "userkey", "response": "{SECRET_RESPONSE}"}}]}}"#
        ),
    );
    let created = run(
        &emu,
        &[
            "member",
            "create",
            "--json",
            &format!("@{}", body.display()),
        ],
    );
    assert_eq!(created.code, 0, "{}", created.stderr);
    assert_eq!(created.json()["external_member_guid"], "M-1");
    assert_eq!(
        run(&emu, &["member", "read", "M-1"]).json()["external_member_guid"],
        "M-1"
    );
    let ensured = run(
        &emu,
        &[
            "member",
            "ensure",
            "--json",
            &format!("@{}", body.display()),
        ],
    );
    assert_eq!(ensured.json()["created"], false);

    // New credentials through standard input: they never show in `ps`.
    let mut child = command(&emu, &["member", "update", "M-1", "--json", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(br#"{"credentials": [{"field_name": "login", "response": "l"}, {"field_name": "password", "response": "p"}]}"#)
        .unwrap();
    let updated = Run::from_output(child.wait_with_output().unwrap());
    assert_eq!(updated.code, 0, "{}", updated.stderr);
    assert_eq!(emu.member_credentials("M-1").unwrap().len(), 2);

    assert_eq!(run(&emu, &["member", "delete", "M-1"]).code, 0);
    assert!(emu.get_member("M-1").is_none());
    let gone = run(&emu, &["member", "read", "M-1"]);
    assert_eq!(
        (gone.code, gone.error()["error"]["http_status"].as_u64()),
        (1, Some(500))
    );
}

#[test]
fn a_failed_call_is_exit_1_with_the_error_object_on_standard_error() {
    let emu = emulator();
    let missing = run(&emu, &["user", "read", "nobody"]);
    assert_eq!(missing.code, 1);
    assert!(missing.stdout.is_empty());
    let error = &missing.error()["error"];
    assert_eq!(
        (error["code"].as_str(), error["http_status"].as_u64()),
        (Some("MX_ERR_HTTP"), Some(400))
    );
    assert_eq!(error["mx_error"], "User with guid nobody not found.");
}

#[test]
fn a_flag_value_that_breaks_a_body_rule_is_exit_2_and_nothing_is_sent() {
    let emu = emulator();
    emu.add_user("u1").unwrap();
    for args in [
        &["user", "update", "u1", "--status", "ACTIVE"][..],
        &[
            "user",
            "update",
            "u1",
            "--json",
            r#"{"stauts": "DISABLED"}"#,
        ],
        &[
            "user",
            "update",
            "u1",
            "--status",
            "DISABLED",
            "--json",
            r#"{"status": "ENABLED"}"#,
        ],
        &["user", "update", "u1"],
        &["user", "update", ".."],
        &["user", "create", "--email", "a@bank.example"],
        &["member", "update", "m1", "--json", r#"{"credentials": []}"#],
    ] {
        let refused = run(&emu, args);
        assert_eq!(refused.code, 2, "{args:?}: {}", refused.stderr);
        assert!(
            !refused.stderr.is_empty(),
            "{args:?}: the message says what is wrong"
        );
    }
    let refused = run(&emu, &["user", "update", "u1", "--status", "ACTIVE"]);
    assert_eq!(refused.error()["error"]["code"], "MX_ERR_VALIDATION");
    assert!(
        refused.stderr.contains("ENABLED or DISABLED"),
        "{}",
        refused.stderr
    );
    assert_eq!(emu.stats().requests, 0, "nothing was sent");
}

#[test]
fn usage_errors_are_exit_2_and_say_what_to_do() {
    let emu = emulator();
    let no_key = Run::from_output(
        command(&emu, &["user", "read", "u1"])
            .env_remove("MX_SSO_API_KEY")
            .output()
            .unwrap(),
    );
    assert_eq!(no_key.code, 2);
    assert!(
        no_key.stderr.contains("MX_SSO_API_KEY") && no_key.stderr.contains("--api-key-file"),
        "{}",
        no_key.stderr
    );
    // There is no flag that takes the key itself.
    let flag = run(&emu, &["--api-key", "x", "user", "read", "u1"]);
    assert_eq!(flag.code, 2);
    let unknown = run(&emu, &["user", "read", "u1", "--bogus"]);
    assert_eq!(unknown.code, 2);
    let bad_url = run(&emu, &["--base-url", "ftp://x", "user", "read", "u1"]);
    assert_eq!(bad_url.code, 2);
    assert!(bad_url.stderr.contains("base_url"), "{}", bad_url.stderr);
    assert_eq!(emu.stats().requests, 0);

    let help = run(&emu, &["--help"]);
    assert_eq!(help.code, 0);
    assert!(help.stdout.contains("batch") && help.stdout.contains("MX_SSO_API_KEY"));
    let completions = run(&emu, &["completions", "bash"]);
    assert_eq!(completions.code, 0);
    assert!(
        completions.stdout.contains("mx-sso"),
        "{}",
        completions.stdout
    );
}

#[cfg(unix)]
#[test]
fn the_key_file_loses_its_trailing_newline_and_warns_when_others_can_read_it() {
    use std::os::unix::fs::PermissionsExt;
    let emu = emulator();
    emu.add_user("u1").unwrap();
    let scratch = Scratch::new("keyfile");
    let key = scratch.file("key", format!("{}\r\n", emu.api_key()));
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    let key_arg = key.display().to_string();
    let private = Run::from_output(
        command(&emu, &["--api-key-file", &key_arg, "user", "read", "u1"])
            .env("MX_SSO_API_KEY", "a-wrong-key")
            .output()
            .unwrap(),
    );
    assert_eq!(
        private.code, 0,
        "the file wins over the environment: {}",
        private.stderr
    );
    assert!(private.stderr.is_empty(), "{}", private.stderr);

    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let shared = run(&emu, &["--api-key-file", &key_arg, "user", "read", "u1"]);
    assert_eq!(shared.code, 0);
    assert!(shared.stderr.contains("chmod 600"), "{}", shared.stderr);

    let empty = scratch.file("empty", "\n");
    let refused = run(
        &emu,
        &[
            "--api-key-file",
            &empty.display().to_string(),
            "user",
            "read",
            "u1",
        ],
    );
    assert_eq!(refused.code, 2);
    assert!(refused.stderr.contains("empty"), "{}", refused.stderr);
}

#[test]
fn options_file_and_flags_set_the_client() {
    let emu = emulator();
    emu.add_user("u1").unwrap();
    let scratch = Scratch::new("options");
    // The file's base_url wins over the environment's; a flag wins over the file.
    let options = scratch.file(
        "options.json",
        format!(
            r#"{{"base_url": "{}", "max_retries": 0, "timeout_ms": 5000}}"#,
            emu.base_url()
        ),
    );
    let options = options.display().to_string();
    let from_file = Run::from_output(
        command(&emu, &["--options", &options, "user", "read", "u1"])
            .env("MX_SSO_BASE_URL", "http://127.0.0.1:9")
            .output()
            .unwrap(),
    );
    assert_eq!(from_file.code, 0, "{}", from_file.stderr);
    let flag = run(
        &emu,
        &[
            "--options",
            &options,
            "--base-url",
            "http://127.0.0.1:9",
            "user",
            "read",
            "u1",
        ],
    );
    assert_eq!(flag.code, 1, "the flag's unreachable URL was used");
    assert_eq!(flag.error()["error"]["code"], "MX_ERR_TRANSPORT");

    emu.push_fault(mx_sso_emulator::Fault::status(503));
    let no_retry = run(&emu, &["--options", &options, "user", "read", "u1"]);
    assert_eq!(
        (
            no_retry.code,
            no_retry.error()["error"]["attempts"].as_u64()
        ),
        (1, Some(1))
    );

    let bad = scratch.file("bad.json", r#"{"timeout": 5}"#);
    let refused = run(
        &emu,
        &[
            "--options",
            &bad.display().to_string(),
            "user",
            "read",
            "u1",
        ],
    );
    assert_eq!(refused.code, 2);
    assert!(
        refused.stderr.contains("unknown field `timeout`"),
        "{}",
        refused.stderr
    );
}

#[test]
fn a_wrong_key_fails_without_showing_it() {
    let emu = emulator();
    emu.add_user("u1").unwrap();
    let wrong = format!("{}-WRONG", common::SECRET_KEY);
    let failed = Run::from_output(
        command(&emu, &["--timeout-ms", "3000", "user", "read", "u1"])
            .env("MX_SSO_API_KEY", &wrong)
            .output()
            .unwrap(),
    );
    assert_eq!(failed.code, 1);
    assert_eq!(failed.error()["error"]["code"], "MX_ERR_TRANSPORT");
    assert!(
        failed.stderr.contains("API key"),
        "the message names the likely cause: {}",
        failed.stderr
    );
}

#[test]
fn https_with_a_ca_file() {
    let scratch = Scratch::new("tls");
    let ca = scratch.path("ca.pem");
    let emu = mx_sso_emulator::Emulator::start(mx_sso_emulator::Config {
        api_key: common::SECRET_KEY.into(),
        ca_out: Some(ca.clone()),
        ..mx_sso_emulator::Config::tls()
    })
    .unwrap();
    emu.add_user("tls-1").unwrap();
    let ca = ca.display().to_string();
    let read = run(&emu, &["--ca-file", &ca, "user", "read", "tls-1"]);
    assert_eq!(read.code, 0, "{}", read.stderr);
    assert_eq!(read.json()["external_user_guid"], "tls-1");
    // Without the CA, the emulator's certificate is not trusted: a TLS failure, not a crash.
    let untrusted = run(&emu, &["--timeout-ms", "3000", "user", "read", "tls-1"]);
    assert_eq!(untrusted.code, 1, "{}", untrusted.stderr);
    assert_eq!(untrusted.error()["error"]["code"], "MX_ERR_TRANSPORT");
}

#[test]
fn a_field_set_by_json_and_by_a_flag_is_refused_once_naming_both() {
    let emu = emulator();
    emu.add_user("u1").unwrap();
    let refused = run(
        &emu,
        &[
            "user",
            "update",
            "u1",
            "--json",
            r#"{"status":"DISABLED"}"#,
            "--status",
            "ENABLED",
        ],
    );
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(
        refused
            .stderr
            .contains("status is set both by --json and by --status; give it once"),
        "{}",
        refused.stderr
    );
    assert_eq!(emu.stats().requests, 0, "nothing was sent");
}

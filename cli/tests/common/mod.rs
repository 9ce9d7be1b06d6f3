//! What the CLI's tests share: an in-process emulator with a recognisable key, the built
//! `mx-sso` binary run against it (every run's output checked for the key), scratch
//! directories, reports read back, and request counts from the emulator's log.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

use mx_sso_emulator::{Config, Emulator, LoggedRequest, Outcome};
use serde_json::Value;

/// A recognisable key: the emulator accepts it, and no output or report may ever contain it.
pub const SECRET_KEY: &str = "MXSSO-CLI-SECRET-KEY-0123456789";
/// A recognisable credential value, for member bodies.
pub const SECRET_RESPONSE: &str = "CLI-CRED-SECRET-42";

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_mx-sso");

/// An emulator whose log keeps every request of a test (counts come from it).
pub fn emulator() -> Emulator {
    Emulator::start(Config {
        api_key: SECRET_KEY.into(),
        log_capacity: 1_000_000,
        ..Config::default()
    })
    .expect("emulator starts")
}

/// `n` users `bank-user-1` .. `bank-user-n`.
pub fn seed_users(emu: &Emulator, n: usize) {
    for i in 1..=n {
        emu.add_user(&format!("bank-user-{i}")).expect("seed user");
    }
}

/// A scratch directory, removed when dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Scratch {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "mx-sso-cli-{name}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch dir");
        Scratch(dir)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// Writes `bytes` to `name`; its path.
    pub fn file(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, bytes).expect("write scratch file");
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The command, set up for `emu`: its URL, key and client guid in the environment (and none of
/// the caller's own MX_SSO_* settings).
pub fn command(emu: &Emulator, args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .env("MX_SSO_BASE_URL", emu.base_url())
        .env("MX_SSO_API_KEY", emu.api_key())
        .env("MX_SSO_CLIENT_GUID", emu.client_guid())
        .env_remove("MX_SSO_CA_FILE")
        .stdin(Stdio::null());
    // A proxy of the developer's environment would carry the calls to the emulator.
    for variable in [
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
        "http_proxy",
        "HTTP_PROXY",
        "no_proxy",
        "NO_PROXY",
    ] {
        command.env_remove(variable);
    }
    command
}

/// A finished run: exit status, standard output and error.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn from_output(output: Output) -> Run {
        let run = Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        };
        run.assert_no_secret();
        run
    }

    /// Neither the key nor a credential value appears in any output.
    pub fn assert_no_secret(&self) {
        for secret in [SECRET_KEY, SECRET_RESPONSE] {
            assert!(
                !self.stdout.contains(secret) && !self.stderr.contains(secret),
                "a secret in the output:\nstdout: {}\nstderr: {}",
                self.stdout,
                self.stderr
            );
        }
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(self.stdout.trim())
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.stdout))
    }

    pub fn error(&self) -> Value {
        serde_json::from_str(self.stderr.trim())
            .unwrap_or_else(|e| panic!("stderr is not one JSON object ({e}): {}", self.stderr))
    }
}

/// Runs `mx-sso args...` against `emu` to the end.
pub fn run(emu: &Emulator, args: &[&str]) -> Run {
    Run::from_output(command(emu, args).output().expect("run mx-sso"))
}

/// A batch of `op`: `batch INPUT --op OP --report REPORT`, then `extra`.
pub fn op_args<'a>(
    input: &'a Path,
    op: &'a str,
    report: &'a Path,
    extra: &[&'a str],
) -> Vec<&'a str> {
    let mut args = vec![
        "batch",
        input.to_str().unwrap(),
        "--op",
        op,
        "--report",
        report.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    args
}

/// The batch most tests run: `batch INPUT --op user.update --report REPORT --status DISABLED`,
/// then `extra`.
pub fn batch_args<'a>(input: &'a Path, report: &'a Path, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = op_args(input, "user.update", report, &["--status", "DISABLED"]);
    args.extend_from_slice(extra);
    args
}

/// Runs [`batch_args`] against `emu` to the end.
pub fn batch(emu: &Emulator, input: &Path, report: &Path, extra: &[&str]) -> Run {
    run(emu, &batch_args(input, report, extra))
}

/// Runs `mx-sso args...` against `emu` to the end, killing it (and failing the test) if it has
/// not ended after `limit`: for runs whose bug would be a hang. (A guard against hanging, not a
/// measure of speed: the limit is many times what the run needs.)
#[cfg(unix)]
pub fn run_or_kill_after(emu: &Emulator, args: &[&str], limit: std::time::Duration) -> Run {
    use std::sync::mpsc;
    let child = command(emu, args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run mx-sso");
    let pid = child.id() as libc::pid_t;
    let (finished, wait) = mpsc::channel::<()>();
    let guard = std::thread::spawn(move || {
        let expired = wait.recv_timeout(limit) == Err(mpsc::RecvTimeoutError::Timeout);
        if expired {
            // SAFETY: kill(2) on our own child's pid. Not yet reaped unless the limit expired in
            // the instant between wait_with_output returning and `finished` being dropped.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        expired
    });
    let output = child.wait_with_output().expect("wait for mx-sso");
    drop(finished);
    assert!(
        !guard.join().unwrap(),
        "mx-sso was still running after {limit:?}: killed"
    );
    Run::from_output(output)
}

/// The report's lines, each checked to hold no secret.
pub fn report(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).expect("read the report");
    for secret in [SECRET_KEY, SECRET_RESPONSE] {
        assert!(!text.contains(secret), "a secret in the report: {text}");
    }
    assert!(
        text.is_empty() || text.ends_with('\n'),
        "a cut-off last line"
    );
    text.lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

/// The report's lines by input line, checking that no input line is reported twice.
pub fn report_by_line(path: &Path) -> std::collections::BTreeMap<u64, Value> {
    let mut by_line = std::collections::BTreeMap::new();
    for line in report(path) {
        let number = line["line"].as_u64().expect("line number");
        assert!(
            by_line.insert(number, line).is_none(),
            "line {number} reported twice"
        );
    }
    by_line
}

/// The requests the emulator logged for `method` on `path`.
pub fn logged<'a>(log: &'a [LoggedRequest], method: &str, path: &str) -> Vec<&'a LoggedRequest> {
    log.iter()
        .filter(|r| r.method == method && r.path == path)
        .collect()
}

/// How often the request was applied: answered with a 2xx, or processed with its answer lost.
pub fn applied(requests: &[&LoggedRequest]) -> usize {
    requests
        .iter()
        .filter(|r| {
            r.status.is_some_and(|s| (200..300).contains(&s))
                || matches!(r.outcome, Outcome::ProcessedNoAnswer)
        })
        .count()
}

/// A CSV of `n` users: `id` and, when given, one more column with the same value on every row.
pub fn users_csv(n: usize, column: Option<(&str, &str)>) -> String {
    let mut text = String::from("id");
    if let Some((name, _)) = column {
        text.push(',');
        text.push_str(name);
    }
    text.push('\n');
    for i in 1..=n {
        text.push_str(&format!("bank-user-{i}"));
        if let Some((_, value)) = column {
            text.push(',');
            text.push_str(value);
        }
        text.push('\n');
    }
    text
}

//! mx-sso installs no logger, so a C, Python or Go host never sees a log line from it. A Rust
//! host that installs one gets ureq's records; at `debug` and below they must not hold the API
//! key (ureq masks paths and queries there; at `trace` it prints them, which the README warns
//! about).

use std::sync::Mutex;

use log::{Level, LevelFilter, Log, Metadata, Record};
use mx_sso::{Client, Options};
use mx_sso_emulator::{Config, Emulator, Fault};

const SECRET_KEY: &str = "MXSSO-SECRET-KEY-0123456789";

struct Capture(Mutex<Vec<String>>);

impl Log for Capture {
    fn enabled(&self, metadata: &Metadata) -> bool {
        metadata.level() <= Level::Debug
    }
    fn log(&self, record: &Record) {
        if self.enabled(record.metadata()) {
            let line = format!("{} {} {}", record.level(), record.target(), record.args());
            self.0.lock().unwrap().push(line);
        }
    }
    fn flush(&self) {}
}

static CAPTURE: Capture = Capture(Mutex::new(Vec::new()));

#[test]
fn debug_logs_never_hold_the_key() {
    log::set_logger(&CAPTURE).expect("first logger");
    log::set_max_level(LevelFilter::Debug);

    let emu = Emulator::start(Config {
        api_key: SECRET_KEY.into(),
        ..Config::default()
    })
    .unwrap();
    emu.add_user("ext-1").unwrap();
    let client = Client::new(Options {
        base_url: emu.base_url().into(),
        timeout_ms: 2_000,
        max_retries: 1,
        ..Options::default()
    })
    .unwrap();
    let call = |user: &str| {
        client.update_user_json(
            SECRET_KEY,
            emu.client_guid(),
            user,
            r#"{"status": "DISABLED"}"#,
        )
    };
    call("ext-1").expect("success");
    call("nobody").expect_err("400");
    emu.push_fault(Fault::status(503));
    call("ext-1").expect("retried");
    emu.push_fault(Fault::Delay { ms: 5_000 });
    call("ext-1").expect_err("timeout");
    client
        .update_user_json(
            "WRONG",
            emu.client_guid(),
            "ext-1",
            "{\"status\": \"ENABLED\"}",
        )
        .expect_err("no answer");

    let lines = CAPTURE.0.lock().unwrap();
    assert!(
        lines.iter().any(|l| l.contains("PUT")),
        "ureq's debug records were captured: {lines:?}"
    );
    for line in lines.iter() {
        assert!(!line.contains(SECRET_KEY), "key in a log line: {line}");
    }
}

//! What the integration tests of the 0.2 operations share: an emulator with a recognisable key,
//! a client on it with credentials in its options, an event recorder that checks every event
//! for secrets, and request counts from the emulator's log. (Each test binary uses a part.)
#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use mx_sso::{Client, Event, Options};
use mx_sso_emulator::{Config, Emulator};
use serde_json::Value;

/// A recognisable key: the emulator accepts it, and no output may ever contain it.
pub const SECRET_KEY: &str = "MXSSO-SECRET-KEY-0123456789";
/// A recognisable credential value: it may appear in no output.
pub const SECRET_RESPONSE: &str = "CRED-SECRET-RESPONSE-42";

pub fn emulator() -> Emulator {
    Emulator::start(Config {
        api_key: SECRET_KEY.into(),
        ..Config::default()
    })
    .expect("emulator starts")
}

/// A client on `emu` with its credentials in the options, changed by `tweak`.
pub fn client_for(emu: &Emulator, tweak: impl FnOnce(&mut Options)) -> Client {
    let mut options = Options {
        base_url: emu.base_url().to_string(),
        api_key: Some(emu.api_key().to_string()),
        client_guid: Some(emu.client_guid().to_string()),
        timeout_ms: 10_000,
        ..Options::default()
    };
    tweak(&mut options);
    Client::new(options).expect("client")
}

pub fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Records every event of a client, checking that none holds the key or a credential value.
pub fn record_events(client: &Client) -> Arc<Mutex<Vec<Event>>> {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    client.set_event_handler(Some(Arc::new(move |event: &Event| {
        let text = event.to_json();
        assert!(
            !text.contains(SECRET_KEY) && !text.contains(SECRET_RESPONSE),
            "secret in an event: {text}"
        );
        sink.lock().unwrap().push(event.clone());
    })));
    events
}

/// Requests the emulator saw with this method and path (as sent, no query).
pub fn requests(emu: &Emulator, method: &str, path: &str) -> usize {
    emu.request_log()
        .iter()
        .filter(|r| r.method == method && r.path == path)
        .count()
}

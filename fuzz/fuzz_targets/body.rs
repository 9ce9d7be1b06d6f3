//! The update body: never a panic; a body that passes is sent as a JSON object that passes
//! again unchanged; a refusal is always a validation error with a message.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mx_sso::{Error, UserUpdate};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for strict in [true, false] {
        match UserUpdate::from_json(text, strict) {
            Ok(update) => {
                let sent = update.to_json();
                // An object with at least one member (extra fields are kept as raw JSON text,
                // which may hold numbers beyond f64, so they are not parsed into values here).
                let members: std::collections::BTreeMap<String, Box<serde_json::value::RawValue>> =
                    serde_json::from_str(&sent).expect("sent body is a JSON object");
                assert!(!members.is_empty());
                let again = UserUpdate::from_json(&sent, strict).expect("sent body passes again");
                assert_eq!(again, update);
            }
            Err(Error::Validation(message)) => assert!(!message.is_empty()),
            Err(other) => panic!("unexpected error kind: {other:?}"),
        }
    }
});

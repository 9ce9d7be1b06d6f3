//! Client options: never a panic; a refusal is always an invalid-argument error.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mx_sso::{Error, Options};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match Options::from_json(text) {
        Ok(options) => {
            options.check().expect("parsed options pass their checks");
        }
        Err(Error::InvalidArgument(message)) => assert!(!message.is_empty()),
        Err(other) => panic!("unexpected error kind: {other:?}"),
    }
});

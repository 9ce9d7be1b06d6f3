//! The member bodies (create and update): never a panic; a refusal is a validation error whose
//! message never holds a credential value; a create that passes names exactly one user.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mx_sso::{fuzzing::check_body, Error, Rules};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let responses = credential_responses(text);
    for rules in [Rules::CreateMember, Rules::UpdateMember] {
        for strict in [true, false] {
            match check_body(rules, text, strict) {
                Ok(()) => {
                    let body: serde_json::Value =
                        serde_json::from_str(text).expect("a body that passes is JSON");
                    let credentials = body["credentials"].as_array().expect("credentials");
                    assert!(!credentials.is_empty());
                    if rules == Rules::CreateMember {
                        let owners = ["user_guid", "external_user_guid"]
                            .iter()
                            .filter(|k| body.get(**k).is_some())
                            .count();
                        assert_eq!(owners, 1, "{text}");
                    }
                }
                Err(Error::Validation(message)) => {
                    assert!(!message.is_empty());
                    for response in &responses {
                        // Short values can occur in the message by chance ("a", "1").
                        if response.len() >= 6 {
                            assert!(!message.contains(response.as_str()), "{message}");
                        }
                    }
                }
                Err(other) => panic!("unexpected error kind: {other:?}"),
            }
        }
    }
});

/// The credential `response` strings of a body, if it parses.
fn credential_responses(text: &str) -> Vec<String> {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else { return Vec::new() };
    value["credentials"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i["response"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

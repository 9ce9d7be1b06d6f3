//! Server answers: any status, content type and body is judged without a panic; success means
//! the body is returned byte for byte and is JSON; `Retry-After` parsing never panics.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mx_sso::fuzzing::{fuzz_answer, parse_retry_after};
use mx_sso::Status;

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let status = 100 + u16::from_le_bytes([data[0], data[1]]) % 500;
    let split = (data[2] as usize).min(data.len() - 3);
    let (content_type, body) = data[3..].split_at(split);
    let content_type = std::str::from_utf8(content_type).ok();
    match fuzz_answer(status, content_type, body) {
        Ok(text) => {
            assert!((200..300).contains(&status));
            assert_eq!(text.as_bytes(), body);
            serde_json::from_str::<serde::de::IgnoredAny>(&text).expect("returned body is JSON");
        }
        Err(e) if (200..300).contains(&status) => assert_eq!(e.status(), Status::Response),
        Err(e) => {
            assert_eq!(e.status(), Status::Http);
            assert_eq!(e.http_status(), Some(status));
        }
    }
    if let Some(value) = content_type {
        let _ = parse_retry_after(value, std::time::SystemTime::now());
    }
});

//! Redaction: whatever the text and the key (without `*`), the key is not in the result.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Some((key, text)) = text.split_once('\n') else { return };
    if key.is_empty() || key.contains('*') {
        return;
    }
    let out = mx_sso::redact(text, key);
    assert!(!out.contains(key), "key {key:?} survives in {out:?}");
    assert!(!out.contains(&mx_sso::percent_encode(key)));
});

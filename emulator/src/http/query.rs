//! Query strings and path segments: percent-decoding (the `percent-encoding` crate), parameter
//! look-up, and the API key redacted for logs.

use percent_encoding::percent_decode_str;
use std::borrow::Cow;

/// Decodes `%XX` escapes (invalid escapes are kept as they are); `plus_is_space` applies the
/// form-encoding rule used in query strings. Invalid UTF-8 is replaced, never an error.
pub fn percent_decode(input: &str, plus_is_space: bool) -> Cow<'_, str> {
    if plus_is_space && input.contains('+') {
        let spaced = input.replace('+', " ");
        return Cow::Owned(percent_decode_str(&spaced).decode_utf8_lossy().into_owned());
    }
    percent_decode_str(input).decode_utf8_lossy()
}

/// The first value of query parameter `name` (decoded), if present.
pub fn query_param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (percent_decode(key, true) == name).then(|| percent_decode(value, true).into_owned())
    })
}

/// The query with the API key's value replaced by `***`, for logs.
pub fn redact_query(query: &str) -> String {
    if query.is_empty() {
        return String::new();
    }
    let mut out = String::with_capacity(query.len());
    for (i, pair) in query.split('&').enumerate() {
        if i > 0 {
            out.push('&');
        }
        let key = pair.split_once('=').map_or(pair, |(k, _)| k);
        if percent_decode(key, true) == "k" {
            out.push_str(key);
            out.push_str("=***");
        } else {
            out.push_str(pair);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_percent_escapes() {
        assert_eq!(percent_decode("a%2Fb%20c%3Fd%23e", false), "a/b c?d#e");
        assert_eq!(percent_decode("a+b", false), "a+b");
        assert_eq!(percent_decode("a+b", true), "a b");
        assert_eq!(percent_decode("a%2Bb+c", true), "a+b c");
        assert_eq!(percent_decode("100%", false), "100%");
        assert_eq!(percent_decode("%zz%4", false), "%zz%4");
        assert_eq!(percent_decode("%41", false), "A");
        assert_eq!(percent_decode("%ff", false), "\u{fffd}");
    }

    #[test]
    fn finds_parameters() {
        assert_eq!(query_param("k=a%20b&c=1", "k").as_deref(), Some("a b"));
        assert_eq!(query_param("%6B=x", "k").as_deref(), Some("x"));
        assert_eq!(query_param("c=1", "k"), None);
        assert_eq!(query_param("k", "k").as_deref(), Some(""));
    }

    #[test]
    fn redacts_the_key() {
        assert_eq!(redact_query("k=secret&c=CLT-1"), "k=***&c=CLT-1");
        assert_eq!(redact_query("c=1&%6B=secret"), "c=1&%6B=***");
        assert_eq!(redact_query(""), "");
    }
}

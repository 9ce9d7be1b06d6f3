//! Masking secrets in text that may come from outside this crate: the API key (in a `k=` query
//! parameter or as itself) and any other secret the caller's request holds (credential values).

use crate::url::percent_encode;

/// Masks the API key in a text that may contain a URL or the key itself.
///
/// Every `k=` query parameter value becomes `***`, and so does every occurrence of `api_key`,
/// raw or percent-encoded. Used on every text that did not come from this crate's own format
/// strings (ureq's error texts can contain the whole request URL).
pub fn redact(text: &str, api_key: &str) -> String {
    let mut out = mask_query_key(text);
    if !api_key.is_empty() {
        for form in [api_key.to_string(), percent_encode(api_key)] {
            if !form.is_empty() && out.contains(&form) {
                out = out.replace(&form, "***");
            }
        }
    }
    out
}

/// Replaces the value of every `k=` parameter that follows `?` or `&` with `***`.
pub(crate) fn mask_query_key(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = find_key_param(rest) {
        let value_start = pos + 2;
        out.push_str(&rest[..value_start]);
        out.push_str("***");
        let tail = &rest[value_start..];
        let value_len = tail
            .find(|c: char| c == '&' || c == '#' || c.is_whitespace() || c == '"' || c == '\'')
            .unwrap_or(tail.len());
        rest = &tail[value_len..];
    }
    out.push_str(rest);
    out
}

/// A URL (a base URL, a proxy URL, or text that holds one) as a message shows it:
/// `scheme://user:password@host/p?q` becomes `scheme://***@host/p?***`. What could be
/// credentials (everything up to the last `@`, not just the authority: a raw password may hold
/// `/`) and what could be a query or fragment (from the first `?` or `#`) are masked. Both are
/// masked where they overlap: a raw password may hold `?` or `#`, and a query may hold `@`.
pub(crate) fn shown_url(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (&url[..scheme.len() + 3], rest),
        None => ("", url),
    };
    let start = rest.rfind('@').map_or(0, |at| at + 1);
    let end = rest.find(['?', '#']).unwrap_or(rest.len());
    let mut shown = scheme.to_string();
    if start > 0 {
        shown.push_str("***@");
    }
    if start <= end {
        shown.push_str(&rest[start..end]);
    }
    if end < rest.len() {
        shown.push_str(&rest[end..=end]);
        shown.push_str("***");
    }
    shown
}

/// The byte offset of the next `k=` that starts a query parameter (preceded by `?` or `&`).
fn find_key_param(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    (1..bytes.len().saturating_sub(1))
        .find(|&i| bytes[i] == b'k' && bytes[i + 1] == b'=' && matches!(bytes[i - 1], b'?' | b'&'))
}

/// The secrets of one call: the API key and the credential values of its body. Every piece of
/// foreign text quoted in a message passes through [`Secrets::mask`].
#[derive(Default)]
pub(crate) struct Secrets<'a> {
    api_key: &'a str,
    values: Vec<String>,
}

impl<'a> Secrets<'a> {
    pub(crate) fn new(api_key: &'a str, values: Vec<String>) -> Self {
        Secrets {
            api_key,
            values: values.into_iter().filter(|v| !v.is_empty()).collect(),
        }
    }

    /// `text` with the key and every credential value (raw, percent-encoded or JSON-escaped)
    /// replaced by `***`.
    pub(crate) fn mask(&self, text: &str) -> String {
        let mut out = redact(text, self.api_key);
        for value in &self.values {
            let escaped = serde_json::to_string(value).unwrap_or_default();
            let escaped = escaped.trim_matches('"').to_string();
            for form in [value.clone(), percent_encode(value), escaped] {
                if !form.is_empty() && out.contains(&form) {
                    out = out.replace(&form, "***");
                }
            }
        }
        out
    }
}

impl std::fmt::Debug for Secrets<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_masks_key_parameter_and_literal_key() {
        let text = "http://h/user/x?k=s3cr%2Ft&c=CLT-1 failed; key s3cr/t";
        let out = redact(text, "s3cr/t");
        assert_eq!(out, "http://h/user/x?k=***&c=CLT-1 failed; key ***");
        assert_eq!(redact("a?c=1&k=abc", ""), "a?c=1&k=***");
        assert_eq!(redact("no url here", "zz"), "no url here");
    }

    #[test]
    fn shown_url_masks_credentials_and_query() {
        for (url, shown) in [
            ("proxy:8080", "proxy:8080"),
            ("u:p@proxy:8080", "***@proxy:8080"),
            // A `/` in the password must not end the search for the `@`.
            ("http://bank:pa/ss@proxy:3128", "http://***@proxy:3128"),
            ("https://h/p?k=SECRET", "https://h/p?***"),
            ("https://u:p#SECRET@h", "https://***@#***"),
            // Debug text of an option holding a URL.
            (r#"Some("http://u:p@h:1")"#, r#"Some("http://***@h:1")"#),
            ("None", "None"),
        ] {
            assert_eq!(shown_url(url), shown, "{url}");
        }
    }

    #[test]
    fn secrets_mask_credential_values_in_every_form() {
        let s = Secrets::new("KEY-1", vec!["p@ss/w\"ord".into(), String::new()]);
        let out = s.mask(r#"bad p@ss/w"ord, p%40ss%2Fw%22ord, "p@ss/w\"ord" k=KEY-1"#);
        assert!(
            !out.contains("p@ss") && !out.contains("p%40ss") && !out.contains("KEY-1"),
            "{out}"
        );
    }
}

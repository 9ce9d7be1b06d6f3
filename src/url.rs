//! Identifiers and URLs: the checks every id, key and client guid passes, percent-encoding, and
//! the request path of an operation.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::error::Error;

/// Longest accepted API key, client guid or path id, in bytes. MX documents no limit; real
/// values are tens of bytes, and a bound keeps a runaway input from becoming a huge URL.
pub const MAX_ID_BYTES: usize = 1024;

/// Everything but RFC 3986 unreserved characters is encoded.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes everything but RFC 3986 unreserved characters, so that the result is one
/// path segment or one query value whatever the input holds (`a/b` stays one segment).
pub fn percent_encode(value: &str) -> String {
    // Through `Cow` rather than `Display`: no formatting machinery on the per-call path, and no
    // work beyond one copy for a value that needs no encoding.
    std::borrow::Cow::from(utf8_percent_encode(value, COMPONENT)).into_owned()
}

/// The port of a URL that names none.
pub(crate) fn default_port(https: bool) -> u16 {
    if https {
        443
    } else {
        80
    }
}

/// `host`, `host:port`, `[v6]` or `[v6]:port` as the bare host and the port's text, if any; an
/// error says what is wrong.
pub(crate) fn split_host_port(authority: &str) -> Result<(&str, Option<&str>), &'static str> {
    let Some(rest) = authority.strip_prefix('[') else {
        return Ok(match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        });
    };
    let (host, after) = rest
        .split_once(']')
        .ok_or("its IPv6 address has no closing ']'")?;
    match after {
        "" => Ok((host, None)),
        _ => after
            .strip_prefix(':')
            .map(|port| (host, Some(port)))
            .ok_or("text follows its IPv6 address"),
    }
}

/// Checks an API key, client guid or id: non-empty, at most [`MAX_ID_BYTES`], no control
/// characters. `name` is the parameter's name as the caller knows it. The value itself never
/// appears in the message (it may be the API key).
pub fn check_id(name: &str, value: &str) -> Result<(), Error> {
    if value.is_empty() {
        return Err(Error::Validation(format!("{name} is empty")));
    }
    if value.len() > MAX_ID_BYTES {
        return Err(Error::Validation(format!(
            "{name} is {} bytes long; at most {MAX_ID_BYTES} bytes are accepted",
            value.len()
        )));
    }
    if let Some(pos) = value.chars().position(char::is_control) {
        return Err(Error::Validation(format!(
            "{name} contains a control character at position {pos}; control characters are not accepted"
        )));
    }
    Ok(())
}

/// Checks a path id (`what` says which kinds it may be, for the message): the id rules, and not
/// a relative path step.
pub fn check_path_id(name: &str, value: &str, what: &str) -> Result<(), Error> {
    check_id(name, value)?;
    if value == "." || value == ".." {
        return Err(Error::Validation(format!(
            "{name} is \"{value}\", a relative path step; expected {what}"
        )));
    }
    Ok(())
}

/// `/{resource}` or `/{resource}/{id}`, the id percent-encoded as one segment: the path as sent
/// and as events show it (no query string).
pub fn request_path(resource: &str, id: Option<&str>) -> String {
    let mut path = String::with_capacity(2 + resource.len() + id.map_or(0, str::len));
    path.push('/');
    path.push_str(resource);
    if let Some(id) = id {
        path.push('/');
        path.extend(utf8_percent_encode(id, COMPONENT));
    }
    path
}

/// `{prefix}{path}?k={api_key}&c={client_guid}`, the key and client one query value each.
/// Built by appending into one buffer sized for the usual case (no formatting machinery, no
/// intermediate strings): it runs on every attempt.
pub fn request_url(prefix: &str, path: &str, api_key: &str, client_guid: &str) -> String {
    let mut url =
        String::with_capacity(prefix.len() + path.len() + api_key.len() + client_guid.len() + 8);
    url.push_str(prefix);
    url.push_str(path);
    url.push_str("?k=");
    url.extend(utf8_percent_encode(api_key, COMPONENT));
    url.push_str("&c=");
    url.extend(utf8_percent_encode(client_guid, COMPONENT));
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encoding_keeps_one_segment() {
        assert_eq!(percent_encode("a/b c?d#e"), "a%2Fb%20c%3Fd%23e");
        assert_eq!(percent_encode("Az09-._~"), "Az09-._~");
        assert_eq!(percent_encode("é%"), "%C3%A9%25");
    }

    #[test]
    fn url_keeps_id_one_segment_and_encodes_query() {
        let path = request_path("user", Some("a/b c?d#e"));
        let url = request_url("http://127.0.0.1:9/prefix", &path, "k&y=1", "CLT a/b");
        assert_eq!(
            url,
            "http://127.0.0.1:9/prefix/user/a%2Fb%20c%3Fd%23e?k=k%26y%3D1&c=CLT%20a%2Fb"
        );
        let uri: ureq::http::Uri = url.parse().unwrap();
        assert_eq!(uri.path().matches('/').count(), 3);
        assert_eq!(request_path("member", None), "/member");
    }

    #[test]
    fn ids_are_checked_without_echoing_them() {
        assert!(check_id("user_guid", "USR-123").is_ok());
        assert!(check_id("user_guid", "a/b c?d#e").is_ok());
        for bad in ["", "a\nb", "a\u{0}b", "\u{7f}"] {
            let err = check_id("api_key", bad).unwrap_err().to_string();
            assert!(err.starts_with("api_key"), "{err}");
        }
        let long = "x".repeat(MAX_ID_BYTES + 1);
        let err = check_id("api_key", &long).unwrap_err().to_string();
        assert!(err.contains("at most") && !err.contains("xxxx"), "{err}");
    }

    #[test]
    fn dot_segments_and_bad_ids_are_refused() {
        for id in [".", ".."] {
            assert!(check_path_id("user_guid", id, "a guid").is_err());
        }
        assert!(check_path_id("user_guid", "..a", "a guid").is_ok());
        assert!(check_id("api_key", "").is_err());
        assert!(check_id("client_guid", "c\n").is_err());
        assert!(check_id("x", &"a".repeat(MAX_ID_BYTES + 1)).is_err());
    }
}

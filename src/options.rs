//! Client options: the JSON object `mx_client_new` takes, its defaults and its checks.

use std::net::IpAddr;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::Error;
use crate::redact::shown_url;
use crate::url::{check_id, split_host_port};

/// MX's production host for the SSO API v2.
pub const DEFAULT_BASE_URL: &str = "https://api2.moneydesktop.com";

/// Environment variable that sets the base URL of the process-wide default client.
pub const BASE_URL_ENV: &str = "MX_SSO_BASE_URL";

/// Environment variable that sets the API key of the process-wide default client.
pub const API_KEY_ENV: &str = "MX_SSO_API_KEY";

/// Environment variable that sets the client guid of the process-wide default client.
pub const CLIENT_GUID_ENV: &str = "MX_SSO_CLIENT_GUID";

/// The options table: every key of the options JSON object, its Rust type and its default,
/// once. The struct, its defaults, the JSON parser, the list of keys and `Debug` come from it.
macro_rules! options_table {
    ($( $(#[doc = $doc:literal])* $key:ident : $ty:ty = $default:expr, )*) => {
        /// Options of a [`Client`](crate::Client). Every field has a documented default; in JSON
        /// an unknown key, or a value of the wrong type, is an error that names the key.
        #[derive(Clone, PartialEq, Eq)]
        pub struct Options {
            $( $(#[doc = $doc])* pub $key: $ty, )*
        }

        impl Default for Options {
            fn default() -> Self {
                Options { $( $key: $default, )* }
            }
        }

        /// The keys of the options JSON object, one per field of [`Options`], in table order.
        pub const OPTION_KEYS: &[&str] = &[$( stringify!($key), )*];

        impl Options {
            /// Sets the field named `key` from its JSON value; false for an unknown key.
            fn assign(&mut self, key: &str, value: Value) -> Result<bool, Error> {
                match key {
                    $( stringify!($key) => OptionValue::assign(&mut self.$key, key, value)?, )*
                    _ => return Ok(false),
                }
                Ok(true)
            }
        }

        /// Shows every option with secrets masked (the API key; the credentials and query of
        /// `base_url` and `proxy`): a `Debug` print ends up in logs.
        impl std::fmt::Debug for Options {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                let mut out = f.debug_struct("Options");
                $( out.field(stringify!($key), &format_args!("{}", shown(stringify!($key), &self.$key))); )*
                out.finish()
            }
        }
    };
}

options_table! {
    /// Scheme, host and optional port (and path prefix) of the API.
    base_url: String = DEFAULT_BASE_URL.to_string(),
    /// The API key used when a call passes none. Masked wherever options are shown.
    api_key: Option<String> = None,
    /// The client guid used when a call passes none.
    client_guid: Option<String> = None,
    /// Overall deadline of one call, retries, read-backs and waits included.
    timeout_ms: u64 = 30_000,
    /// Deadline of one TCP (and TLS) connect.
    connect_timeout_ms: u64 = 5_000,
    /// Retries after the first attempt (see the README's "Retries").
    max_retries: u32 = 2,
    /// `None`: from the environment (`HTTPS_PROXY`, `ALL_PROXY`, `NO_PROXY`, ...);
    /// `Some("")`: no proxy; `Some(url)`: that proxy.
    proxy: Option<String> = None,
    /// PEM file whose certificates are trusted in addition to the OS store.
    ca_file: Option<String> = None,
    /// The `User-Agent` header.
    user_agent: String = concat!("mx-sso/", env!("CARGO_PKG_VERSION")).to_string(),
    /// Largest response body read; a larger one is `MX_ERR_RESPONSE`.
    max_response_bytes: u64 = 1024 * 1024,
    /// Allow `http://` to hosts other than loopback.
    allow_insecure_http: bool = false,
    /// Body fields outside the documented set are a validation error.
    strict_fields: bool = true,
}

/// How an option's JSON value is taken: `null` keeps the default, except for the optional
/// strings, where it means "none".
trait OptionValue: Sized + std::fmt::Debug {
    fn assign(&mut self, key: &str, value: Value) -> Result<(), Error>;
}

fn typed<T: DeserializeOwned>(key: &str, value: Value) -> Result<T, Error> {
    serde_json::from_value(value).map_err(|e| {
        // serde quotes the value (`invalid type: integer `12345678``); a key's must not show.
        let detail = match key {
            "api_key" => "invalid type (the value is not shown: it is a secret); expected a \
                          string or null"
                .to_string(),
            _ => e.to_string(),
        };
        Error::InvalidArgument(format!("options_json: `{key}`: {detail}"))
    })
}

macro_rules! null_keeps_default {
    ($($ty:ty),*) => {$(
        impl OptionValue for $ty {
            fn assign(&mut self, key: &str, value: Value) -> Result<(), Error> {
                if let Some(v) = typed::<Option<$ty>>(key, value)? {
                    *self = v;
                }
                Ok(())
            }
        }
    )*};
}
null_keeps_default!(String, u64, u32, bool);

impl OptionValue for Option<String> {
    fn assign(&mut self, key: &str, value: Value) -> Result<(), Error> {
        *self = typed(key, value)?;
        Ok(())
    }
}

/// An option's value as `Debug` shows it.
fn shown(key: &str, value: &dyn std::fmt::Debug) -> String {
    let text = format!("{value:?}");
    match key {
        "api_key" if text != "None" => "Some(\"***\")".to_string(),
        // A URL's credentials or query may hold a secret.
        "proxy" | "base_url" => shown_url(&text),
        _ => text,
    }
}

/// Highest accepted `max_retries`: more would only hammer a failing server.
pub const MAX_RETRIES_LIMIT: u32 = 10;

impl Options {
    /// Parses the options JSON object; missing keys keep their defaults, `null` means the
    /// default too.
    pub fn from_json(text: &str) -> Result<Self, Error> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| Error::InvalidArgument(format!("options_json: {e}")))?;
        let Value::Object(members) = value else {
            return Err(Error::InvalidArgument(
                "options_json must be a JSON object such as {\"timeout_ms\": 5000}".into(),
            ));
        };
        let mut options = Options::default();
        for (key, value) in members {
            if !options.assign(&key, value)? {
                return Err(Error::InvalidArgument(format!(
                    "options_json: unknown field `{key}`; accepted: {}",
                    OPTION_KEYS.join(", ")
                )));
            }
        }
        options.check()?;
        Ok(options)
    }

    /// Options for the process-wide default client: defaults, with `MX_SSO_BASE_URL`,
    /// `MX_SSO_API_KEY` and `MX_SSO_CLIENT_GUID` where set. An empty variable counts as unset,
    /// as in the bindings, the command-line tool and curl. A failure names the variable (never
    /// its value).
    pub fn from_env() -> Result<Self, Error> {
        let var = |name: &str| match std::env::var(name) {
            Ok(value) if value.is_empty() => Ok(None),
            Ok(value) => Ok(Some(value)),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => {
                Err(Error::InvalidArgument(format!("{name} is not valid UTF-8")))
            }
        };
        let mut options = Options::default();
        if let Some(url) = var(BASE_URL_ENV)? {
            options.base_url = url;
        }
        options
            .check()
            .map_err(|e| Error::InvalidArgument(format!("{BASE_URL_ENV}: {e}")))?;
        for (name, field) in [
            (API_KEY_ENV, &mut options.api_key),
            (CLIENT_GUID_ENV, &mut options.client_guid),
        ] {
            if let Some(value) = var(name)? {
                check_id(name, &value).map_err(|e| Error::InvalidArgument(e.to_string()))?;
                *field = Some(value);
            }
        }
        Ok(options)
    }

    /// Checks values that the JSON types alone do not constrain; returns the parsed base URL.
    pub fn check(&self) -> Result<BaseUrl, Error> {
        let invalid = |msg: String| Err(Error::InvalidArgument(msg));
        if self.timeout_ms == 0 {
            return invalid("timeout_ms must be greater than 0".into());
        }
        if self.connect_timeout_ms == 0 {
            return invalid("connect_timeout_ms must be greater than 0".into());
        }
        if self.max_retries > MAX_RETRIES_LIMIT {
            return invalid(format!(
                "max_retries is {}; at most {MAX_RETRIES_LIMIT} is accepted",
                self.max_retries
            ));
        }
        if self.max_response_bytes == 0 {
            return invalid("max_response_bytes must be greater than 0".into());
        }
        if self.user_agent.chars().any(char::is_control) {
            return invalid("user_agent must not contain control characters".into());
        }
        for (name, value) in [
            ("api_key", &self.api_key),
            ("client_guid", &self.client_guid),
        ] {
            if let Some(value) = value {
                check_id(name, value).map_err(|e| Error::InvalidArgument(e.to_string()))?;
            }
        }
        BaseUrl::parse(&self.base_url, self.allow_insecure_http)
    }
}

/// A checked base URL: `http(s)://host[:port][/prefix]`, no query, no fragment, no credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaseUrl {
    /// The URL without a trailing slash; paths are appended to it.
    pub prefix: String,
    pub https: bool,
    /// The host, bare (an IPv6 address without brackets).
    pub host: String,
    /// `scheme://host[:port]`, as messages name the server.
    pub origin: String,
}

impl BaseUrl {
    pub fn parse(url: &str, allow_insecure_http: bool) -> Result<Self, Error> {
        // The URL is shown with credentials and query masked: either may hold a secret.
        let shown = shown_url(url);
        let bad = |why: &str| {
            Err(Error::InvalidArgument(format!(
                "base_url {shown:?} {why}; expected a URL such as {DEFAULT_BASE_URL}"
            )))
        };
        let (https, rest) = if let Some(rest) = url.strip_prefix("https://") {
            (true, rest)
        } else if let Some(rest) = url.strip_prefix("http://") {
            (false, rest)
        } else {
            return bad("does not start with https:// or http://");
        };
        if url.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return bad("contains whitespace or control characters");
        }
        if url.contains(['?', '#']) {
            return bad("has a query or fragment");
        }
        let authority = rest.split('/').next().unwrap_or("");
        if authority.contains('@') {
            return bad("contains credentials");
        }
        let host = split_host_port(authority).map_or("", |(host, _)| host);
        if host.is_empty() {
            return bad("has no host");
        }
        if ureq::http::Uri::try_from(url).is_err() {
            return bad("is not a valid URL");
        }
        if !https && !allow_insecure_http && !is_loopback(host) {
            return Err(Error::InvalidArgument(format!(
                "base_url {shown:?} uses plain http:// to a host that is not loopback; the API key \
                 would travel in clear text. Use https://, or set allow_insecure_http to true"
            )));
        }
        let scheme_len = url.len() - rest.len();
        Ok(BaseUrl {
            prefix: url.trim_end_matches('/').to_string(),
            https,
            host: host.to_string(),
            origin: url[..scheme_len + authority.len()].to_string(),
        })
    }
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        Options::from_json(text).unwrap_err().to_string()
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        let o = Options::from_json("{}").unwrap();
        assert_eq!(o, Options::default());
        assert_eq!(o.base_url, "https://api2.moneydesktop.com");
        assert_eq!(
            (o.timeout_ms, o.connect_timeout_ms, o.max_retries),
            (30_000, 5_000, 2)
        );
        assert_eq!(o.max_response_bytes, 1_048_576);
        assert!(o.strict_fields && !o.allow_insecure_http && o.proxy.is_none());
        assert!(o.user_agent.starts_with("mx-sso/"));
    }

    #[test]
    fn unknown_keys_and_wrong_types_are_named() {
        assert!(err(r#"{"timeout": 5}"#).contains("unknown field `timeout`"));
        assert!(err(r#"{"timeout_ms": "5"}"#).contains("`timeout_ms`: invalid type"));
        let key = err(r#"{"api_key": 12345678}"#);
        assert!(
            key.contains("`api_key`: invalid type") && !key.contains("12345678"),
            "{key}"
        );
        assert!(err(r#"{"max_retries": -1}"#).contains("`max_retries`: invalid value"));
        assert!(err(r#"{"strict_fields": 1}"#).contains("`strict_fields`"));
        assert!(Options::from_json(r#"{"proxy": null, "timeout_ms": null}"#).is_ok());
        assert!(err(r#"{"max_retries": 11}"#).contains("max_retries"));
        assert!(err(r#"{"timeout_ms": 0}"#).contains("timeout_ms"));
        assert!(err("[]").contains("options_json"));
        assert!(err("nope").contains("options_json"));
        assert!(err(r#"{"user_agent": "a\nb"}"#).contains("user_agent"));
        assert!(err(r#"{"api_key": ""}"#).contains("api_key is empty"));
        assert!(err(r#"{"client_guid": "a\u0001"}"#).contains("client_guid"));
        assert!(err(r#"{"api_key": 5}"#).contains("`api_key`"));
    }

    #[test]
    fn the_api_key_is_masked_in_debug() {
        let o = Options::from_json(r#"{"api_key": "SECRET-K", "client_guid": "CLT-1"}"#).unwrap();
        let text = format!("{o:?}");
        assert!(
            !text.contains("SECRET-K") && text.contains("CLT-1"),
            "{text}"
        );
        assert!(text.contains("api_key: Some(\"***\")"), "{text}");
    }

    #[test]
    fn base_url_rules() {
        let ok = |u: &str| BaseUrl::parse(u, false).map(|b| b.prefix);
        assert_eq!(
            ok("https://int-api2.moneydesktop.com/").unwrap(),
            "https://int-api2.moneydesktop.com"
        );
        assert_eq!(
            ok("http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert!(ok("http://localhost:1/prefix").is_ok());
        for (url, origin) in [
            ("https://h:8443/prefix/x", "https://h:8443"),
            ("http://127.0.0.1:9", "http://127.0.0.1:9"),
            ("https://[::1]/p", "https://[::1]"),
        ] {
            assert_eq!(BaseUrl::parse(url, false).unwrap().origin, origin);
        }
        assert!(ok("http://[::1]:9").is_ok());
        assert!(ok("http://127.8.9.10").is_ok());
        let refused = ok("http://api2.moneydesktop.com").unwrap_err().to_string();
        assert!(refused.contains("allow_insecure_http"), "{refused}");
        assert!(BaseUrl::parse("http://10.0.0.1", true).is_ok());
        for bad in [
            "ftp://x",
            "https://",
            "https://u:p@h",
            "https://h/?k=1",
            "https://h#f",
            "https://h b",
        ] {
            assert!(ok(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn a_refused_base_url_shows_no_credentials_or_query() {
        for (url, shown) in [
            ("https://u:SECRET@h", "https://***@h"),
            ("https://h/?k=SECRET&c=x", "https://h/?***"),
            ("https://h#SECRET", "https://h#***"),
            ("ftp://u:SECRET@h", "ftp://***@h"),
            ("http://u:SECRET@10.0.0.1 /x", "http://***@10.0.0.1 /x"),
            ("http://u:SECRET@10.0.0.1", "http://***@10.0.0.1"),
            ("https://u:p#SECRET@h", "https://***@#***"),
            ("https://u:p?SECRET@h/x?k=SECRET", "https://***@?***"),
            ("https://h/?k=SEC@RET", "https://***@?***"),
        ] {
            let message = BaseUrl::parse(url, false).unwrap_err().to_string();
            assert!(!message.contains("SECRET"), "{message}");
            assert!(message.contains(shown), "{shown} not in {message}");
            let unchecked = Options {
                base_url: url.into(),
                ..Options::default()
            };
            let debug = format!("{unchecked:?}");
            assert!(!debug.contains("SECRET"), "{debug}");
        }
    }
}

//! Client options: the JSON object `mx_client_new` takes, its defaults and its checks.

use std::net::IpAddr;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::Error;

/// MX's production host for the SSO API v2.
pub const DEFAULT_BASE_URL: &str = "https://api2.moneydesktop.com";

/// Environment variable that sets the base URL of the process-wide default client.
pub const BASE_URL_ENV: &str = "MX_SSO_BASE_URL";

/// The keys of the options JSON object, one per field of [`Options`].
pub const OPTION_KEYS: [&str; 10] = [
    "base_url",
    "timeout_ms",
    "connect_timeout_ms",
    "max_retries",
    "proxy",
    "ca_file",
    "user_agent",
    "max_response_bytes",
    "allow_insecure_http",
    "strict_fields",
];

/// Options of a [`Client`](crate::Client). Every field has a documented default; in JSON an
/// unknown key, or a value of the wrong type, is an error that names the key.
#[derive(Clone, PartialEq, Eq)]
pub struct Options {
    /// Scheme, host and optional port (and path prefix) of the API.
    pub base_url: String,
    /// Overall deadline of one call, retries and waits included.
    pub timeout_ms: u64,
    /// Deadline of one TCP (and TLS) connect.
    pub connect_timeout_ms: u64,
    /// Retries after the first attempt, on connect failures, 429, 502, 503 and 504.
    pub max_retries: u32,
    /// `None`: from the environment (`HTTPS_PROXY`, `ALL_PROXY`, `NO_PROXY`, ...);
    /// `Some("")`: no proxy; `Some(url)`: that proxy.
    pub proxy: Option<String>,
    /// PEM file whose certificates are trusted in addition to the OS store.
    pub ca_file: Option<String>,
    pub user_agent: String,
    /// Largest response body read; a larger one is `MX_ERR_RESPONSE`.
    pub max_response_bytes: u64,
    /// Allow `http://` to hosts other than loopback.
    pub allow_insecure_http: bool,
    /// Body fields outside the documented set are a validation error.
    pub strict_fields: bool,
}

/// Shows every option, with a proxy URL's credentials masked: a `Debug` print ends up in logs.
impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("base_url", &self.base_url)
            .field("timeout_ms", &self.timeout_ms)
            .field("connect_timeout_ms", &self.connect_timeout_ms)
            .field("max_retries", &self.max_retries)
            .field("proxy", &self.proxy.as_deref().map(mask_credentials))
            .field("ca_file", &self.ca_file)
            .field("user_agent", &self.user_agent)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field("strict_fields", &self.strict_fields)
            .finish()
    }
}

/// `scheme://user:password@host` becomes `scheme://***@host`. Everything up to the last `@`
/// is masked, not just the authority: a password may hold a `/`, and masking too much in a
/// proxy URL costs nothing.
fn mask_credentials(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    match rest.rfind('@') {
        Some(at) if scheme.is_empty() => format!("***{}", &rest[at..]),
        Some(at) => format!("{scheme}://***{}", &rest[at..]),
        None => url.to_string(),
    }
}

/// The proxy a client uses: `None` (the option unset) reads the environment (`ALL_PROXY`,
/// `HTTPS_PROXY`, `HTTP_PROXY` and their lower-case forms, with `NO_PROXY`), `""` means none.
/// Only HTTP CONNECT proxies (`http://`, `https://`) are supported; a SOCKS proxy is refused
/// rather than silently bypassed, which would send the request straight to MX, unless
/// `NO_PROXY` exempts `base` from it anyway.
pub(crate) fn proxy(option: Option<&str>, base: &BaseUrl) -> Result<Option<ureq::Proxy>, Error> {
    let (proxy, origin) = match option {
        Some("") => return Ok(None),
        Some(url) => (
            ureq::Proxy::new(url).map_err(|e| {
                Error::InvalidArgument(format!(
                    "proxy {:?} is not a usable proxy URL ({e}); expected http://host:port",
                    mask_credentials(url)
                ))
            })?,
            "the proxy option",
        ),
        None => match ureq::Proxy::try_from_env() {
            Some(proxy) => (
                proxy,
                "the proxy from the environment (ALL_PROXY, HTTPS_PROXY or HTTP_PROXY)",
            ),
            None => return Ok(None),
        },
    };
    supported_proxy(proxy, origin, base)
}

fn supported_proxy(
    proxy: ureq::Proxy,
    origin: &str,
    base: &BaseUrl,
) -> Result<Option<ureq::Proxy>, Error> {
    use ureq::ProxyProtocol;
    let exempt =
        ureq::http::Uri::try_from(base.prefix.as_str()).is_ok_and(|uri| proxy.is_no_proxy(&uri));
    match proxy.protocol() {
        ProxyProtocol::Http | ProxyProtocol::Https => Ok(Some(proxy)),
        // Never used for this host: the calls go out directly, as they would with ureq.
        _ if exempt => Ok(None),
        other => Err(Error::InvalidArgument(format!(
            "{origin} is a {other} proxy; mx-sso supports HTTP CONNECT proxies only \
             (http://host:port). Set proxy to an HTTP proxy, or to \"\" to use none"
        ))),
    }
}

/// Keeps the default where the JSON value was `null`.
fn set<T>(field: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *field = value;
    }
}

/// Highest accepted `max_retries`: more would only hammer a failing server.
pub const MAX_RETRIES_LIMIT: u32 = 10;

impl Default for Options {
    fn default() -> Self {
        Options {
            base_url: DEFAULT_BASE_URL.to_string(),
            timeout_ms: 30_000,
            connect_timeout_ms: 5_000,
            max_retries: 2,
            proxy: None,
            ca_file: None,
            user_agent: concat!("mx-sso/", env!("CARGO_PKG_VERSION")).to_string(),
            max_response_bytes: 1024 * 1024,
            allow_insecure_http: false,
            strict_fields: true,
        }
    }
}

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
            // Deserializing each value on its own lets the message name the key.
            fn typed<T: DeserializeOwned>(key: &str, value: Value) -> Result<Option<T>, Error> {
                serde_json::from_value(value)
                    .map_err(|e| Error::InvalidArgument(format!("options_json: `{key}`: {e}")))
            }
            let o = &mut options;
            match key.as_str() {
                "base_url" => set(&mut o.base_url, typed(&key, value)?),
                "timeout_ms" => set(&mut o.timeout_ms, typed(&key, value)?),
                "connect_timeout_ms" => set(&mut o.connect_timeout_ms, typed(&key, value)?),
                "max_retries" => set(&mut o.max_retries, typed(&key, value)?),
                "proxy" => o.proxy = typed(&key, value)?,
                "ca_file" => o.ca_file = typed(&key, value)?,
                "user_agent" => set(&mut o.user_agent, typed(&key, value)?),
                "max_response_bytes" => set(&mut o.max_response_bytes, typed(&key, value)?),
                "allow_insecure_http" => set(&mut o.allow_insecure_http, typed(&key, value)?),
                "strict_fields" => set(&mut o.strict_fields, typed(&key, value)?),
                _ => {
                    return Err(Error::InvalidArgument(format!(
                        "options_json: unknown field `{key}`; accepted: {}",
                        OPTION_KEYS.join(", ")
                    )))
                }
            }
        }
        options.check()?;
        Ok(options)
    }

    /// Options for the process-wide default client: defaults, with `MX_SSO_BASE_URL` if set.
    pub fn from_env() -> Result<Self, Error> {
        let mut options = Options::default();
        match std::env::var(BASE_URL_ENV) {
            Ok(url) => options.base_url = url,
            Err(std::env::VarError::NotPresent) => {}
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err(Error::InvalidArgument(format!(
                    "{BASE_URL_ENV} is not valid UTF-8"
                )))
            }
        }
        options
            .check()
            .map_err(|e| Error::InvalidArgument(format!("{BASE_URL_ENV}: {e}")))?;
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
        BaseUrl::parse(&self.base_url, self.allow_insecure_http)
    }
}

/// A checked base URL: `http(s)://host[:port][/prefix]`, no query, no fragment, no credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaseUrl {
    /// The URL without a trailing slash; paths are appended to it.
    pub prefix: String,
    pub https: bool,
}

impl BaseUrl {
    pub fn parse(url: &str, allow_insecure_http: bool) -> Result<Self, Error> {
        let bad = |why: &str| {
            Err(Error::InvalidArgument(format!(
                "base_url {url:?} {why}; expected a URL such as {DEFAULT_BASE_URL}"
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
        let host = host_of(authority);
        if host.is_empty() {
            return bad("has no host");
        }
        if ureq::http::Uri::try_from(url).is_err() {
            return bad("is not a valid URL");
        }
        if !https && !allow_insecure_http && !is_loopback(host) {
            return Err(Error::InvalidArgument(format!(
                "base_url {url:?} uses plain http:// to a host that is not loopback; the API key \
                 would travel in clear text. Use https://, or set allow_insecure_http to true"
            )));
        }
        Ok(BaseUrl {
            prefix: url.trim_end_matches('/').to_string(),
            https,
        })
    }
}

/// The host part of `host[:port]`, `[v6]:port` or `[v6]`.
fn host_of(authority: &str) -> &str {
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap_or("");
    }
    authority.split(':').next().unwrap_or("")
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
        assert!(err(r#"{"max_retries": -1}"#).contains("`max_retries`: invalid value"));
        assert!(err(r#"{"strict_fields": 1}"#).contains("`strict_fields`"));
        assert!(Options::from_json(r#"{"proxy": null, "timeout_ms": null}"#).is_ok());
        assert!(err(r#"{"max_retries": 11}"#).contains("max_retries"));
        assert!(err(r#"{"timeout_ms": 0}"#).contains("timeout_ms"));
        assert!(err("[]").contains("options_json"));
        assert!(err("nope").contains("options_json"));
        assert!(err(r#"{"user_agent": "a\nb"}"#).contains("user_agent"));
    }

    #[test]
    fn proxy_credentials_are_masked_in_debug_and_errors() {
        let o = Options {
            proxy: Some("http://bank:s3cret@proxy.internal:3128".into()),
            ..Options::default()
        };
        let text = format!("{o:?}");
        assert!(text.contains("http://***@proxy.internal:3128"), "{text}");
        assert!(!text.contains("s3cret"), "{text}");
        assert_eq!(mask_credentials("proxy:8080"), "proxy:8080");
        assert_eq!(mask_credentials("u:p@proxy:8080"), "***@proxy:8080");
        // Found in review: a `/` in the password ended the search for the `@`.
        let masked = mask_credentials("http://bank:pa/ss@proxy:3128");
        assert_eq!(masked, "http://***@proxy:3128");
    }

    #[test]
    fn socks_proxies_are_refused_by_name() {
        for url in ["socks5://proxy:1080", "socks4://proxy:1080"] {
            let e = proxy(Some(url), &base()).unwrap_err().to_string();
            assert!(e.contains("HTTP CONNECT proxies only"), "{e}");
            assert!(e.contains("SOCKS"), "{e}");
        }
        assert!(proxy(Some("http://proxy:3128"), &base()).unwrap().is_some());
        assert!(proxy(Some(""), &base()).unwrap().is_none());
        let e = proxy(Some("http://u:s3cret@[::1"), &base())
            .unwrap_err()
            .to_string();
        assert!(e.contains("proxy") && !e.contains("s3cret"), "{e}");
    }

    #[test]
    fn a_socks_proxy_that_no_proxy_exempts_is_not_an_error() {
        // Found in review: ALL_PROXY=socks5://... with NO_PROXY naming MX's host worked before.
        let socks = |no_proxy: &str| {
            ureq::Proxy::builder(ureq::ProxyProtocol::Socks5)
                .host("proxy.internal")
                .port(1080)
                .no_proxy(no_proxy)
                .build()
                .unwrap()
        };
        let exempt = supported_proxy(socks("api2.moneydesktop.com"), "env", &base());
        assert!(exempt.unwrap().is_none());
        let applies = supported_proxy(socks("other.example"), "env", &base());
        assert!(applies.unwrap_err().to_string().contains("SOCKS"));
    }

    fn base() -> BaseUrl {
        BaseUrl::parse(DEFAULT_BASE_URL, false).unwrap()
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
}

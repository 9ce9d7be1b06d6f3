//! The proxy a client uses: its `proxy` option, or the environment read as curl reads it for the
//! base URL's scheme. The setting is checked when the client is made: a bad one is an error that
//! names where it came from, never a call that silently goes out directly.

mod no_proxy;

use std::sync::Arc;

use crate::error::Error;
use crate::http::tunnel::{basic_credentials, TunnelSettings};
use crate::options::BaseUrl;
use crate::redact::shown_url;
use crate::url::split_host_port;

/// The variables curl reads for an `https://` URL, in its order: the scheme's own, then
/// `all_proxy`, each lower-case first.
const HTTPS_VARIABLES: &[&str] = &["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"];

/// For an `http://` base URL (loopback, or `allow_insecure_http`). Upper-case `HTTP_PROXY` is
/// never read, as in curl: under CGI a request's `Proxy:` header becomes that variable
/// ("httpoxy").
const HTTP_VARIABLES: &[&str] = &["http_proxy", "all_proxy", "ALL_PROXY"];

/// Hosts reached directly although a proxy is set in the environment (the first one set).
const NO_PROXY_VARIABLES: &[&str] = &["no_proxy", "NO_PROXY"];

/// A proxy without a port listens on curl's default proxy port.
const DEFAULT_HTTP_PROXY_PORT: u16 = 1080;

/// The proxy of a client: ureq's setting, and what the tunnel needs to name it.
#[derive(Clone, Debug)]
pub(crate) struct Proxy {
    pub setting: ureq::Proxy,
    /// `proxy.internal:3128 (set by HTTPS_PROXY)`: never the credentials.
    pub label: Arc<str>,
}

impl Proxy {
    /// The proxy itself is reached over TLS (`https://` proxy URL).
    pub(crate) fn is_https(&self) -> bool {
        self.setting.protocol() == ureq::ProxyProtocol::Https
    }

    /// The password and the `Proxy-Authorization` token: masked in every message, like the
    /// API key (a proxy's error page may echo them).
    pub(crate) fn secrets(&self) -> Vec<String> {
        match self.setting.password() {
            Some(password) => vec![password.to_string(), basic_credentials(&self.setting)],
            None => Vec::new(),
        }
    }

    pub(crate) fn tunnel(&self, user_agent: &str) -> TunnelSettings {
        TunnelSettings {
            label: self.label.clone(),
            user_agent: user_agent.to_string(),
        }
    }
}

/// The proxy a client uses. `option` is the `proxy` option: `None` reads the environment,
/// `""` means none, anything else is that proxy (`NO_PROXY` does not apply to it: the option
/// is explicit).
pub(crate) fn proxy(option: Option<&str>, base: &BaseUrl) -> Result<Option<Proxy>, Error> {
    select(option, base, |name| std::env::var(name).ok())
}

fn select(
    option: Option<&str>,
    base: &BaseUrl,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Option<Proxy>, Error> {
    match option {
        Some("") => Ok(None),
        Some(url) => parse(url, "the proxy option").map(Some),
        None => {
            let variables = if base.https {
                HTTPS_VARIABLES
            } else {
                HTTP_VARIABLES
            };
            // An empty variable counts as unset, as in curl.
            let Some((name, value)) = variables.iter().find_map(|name| {
                env(name)
                    .filter(|value| !value.trim().is_empty())
                    .map(|value| (*name, value))
            }) else {
                return Ok(None);
            };
            let no_proxy = NO_PROXY_VARIABLES
                .iter()
                .find_map(|name| env(name).filter(|value| !value.is_empty()));
            if no_proxy.is_some_and(|list| no_proxy::exempts(&list, &base.host)) {
                // Never used for this host, so never checked: the calls go out directly.
                return Ok(None);
            }
            parse(&value, name).map(Some)
        }
    }
}

/// Parses a proxy URL from `origin` (a variable's name, or "the proxy option").
fn parse(value: &str, origin: &str) -> Result<Proxy, Error> {
    let bad = |why: &str| {
        Error::InvalidArgument(format!(
            "{origin} ({:?}) is not a usable proxy URL: {why}; expected \
             http://[user:password@]host:port",
            shown_url(value)
        ))
    };
    let value = value.trim();
    let (scheme, rest) = match value.split_once("://") {
        Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest),
        None => ("http".to_string(), value),
    };
    let default_port = match scheme.as_str() {
        "http" => DEFAULT_HTTP_PROXY_PORT,
        "https" => 443,
        socks if socks.starts_with("socks") => {
            return Err(Error::InvalidArgument(format!(
                "{origin} names a SOCKS proxy ({:?}); mx-sso supports HTTP CONNECT proxies \
                 only (http://host:port). Set the proxy option to an HTTP proxy, or to \"\" to \
                 use none",
                shown_url(value)
            )))
        }
        _ => return Err(bad("its scheme is neither http:// nor https://")),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    // An `@` past the authority: a user or password with a bare `/`, `?` or `#`, which would
    // otherwise be read as a host (and the start of the password shown as one).
    if rest[authority.len()..].contains('@') {
        return Err(bad(
            "its user or password holds '/', '?' or '#': percent-encode them (%2F, %3F, %23)",
        ));
    }
    let (userinfo, host_port) = match authority.rfind('@') {
        Some(at) => (Some(&authority[..at]), &authority[at + 1..]),
        None => (None, authority),
    };
    let (host, port) = split_host_port(host_port).map_err(bad)?;
    if host.is_empty() {
        return Err(bad("it has no host"));
    }
    let port = match port {
        None => default_port,
        Some(text) => text
            .parse::<u16>()
            .ok()
            .filter(|port| *port != 0)
            .ok_or_else(|| bad("its port is not a number from 1 to 65535"))?,
    };
    let host = if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    };
    let canonical = match userinfo {
        Some(userinfo) => format!("{scheme}://{userinfo}@{host}:{port}"),
        None => format!("{scheme}://{host}:{port}"),
    };
    let setting = ureq::Proxy::new(&canonical).map_err(|e| bad(&e.to_string()))?;
    Ok(Proxy {
        setting,
        label: format!("{host}:{port} (set by {origin})").into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::{Options, DEFAULT_BASE_URL};

    fn base() -> BaseUrl {
        BaseUrl::parse(DEFAULT_BASE_URL, false).unwrap()
    }

    /// The proxy chosen with exactly these variables set.
    fn from(vars: &[(&str, &str)]) -> Result<Option<String>, String> {
        from_for(vars, &base())
    }

    fn from_for(vars: &[(&str, &str)], base: &BaseUrl) -> Result<Option<String>, String> {
        let env = |name: &str| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        };
        select(None, base, env)
            .map(|p| p.map(|p| p.label.to_string()))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn the_schemes_own_variable_wins_as_in_curl() {
        let both = [
            ("ALL_PROXY", "socks5://socks.internal:1080"),
            ("HTTPS_PROXY", "http://proxy.internal:3128"),
        ];
        assert_eq!(
            from(&both).unwrap().unwrap(),
            "proxy.internal:3128 (set by HTTPS_PROXY)"
        );
        let lower_first = [
            ("HTTPS_PROXY", "http://upper:1"),
            ("https_proxy", "http://lower:2"),
        ];
        assert_eq!(
            from(&lower_first).unwrap().unwrap(),
            "lower:2 (set by https_proxy)"
        );
        let all = [("all_proxy", "http://all:3"), ("ALL_PROXY", "http://ALL:4")];
        assert_eq!(from(&all).unwrap().unwrap(), "all:3 (set by all_proxy)");
        // An empty variable is unset.
        let empty = [("https_proxy", ""), ("ALL_PROXY", "http://all:5")];
        assert_eq!(from(&empty).unwrap().unwrap(), "all:5 (set by ALL_PROXY)");
        assert_eq!(from(&[]).unwrap(), None);
    }

    #[test]
    fn http_proxy_is_never_read_for_https_and_only_lower_case_for_http() {
        assert_eq!(
            from(&[("HTTP_PROXY", "http://p:1"), ("http_proxy", "http://p:2")]).unwrap(),
            None
        );
        let loopback = BaseUrl::parse("http://127.0.0.1:8080", false).unwrap();
        assert_eq!(
            from_for(&[("HTTP_PROXY", "http://p:1")], &loopback).unwrap(),
            None
        );
        assert_eq!(
            from_for(&[("http_proxy", "http://p:2")], &loopback)
                .unwrap()
                .unwrap(),
            "p:2 (set by http_proxy)"
        );
        assert_eq!(
            from_for(&[("HTTPS_PROXY", "http://p:3")], &loopback).unwrap(),
            None
        );
    }

    #[test]
    fn no_proxy_exempts_the_base_host_before_the_setting_is_checked() {
        let vars = [
            ("HTTPS_PROXY", "http://[::1"),
            ("NO_PROXY", "localhost,.moneydesktop.com"),
        ];
        assert_eq!(from(&vars).unwrap(), None);
        // An empty no_proxy is unset, as in curl: NO_PROXY applies.
        let empty_lower = [
            ("HTTPS_PROXY", "http://p:1"),
            ("no_proxy", ""),
            ("NO_PROXY", ".com"),
        ];
        assert_eq!(from(&empty_lower).unwrap(), None);
        let lower_wins = [
            ("HTTPS_PROXY", "http://p:1"),
            ("no_proxy", "example.com"),
            ("NO_PROXY", "moneydesktop.com"),
        ];
        assert_eq!(
            from(&lower_wins).unwrap().unwrap(),
            "p:1 (set by HTTPS_PROXY)"
        );
        let socks = [("ALL_PROXY", "socks5://s:1080"), ("NO_PROXY", "*")];
        assert_eq!(from(&socks).unwrap(), None);
    }

    #[test]
    fn a_bad_setting_names_its_variable_and_never_its_password() {
        for (value, why) in [
            ("http://user:s3cret@[::1", "closing ']'"),
            ("http://user:s3cret@127.0.0.1:notaport", "port"),
            ("http://user:s3cret@127.0.0.1:70000", "port"),
            ("http://user:s3cret@127.0.0.1:0", "port"),
            ("ftp://user:s3cret@proxy:21", "scheme"),
            ("http://user:s3cret@:3128", "no host"),
            ("http://user:s3/cret@127.0.0.1:3128", "percent-encode"),
            ("http://svc:9021/Xq@127.0.0.1:3128", "percent-encode"),
            ("http://user:s3#cret@127.0.0.1:3128", "percent-encode"),
        ] {
            let e = from(&[("HTTPS_PROXY", value)]).unwrap_err();
            assert!(e.contains("HTTPS_PROXY") && e.contains(why), "{value}: {e}");
            assert!(!e.contains("s3cret"), "{e}");
        }
        let e = select(Some("http://127.0.0.1:notaport"), &base(), |_| None).unwrap_err();
        assert!(e.to_string().contains("the proxy option"), "{e}");
    }

    #[test]
    fn ports_default_as_in_curl_and_credentials_reach_the_setting() {
        assert_eq!(
            from(&[("HTTPS_PROXY", "proxy.internal")]).unwrap().unwrap(),
            "proxy.internal:1080 (set by HTTPS_PROXY)"
        );
        let p = select(Some("https://u%40corp:p%2Fw@[fd00::1]/"), &base(), |_| None)
            .unwrap()
            .unwrap();
        assert_eq!(&*p.label, "[fd00::1]:443 (set by the proxy option)");
        assert_eq!(p.setting.username(), Some("u@corp"));
        assert_eq!(p.setting.password(), Some("p/w"));
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
        let e = from(&[("ALL_PROXY", "socks5://u:s3cret@s:1080")]).unwrap_err();
        assert!(
            e.contains("ALL_PROXY") && e.contains("SOCKS") && !e.contains("s3cret"),
            "{e}"
        );
    }
}

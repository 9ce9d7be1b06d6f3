//! The proxy a client uses: from its `proxy` option, or from the environment.

use crate::error::Error;
use crate::options::BaseUrl;

/// `scheme://user:password@host` becomes `scheme://***@host`. Everything up to the last `@`
/// is masked, not just the authority: a password may hold a `/`, and masking too much in a
/// proxy URL costs nothing.
pub(crate) fn mask_credentials(url: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::{Options, DEFAULT_BASE_URL};

    fn base() -> BaseUrl {
        BaseUrl::parse(DEFAULT_BASE_URL, false).unwrap()
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
        // A `/` in the password must not end the search for the `@`.
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
        // ALL_PROXY=socks5://... with NO_PROXY naming MX's host: the proxy is never used.
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
}

//! TLS settings: rustls with the ring provider, roots from the OS store plus an optional CA file.
//!
//! The OS store is what curl uses and what corporate TLS inspection relies on. ureq's platform
//! verifier cannot take extra roots, so the OS roots and the `ca_file` roots are loaded into one
//! explicit list. Verification is never turned off.

use std::sync::{Arc, OnceLock};

use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig, TlsProvider};

use crate::error::Error;

/// Builds the TLS settings of a client. The OS store is only read when `https` is set (it takes
/// milliseconds); `ca_file` is always read, so a wrong path is reported when the client is made.
pub fn tls_config(https: bool, ca_file: Option<&str>) -> Result<TlsConfig, Error> {
    let mut roots: Vec<Certificate<'static>> = Vec::new();
    if let Some(path) = ca_file {
        roots.extend(read_ca_file(path)?);
    }
    if https {
        roots.extend(native_roots().iter().cloned());
        if roots.is_empty() {
            return Err(Error::InvalidArgument(
                "no trusted root certificates: the operating system's certificate store is empty \
                 or unreadable (install ca-certificates, or set ca_file to a PEM bundle)"
                    .into(),
            ));
        }
    }
    Ok(TlsConfig::builder()
        .provider(TlsProvider::Rustls)
        .unversioned_rustls_crypto_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .root_certs(RootCerts::Specific(Arc::new(roots)))
        .build())
}

/// The operating system's trusted roots, read once per process: reading them costs ~2 ms and
/// hundreds of syscalls (the bundle and every file in /etc/ssl/certs), too much to pay for
/// every client.
fn native_roots() -> &'static [Certificate<'static>] {
    static ROOTS: OnceLock<Vec<Certificate<'static>>> = OnceLock::new();
    ROOTS.get_or_init(|| {
        rustls_native_certs::load_native_certs()
            .certs
            .iter()
            .map(|der| Certificate::from_der(der.as_ref()).to_owned())
            .collect()
    })
}

fn read_ca_file(path: &str) -> Result<Vec<Certificate<'static>>, Error> {
    let pem = std::fs::read(path)
        .map_err(|e| Error::InvalidArgument(format!("ca_file {path:?} cannot be read: {e}")))?;
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        match item {
            Ok(PemItem::Certificate(cert)) => certs.push(cert),
            Ok(_) => {}
            Err(e) => {
                return Err(Error::InvalidArgument(format!(
                    "ca_file {path:?} is not a valid PEM file: {e}"
                )))
            }
        }
    }
    if certs.is_empty() {
        return Err(Error::InvalidArgument(format!(
            "ca_file {path:?} holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
        )));
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ca_file_errors_name_the_file() {
        let err = tls_config(false, Some("/nonexistent/ca.pem")).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/ca.pem"));
        let dir = std::env::temp_dir().join(format!("mx-sso-tls-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let empty = dir.join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let err = tls_config(false, empty.to_str()).unwrap_err().to_string();
        assert!(err.contains("no PEM certificate"), "{err}");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn plain_http_needs_no_roots() {
        assert!(tls_config(false, None).is_ok());
    }
}

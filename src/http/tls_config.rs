//! TLS settings: rustls with the ring provider, TLS 1.2 and 1.3, roots from the OS store plus an
//! optional CA file.
//!
//! The OS store is what curl uses and what corporate TLS inspection relies on. Verification is
//! never turned off.

use std::sync::{Arc, OnceLock};

use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};
use ureq::tls::PemItem;

use crate::error::Error;

/// The TLS settings of a client. The OS store is only read when `os_roots` is set (the base URL
/// or the proxy is `https://`; reading it takes milliseconds); `ca_file` is always read, so that
/// a wrong path is reported when the client is made.
pub(crate) fn client_config(
    os_roots: bool,
    ca_file: Option<&str>,
) -> Result<Arc<ClientConfig>, Error> {
    let mut roots = if os_roots {
        native_roots().clone()
    } else {
        RootCertStore::empty()
    };
    if let Some(path) = ca_file {
        roots.add_parsable_certificates(read_ca_file(path)?);
    }
    if os_roots && roots.is_empty() {
        return Err(Error::InvalidArgument(
            "no trusted root certificates: the operating system's certificate store is empty \
             or unreadable (install ca-certificates, or set ca_file to a PEM bundle)"
                .into(),
        ));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(rustls::ALL_VERSIONS)
        .map_err(|e| Error::Internal(format!("TLS settings: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// The operating system's trusted roots, read and parsed once per process: reading them costs
/// ~2 ms and hundreds of syscalls (the bundle and every file in /etc/ssl/certs), too much to
/// pay for every client.
fn native_roots() -> &'static RootCertStore {
    static ROOTS: OnceLock<RootCertStore> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let mut roots = RootCertStore::empty();
        roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
        roots
    })
}

fn read_ca_file(path: &str) -> Result<Vec<CertificateDer<'static>>, Error> {
    let pem = std::fs::read(path)
        .map_err(|e| Error::InvalidArgument(format!("ca_file {path:?} cannot be read: {e}")))?;
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        match item {
            Ok(PemItem::Certificate(cert)) => certs.push(CertificateDer::from(cert.der().to_vec())),
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
        let err = client_config(false, Some("/nonexistent/ca.pem")).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/ca.pem"));
        let dir = std::env::temp_dir().join(format!("mx-sso-tls-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let empty = dir.join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let err = client_config(false, empty.to_str())
            .unwrap_err()
            .to_string();
        assert!(err.contains("no PEM certificate"), "{err}");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn plain_http_needs_no_roots() {
        assert!(client_config(false, None).is_ok());
    }
}

//! HTTPS: a throw-away CA and a leaf certificate for the loopback names, and the rustls server
//! side of a connection.

use crate::http::Transport;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};
use std::io;
use std::net::{Shutdown, TcpStream};
use std::sync::Arc;
use std::time::Duration;

/// What a TLS-serving emulator needs: the server configuration and the CA clients must trust.
pub struct TlsMaterial {
    pub server_config: Arc<ServerConfig>,
    /// PEM of the CA certificate that signed the server's certificate.
    pub ca_pem: String,
}

fn tls_error(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(format!("TLS setup failed: {e}"))
}

/// Generates a fresh CA and a leaf for `127.0.0.1`, `::1` and `localhost`, and a rustls server
/// configuration using the ring provider explicitly (never the process-wide default, so that
/// TLS cannot panic on provider selection).
pub fn generate() -> io::Result<TlsMaterial> {
    let ca_key = KeyPair::generate().map_err(tls_error)?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(tls_error)?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "mx-sso-emulator test CA");
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca_params.self_signed(&ca_key).map_err(tls_error)?;
    let issuer = Issuer::new(ca_params, ca_key);

    let leaf_key = KeyPair::generate().map_err(tls_error)?;
    let mut leaf_params = CertificateParams::new(vec![
        "127.0.0.1".to_string(),
        "::1".to_string(),
        "localhost".to_string(),
    ])
    .map_err(tls_error)?;
    leaf_params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    leaf_params.use_authority_key_identifier_extension = true;
    leaf_params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let leaf_cert = leaf_params
        .signed_by(&leaf_key, &issuer)
        .map_err(tls_error)?;

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let server_config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(tls_error)?
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf_cert.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
        )
        .map_err(tls_error)?;
    Ok(TlsMaterial {
        server_config: Arc::new(server_config),
        ca_pem: ca_cert.pem(),
    })
}

/// A server-side TLS stream over TCP.
pub type TlsStream = StreamOwned<ServerConnection, TcpStream>;

/// Runs the TLS handshake to completion (bounded by the socket's read timeout).
pub fn accept(config: &Arc<ServerConfig>, mut tcp: TcpStream) -> io::Result<TlsStream> {
    let mut conn = ServerConnection::new(config.clone()).map_err(io::Error::other)?;
    while conn.is_handshaking() {
        let (read, written) = conn.complete_io(&mut tcp)?;
        if read == 0 && written == 0 && conn.is_handshaking() {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
    }
    Ok(StreamOwned::new(conn, tcp))
}

impl Transport for TlsStream {
    fn shutdown_write(&mut self) {
        let _ = self.sock.shutdown(Shutdown::Write);
    }
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        self.sock.set_read_timeout(timeout)
    }
}

//! TLS for wss:// (libzmq master's GnuTLS-based wss, on rustls with the
//! ring provider: no system library at run time). This module turns the
//! socket options into TLS configurations; the engine layer runs the
//! sessions (`engine::tls_stream`).
//! - A wss listener needs `ZMQ_WSS_CERT_PEM` (the chain, leaf first) and
//!   `ZMQ_WSS_KEY_PEM`; without them, or with PEM that does not parse,
//!   `zmq_bind` is `EINVAL` (libzmq asserts).
//! - A wss connect trusts `ZMQ_WSS_TRUST_PEM` and, with
//!   `ZMQ_WSS_TRUST_SYSTEM`, the system's store; `ZMQ_WSS_HOSTNAME`, if
//!   set, is sent as SNI and checked against the certificate (`verify`).
//!   Trust PEM that does not parse is `EINVAL` from `zmq_connect`.
//!
//! Never offers or accepts clear text: a failed handshake ends the
//! connection.

mod verify;
pub mod x509;

use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, OnceLock};

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, RootCertStore, ServerConfig};

use crate::error::{Error, Result};
use verify::PeerVerifier;

/// What a wss connect's TLS sessions are made from.
#[derive(Debug, Clone)]
pub struct TlsClient {
    pub config: Arc<ClientConfig>,
    /// The name the session is for: `ZMQ_WSS_HOSTNAME`, or a placeholder
    /// (no SNI is sent then, and the verifier checks no name).
    pub server_name: ServerName<'static>,
}

/// ring, with rustls's default suites and key exchange groups. rustls
/// marks it deprecated as it has no post-quantum key exchange; its other
/// provider, aws-lc-rs, builds a large C library (and cmake) into ours.
/// The peers wss serves (libzmq's GnuTLS, browsers) all offer X25519.
#[allow(deprecated)]
fn provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    PROVIDER
        .get_or_init(|| Arc::new(rustls::crypto::ring::default_provider()))
        .clone()
}

/// Every certificate of a PEM text; `EINVAL` if there is none or one does
/// not parse.
fn certificates(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|_| Error::Inval)?;
    if certs.is_empty() {
        return Err(Error::Inval);
    }
    Ok(certs)
}

/// The system's trust anchors, read once (rustls-native-certs: the
/// OpenSSL locations, `SSL_CERT_FILE`/`SSL_CERT_DIR`).
fn system_roots() -> &'static [CertificateDer<'static>] {
    static ROOTS: OnceLock<Vec<CertificateDer<'static>>> = OnceLock::new();
    ROOTS.get_or_init(|| rustls_native_certs::load_native_certs().certs)
}

/// A wss listener's configuration.
pub fn server_config(cert_pem: &[u8], key_pem: &[u8]) -> Result<Arc<ServerConfig>> {
    let chain = certificates(cert_pem)?;
    let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|_| Error::Inval)?;
    let config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|_| Error::Inval)?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|_| Error::Inval)?;
    Ok(Arc::new(config))
}

/// A wss connect's configuration.
pub fn client(trust_pem: &[u8], trust_system: bool, hostname: &[u8]) -> Result<TlsClient> {
    let pinned = if trust_pem.is_empty() {
        Vec::new()
    } else {
        certificates(trust_pem)?
    };
    let mut roots = RootCertStore::empty();
    // A trust certificate webpki cannot take as an anchor is still
    // trusted as itself (`verify`).
    roots.add_parsable_certificates(pinned.iter().cloned());
    if trust_system {
        roots.add_parsable_certificates(system_roots().iter().cloned());
    }
    let hostname = (!hostname.is_empty())
        .then(|| std::str::from_utf8(hostname).map(str::to_owned))
        .transpose()
        .map_err(|_| Error::Inval)?;
    let named = hostname
        .as_ref()
        .and_then(|h| ServerName::try_from(h.clone()).ok());
    let verifier = PeerVerifier::new(roots, pinned, hostname, provider());
    let mut config = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|_| Error::Inval)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.enable_sni = named.is_some();
    Ok(TlsClient {
        config: Arc::new(config),
        server_name: named.unwrap_or(ServerName::IpAddress(
            IpAddr::V4(Ipv4Addr::LOCALHOST).into(),
        )),
    })
}

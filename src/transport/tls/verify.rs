//! How a wss client decides whether to trust the server's certificate,
//! as libzmq's GnuTLS does (`gnutls_session_set_verify_cert` with the
//! `ZMQ_WSS_HOSTNAME`, or with no name):
//! - the chain must lead to a trust anchor (`ZMQ_WSS_TRUST_PEM`,
//!   `ZMQ_WSS_TRUST_SYSTEM`), checked by webpki; or the certificate is one
//!   of the `ZMQ_WSS_TRUST_PEM` certificates itself, inside its validity
//!   period (a self-signed certificate given as trust, CA flag or not);
//! - with a hostname set, the certificate must name it (`x509`, which adds
//!   GnuTLS's commonName fallback to webpki's subjectAltName check);
//!   without one, no name is checked.
//!
//! Never trusts a certificate outside those rules: with no trust
//! configured every server is refused.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, Error, RootCertStore, SignatureScheme};

use super::x509::CertNames;

#[derive(Debug)]
pub struct PeerVerifier {
    /// Chains to the trust anchors; `None` with no anchors at all.
    chains: Option<Arc<WebPkiServerVerifier>>,
    /// The `ZMQ_WSS_TRUST_PEM` certificates, trusted as they are.
    pinned: Vec<CertificateDer<'static>>,
    /// `ZMQ_WSS_HOSTNAME`, if set.
    hostname: Option<String>,
    provider: Arc<CryptoProvider>,
}

impl PeerVerifier {
    pub fn new(
        roots: RootCertStore,
        pinned: Vec<CertificateDer<'static>>,
        hostname: Option<String>,
        provider: Arc<CryptoProvider>,
    ) -> PeerVerifier {
        let chains = (!roots.is_empty())
            .then(|| {
                WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                    .build()
                    .ok()
            })
            .flatten();
        PeerVerifier {
            chains,
            pinned,
            hostname,
            provider,
        }
    }

    /// The hostname check on a certificate whose trust is settled.
    fn check_name(&self, end_entity: &CertificateDer<'_>) -> Result<ServerCertVerified, Error> {
        let Some(host) = &self.hostname else {
            return Ok(ServerCertVerified::assertion());
        };
        let names = CertNames::parse(end_entity)
            .ok_or(Error::InvalidCertificate(CertificateError::BadEncoding))?;
        if names.names_host(host) {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(Error::InvalidCertificate(CertificateError::NotValidForName))
        }
    }

    /// A certificate given as trust, presented as it is.
    fn check_pinned(
        &self,
        end_entity: &CertificateDer<'_>,
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        let names = CertNames::parse(end_entity)
            .ok_or(Error::InvalidCertificate(CertificateError::BadEncoding))?;
        let now = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
        if !names.valid_at(now) {
            return Err(Error::InvalidCertificate(CertificateError::Expired));
        }
        self.check_name(end_entity)
    }
}

fn is_name_error(e: &Error) -> bool {
    matches!(
        e,
        Error::InvalidCertificate(
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. }
        )
    )
}

impl ServerCertVerifier for PeerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        let chained = match &self.chains {
            Some(v) => {
                v.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            }
            None => Err(Error::InvalidCertificate(CertificateError::UnknownIssuer)),
        };
        match chained {
            // webpki checks the name only once the chain is good; the name
            // is always checked here, with GnuTLS's rules.
            Ok(_) => self.check_name(end_entity),
            Err(e) if is_name_error(&e) => self.check_name(end_entity),
            Err(_)
                if self
                    .pinned
                    .iter()
                    .any(|c| c.as_ref() == end_entity.as_ref()) =>
            {
                self.check_pinned(end_entity, now)
            }
            Err(e) => Err(e),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

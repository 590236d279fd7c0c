//! Mutual TLS without a certificate authority.
//!
//! A certificate here is only a wrapper around an Ed25519 key that is already registered: a
//! subsystem's key (made by `yagona exchange keygen`, its public half in the directory) or a
//! node's key (its public half in `exchange/nodes.toml`). Certificates are self-signed and made
//! on demand from the key; what matters is the key inside, which the other side *pins*:
//!
//! - a node accepts any client certificate carrying an Ed25519 key, and decides after the
//!   handshake who that key is — a subsystem that registered it, or a node of the address book —
//!   and what it may do (the handshake itself proves the client holds the private key);
//! - a node calling another node accepts the server only if its certificate carries the key the
//!   address book gives for that node, whatever its name or dates say.
//!
//! So no certificate authority, OCSP responder or revocation list is needed: withdrawing a key
//! from the directory withdraws the certificate. TLS 1.3 only.

use ed25519_dalek::pkcs8::{DecodePublicKey, EncodePrivateKey};
use ed25519_dalek::{SigningKey, VerifyingKey};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, DistinguishedName, ServerConfig,
    SignatureScheme,
};
use std::sync::Arc;

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

fn private_der(key: &SigningKey) -> Result<PrivateKeyDer<'static>, String> {
    let der = crate::keys::pkcs8_v1(key)
        .to_pkcs8_der()
        .map_err(|e| format!("the key cannot be written as PKCS#8: {e}"))?;
    Ok(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        der.as_bytes().to_vec(),
    )))
}

fn rcgen_key(key: &SigningKey) -> Result<rcgen::KeyPair, String> {
    let der = crate::keys::pkcs8_v1(key)
        .to_pkcs8_der()
        .map_err(|e| format!("the key cannot be written as PKCS#8: {e}"))?;
    rcgen::KeyPair::from_pkcs8_der_and_sign_algo(
        &PrivatePkcs8KeyDer::from(der.as_bytes()),
        &rcgen::PKCS_ED25519,
    )
    .map_err(|e| format!("the key cannot sign a certificate: {e}"))
}

fn self_signed(key: &SigningKey, name: &str) -> Result<rcgen::Certificate, String> {
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new())
        .map_err(|e| format!("certificate for {name}: {e}"))?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, name);
    // The key is what counts; the dates only have to be sane for libraries that look at them.
    params.not_before = rcgen::date_time_ymd(2024, 1, 1);
    params.not_after = rcgen::date_time_ymd(2124, 1, 1);
    params
        .self_signed(&rcgen_key(key)?)
        .map_err(|e| format!("certificate for {name}: {e}"))
}

/// A self-signed certificate carrying `key`, with `name` as its common name.
pub fn certificate(key: &SigningKey, name: &str) -> Result<CertificateDer<'static>, String> {
    Ok(self_signed(key, name)?.der().clone())
}

/// The same certificate in PEM, for an information system's TLS client (`curl --cert`).
pub fn certificate_pem(key: &SigningKey, name: &str) -> Result<String, String> {
    Ok(self_signed(key, name)?.pem())
}

/// The Ed25519 key a certificate carries (`None`: not a certificate, or another kind of key).
pub fn key_of(cert: &CertificateDer<'_>) -> Option<VerifyingKey> {
    let parsed = webpki::EndEntityCert::try_from(cert).ok()?;
    VerifyingKey::from_public_key_der(parsed.subject_public_key_info().as_ref()).ok()
}

/// The key's pin as curl takes it (`--pinnedpubkey sha256//…`): base64 of the SHA-256 of its
/// SubjectPublicKeyInfo.
pub fn key_pin(key: &VerifyingKey) -> String {
    use base64::Engine;
    use ed25519_dalek::pkcs8::EncodePublicKey;
    use sha2::{Digest, Sha256};
    let spki = key
        .to_public_key_der()
        .expect("an Ed25519 key always encodes");
    format!(
        "sha256//{}",
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(spki.as_bytes()))
    )
}

/// The TLS handshake's own signature check (proof that the peer holds the certificate's key).
fn handshake_signature(
    provider: &CryptoProvider,
    message: &[u8],
    cert: &CertificateDer<'_>,
    dss: &DigitallySignedStruct,
    tls13: bool,
) -> Result<HandshakeSignatureValid, rustls::Error> {
    let algorithms = &provider.signature_verification_algorithms;
    if tls13 {
        verify_tls13_signature(message, cert, dss, algorithms)
    } else {
        verify_tls12_signature(message, cert, dss, algorithms)
    }
}

/// Client certificates: any that carries an Ed25519 key (who it is, is decided after the
/// handshake by the key). Optional, so that callers with a client token may use TLS too.
#[derive(Debug)]
struct AnyEd25519Client {
    provider: Arc<CryptoProvider>,
}

impl ClientCertVerifier for AnyEd25519Client {
    fn client_auth_mandatory(&self) -> bool {
        false
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        match key_of(end_entity) {
            Some(_) => Ok(ClientCertVerified::assertion()),
            None => Err(rustls::Error::InvalidCertificate(
                CertificateError::BadEncoding,
            )),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        handshake_signature(&self.provider, message, cert, dss, false)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        handshake_signature(&self.provider, message, cert, dss, true)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        vec![SignatureScheme::ED25519]
    }
}

/// A server is accepted only when its certificate carries one of the pinned keys.
#[derive(Debug)]
struct PinnedServer {
    keys: Vec<VerifyingKey>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for PinnedServer {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match key_of(end_entity) {
            Some(k) if self.keys.contains(&k) => Ok(ServerCertVerified::assertion()),
            _ => Err(rustls::Error::InvalidCertificate(
                CertificateError::ApplicationVerificationFailure,
            )),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        handshake_signature(&self.provider, message, cert, dss, false)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        handshake_signature(&self.provider, message, cert, dss, true)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        vec![SignatureScheme::ED25519]
    }
}

/// A node's TLS listener: its own key as server certificate; client certificates asked for,
/// not required.
pub fn server_config(node_key: &SigningKey, name: &str) -> Result<ServerConfig, String> {
    let provider = provider();
    let mut config = ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| e.to_string())?
        .with_client_cert_verifier(Arc::new(AnyEd25519Client { provider }))
        .with_single_cert(vec![certificate(node_key, name)?], private_der(node_key)?)
        .map_err(|e| e.to_string())?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// A TLS client that presents `own` (a node's or a subsystem's key) and accepts only a server
/// holding one of `server_keys`.
pub fn client_config(
    own: Option<(&SigningKey, &str)>,
    server_keys: Vec<VerifyingKey>,
) -> Result<ClientConfig, String> {
    let provider = provider();
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(PinnedServer {
            keys: server_keys,
            provider,
        }));
    let mut config = match own {
        Some((key, name)) => builder
            .with_client_auth_cert(vec![certificate(key, name)?], private_der(key)?)
            .map_err(|e| e.to_string())?,
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_certificate_carries_the_key_it_was_made_from() {
        let key = crate::evidence::generate_key();
        let cert = certificate(&key, "UZ/GOV/200524845/taxpayers").unwrap();
        assert_eq!(key_of(&cert), Some(key.verifying_key()));
        let pem = certificate_pem(&key, "x").unwrap();
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
        assert_eq!(key_of(&CertificateDer::from(b"not a cert".to_vec())), None);
    }

    #[test]
    fn configurations_build_from_a_key() {
        let key = crate::evidence::generate_key();
        server_config(&key, "node").unwrap();
        client_config(Some((&key, "node")), vec![key.verifying_key()]).unwrap();
        client_config(None, vec![]).unwrap();
    }
}

//! TLS with rustls: a server's configuration from PEM files or a certificate made at
//! start-up, a client's verifying against the system's roots (or nothing, when asked),
//! and ALPN choosing the protocol (`h2` or `http/1.1`).

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, ServerConfig, SignatureScheme};
use std::io;
use std::path::Path;
use std::sync::Arc;
use weir::Version;

/// The ALPN protocol identifiers (RFC 7301) of the versions weir speaks.
pub const ALPN_H2: &[u8] = b"h2";
/// See [`ALPN_H2`].
pub const ALPN_HTTP11: &[u8] = b"http/1.1";

/// The version a connection speaks after ALPN chose `protocol` (`None`: the client
/// offered none of ours, or no ALPN at all).
pub fn negotiated(protocol: Option<&[u8]>) -> Option<Version> {
    match protocol? {
        ALPN_H2 => Some(Version::Http2),
        ALPN_HTTP11 => Some(Version::Http11),
        _ => None,
    }
}

/// A certificate chain and its key.
#[derive(Debug)]
pub struct Identity {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

impl Identity {
    /// Reads a PEM certificate chain and a PEM private key.
    pub fn from_pem_files(cert: &Path, key: &Path) -> io::Result<Identity> {
        let chain = CertificateDer::pem_file_iter(cert)
            .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
            .map_err(|e| io::Error::other(format!("{}: {e}", cert.display())))?;
        if chain.is_empty() {
            return Err(io::Error::other(format!(
                "{}: no certificate in it",
                cert.display()
            )));
        }
        let key = PrivateKeyDer::from_pem_file(key)
            .map_err(|e| io::Error::other(format!("{}: {e}", key.display())))?;
        Ok(Identity { chain, key })
    }

    /// A self-signed certificate for `localhost`, `127.0.0.1` and `::1`, made now.
    /// Returns it with its PEM text, for a client that wants to trust it.
    pub fn self_signed() -> io::Result<(Identity, String)> {
        let names = ["localhost", "127.0.0.1", "::1"].map(String::from).to_vec();
        let made = rcgen::generate_simple_self_signed(names).map_err(io::Error::other)?;
        let pem = made.cert.pem();
        let identity = Identity {
            chain: vec![made.cert.der().clone()],
            key: PrivateKeyDer::Pkcs8(made.key_pair.serialize_der().into()),
        };
        Ok((identity, pem))
    }

    /// A server configuration offering `versions` by ALPN, in order of preference.
    pub fn server_config(self, versions: &[Version]) -> io::Result<Arc<ServerConfig>> {
        let mut config = ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(io::Error::other)?
            .with_no_client_auth()
            .with_single_cert(self.chain, self.key)
            .map_err(io::Error::other)?;
        config.alpn_protocols = alpn(versions);
        Ok(Arc::new(config))
    }
}

/// A client configuration offering `versions` by ALPN: it verifies servers against the
/// system's roots, plus `extra_roots` (PEM), or verifies nothing when `insecure`.
pub fn client_config(
    versions: &[Version],
    extra_roots: Option<&str>,
    insecure: bool,
) -> io::Result<Arc<ClientConfig>> {
    let builder = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(io::Error::other)?;
    let mut config = if insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerification))
            .with_no_client_auth()
    } else {
        let mut roots = RootCertStore::empty();
        // A store that cannot be read leaves fewer roots; a server it would have
        // vouched for then fails its handshake, which says so.
        let native = rustls_native_certs::load_native_certs();
        roots.add_parsable_certificates(native.certs);
        if let Some(pem) = extra_roots {
            let extra = CertificateDer::pem_slice_iter(pem.as_bytes())
                .collect::<Result<Vec<_>, _>>()
                .map_err(io::Error::other)?;
            roots.add_parsable_certificates(extra);
        }
        builder.with_root_certificates(roots).with_no_client_auth()
    };
    config.alpn_protocols = alpn(versions);
    Ok(Arc::new(config))
}

/// The ALPN identifiers of `versions`.
fn alpn(versions: &[Version]) -> Vec<Vec<u8>> {
    versions
        .iter()
        .map(|v| match v {
            Version::Http2 => ALPN_H2.to_vec(),
            _ => ALPN_HTTP11.to_vec(),
        })
        .collect()
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// `--insecure`: accepts any certificate (signatures are still checked, so the
/// handshake itself stays sound).
#[derive(Debug)]
struct NoVerification;

impl ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &provider().signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &provider().signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        provider()
            .signature_verification_algorithms
            .supported_schemes()
    }
}

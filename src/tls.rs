//! TLS material read from PEM files and checked before anything listens or
//! connects: the national client's certificate, key and pinned CA, and the
//! simulator's server certificate and client CA. A missing, unreadable or
//! malformed file, or a key that does not belong to its certificate, is a
//! [`TlsFileError`] naming the setting, never a panic and never a failure
//! left for the first handshake to find.
//!
//! Only TLS 1.2 and 1.3 are offered ([`VERSIONS`]), with the `ring`
//! provider that reqwest uses too.

use rustls::crypto::CryptoProvider;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::path::Path;
use std::sync::Arc;

/// The protocol versions offered and accepted: TLS 1.3 and 1.2, nothing older.
pub const VERSIONS: &[&rustls::SupportedProtocolVersion] = &[&rustls::version::TLS13, &rustls::version::TLS12];

/// Largest PEM file read (certificate chains and keys are a few KiB).
pub const MAX_PEM_BYTES: u64 = 1 << 20;

/// A TLS file or its contents cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{setting}: {origin}: {message}")]
pub struct TlsFileError {
    /// The setting that names the file, e.g. `COOPGATE_NATIONAL_CLIENT_CERT`.
    pub setting: String,
    /// The file (or where the bytes came from).
    pub origin: String,
    /// What is wrong, in words.
    pub message: String,
}

impl TlsFileError {
    fn new(setting: &str, origin: &str, message: impl Into<String>) -> Self {
        TlsFileError { setting: setting.to_owned(), origin: origin.to_owned(), message: message.into() }
    }
}

/// The cryptographic provider of every TLS configuration made here.
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Reads a PEM file of at most [`MAX_PEM_BYTES`].
pub fn read_pem_file(setting: &str, path: &Path) -> Result<Vec<u8>, TlsFileError> {
    use std::io::Read as _;
    let origin = path.display().to_string();
    let file =
        std::fs::File::open(path).map_err(|e| TlsFileError::new(setting, &origin, format!("cannot open: {e}")))?;
    let mut bytes = Vec::new();
    file.take(MAX_PEM_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| TlsFileError::new(setting, &origin, format!("cannot read: {e}")))?;
    if bytes.len() as u64 > MAX_PEM_BYTES {
        return Err(TlsFileError::new(setting, &origin, "larger than 1 MiB: not a PEM certificate or key file"));
    }
    Ok(bytes)
}

/// The certificates of a PEM text (`-----BEGIN CERTIFICATE-----` blocks),
/// at least one, each a well-formed X.509 certificate.
pub fn parse_certs(setting: &str, origin: &str, pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, TlsFileError> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsFileError::new(setting, origin, format!("not a valid PEM file ({e})")))?;
    if certs.is_empty() {
        return Err(TlsFileError::new(setting, origin, "holds no PEM certificate (-----BEGIN CERTIFICATE-----)"));
    }
    for (i, cert) in certs.iter().enumerate() {
        rustls::server::ParsedCertificate::try_from(cert).map_err(|e| {
            TlsFileError::new(setting, origin, format!("certificate {} is not a valid X.509 certificate ({e})", i + 1))
        })?;
    }
    Ok(certs)
}

/// The private key of a PEM text (PKCS#8, PKCS#1 RSA or SEC1 EC), of a
/// type TLS can sign with.
pub fn parse_key(setting: &str, origin: &str, pem: &[u8]) -> Result<PrivateKeyDer<'static>, TlsFileError> {
    let key = PrivateKeyDer::from_pem_slice(pem).map_err(|e| {
        TlsFileError::new(setting, origin, format!("holds no usable PEM private key (PKCS#8, RSA or EC): {e}"))
    })?;
    provider()
        .key_provider
        .load_private_key(key.clone_key())
        .map_err(|e| TlsFileError::new(setting, origin, format!("private key of an unsupported type ({e})")))?;
    Ok(key)
}

/// A PEM text of the certificates and then the key, as reqwest's
/// `Identity::from_pem` takes it (re-encoded, so anything else the files
/// held, such as `EC PARAMETERS` blocks, is left out).
pub fn identity_pem(certs: &[CertificateDer<'static>], key: &PrivateKeyDer<'static>) -> Vec<u8> {
    let mut out = String::new();
    for cert in certs {
        out.push_str(&pem_block("CERTIFICATE", cert.as_ref()));
    }
    let label = match key {
        PrivateKeyDer::Pkcs1(_) => "RSA PRIVATE KEY",
        PrivateKeyDer::Sec1(_) => "EC PRIVATE KEY",
        _ => "PRIVATE KEY",
    };
    out.push_str(&pem_block(label, key.secret_der()));
    out.into_bytes()
}

fn pem_block(label: &str, der: &[u8]) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// Checks that `key` is the private key of the first certificate in `certs`.
pub fn check_pair(
    key_setting: &str,
    origin: &str,
    certs: &[CertificateDer<'static>],
    key: &PrivateKeyDer<'static>,
) -> Result<(), TlsFileError> {
    let signing = provider()
        .key_provider
        .load_private_key(key.clone_key())
        .map_err(|e| TlsFileError::new(key_setting, origin, format!("private key of an unsupported type ({e})")))?;
    rustls::sign::CertifiedKey::new(certs.to_vec(), signing).keys_match().map_err(|_| {
        TlsFileError::new(key_setting, origin, "this private key does not belong to the certificate it is paired with")
    })
}

/// The trust anchors made from `certs` (the pinned CA).
pub fn roots(
    setting: &str,
    origin: &str,
    certs: &[CertificateDer<'static>],
) -> Result<rustls::RootCertStore, TlsFileError> {
    let mut store = rustls::RootCertStore::empty();
    for (i, cert) in certs.iter().enumerate() {
        store.add(cert.clone()).map_err(|e| {
            TlsFileError::new(setting, origin, format!("certificate {} cannot be a trust anchor ({e})", i + 1))
        })?;
    }
    Ok(store)
}

/// A server's TLS material: its certificate chain and key, and optionally
/// the CA whose client certificates it requires.
#[derive(Clone, PartialEq, Eq)]
pub struct ServerTls {
    /// The server's certificate chain (PEM), leaf first.
    pub cert_pem: Vec<u8>,
    /// Its private key (PEM; never shown by `Debug`).
    pub key_pem: Vec<u8>,
    /// When set, every client must present a certificate issued by one of
    /// these CAs (PEM); the handshake of any other client is refused.
    pub client_ca_pem: Option<Vec<u8>>,
}

impl std::fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerTls")
            .field("cert_pem", &format_args!("{} bytes", self.cert_pem.len()))
            .field("key_pem", &"***")
            .field("client_ca", &self.client_ca_pem.is_some())
            .finish()
    }
}

/// Names of the settings that carry a [`ServerTls`], for its errors.
#[derive(Debug, Clone, Copy)]
pub struct ServerTlsSettings<'a> {
    /// The certificate chain's setting.
    pub cert: &'a str,
    /// The key's setting.
    pub key: &'a str,
    /// The client CA's setting.
    pub client_ca: &'a str,
}

impl ServerTls {
    /// The rustls server configuration: TLS 1.2+ only, HTTP/1.1, and client
    /// certificates required when a client CA is set.
    pub fn server_config(&self, names: ServerTlsSettings<'_>) -> Result<rustls::ServerConfig, TlsFileError> {
        let certs = parse_certs(names.cert, "PEM", &self.cert_pem)?;
        let key = parse_key(names.key, "PEM", &self.key_pem)?;
        check_pair(names.key, "PEM", &certs, &key)?;
        let builder = rustls::ServerConfig::builder_with_provider(provider())
            .with_protocol_versions(VERSIONS)
            .map_err(|e| TlsFileError::new(names.cert, "PEM", format!("no usable TLS version ({e})")))?;
        let builder = match &self.client_ca_pem {
            None => builder.with_no_client_auth(),
            Some(pem) => {
                let cas = parse_certs(names.client_ca, "PEM", pem)?;
                let roots = roots(names.client_ca, "PEM", &cas)?;
                let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider())
                    .build()
                    .map_err(|e| TlsFileError::new(names.client_ca, "PEM", format!("cannot verify clients ({e})")))?;
                builder.with_client_cert_verifier(verifier)
            }
        };
        let mut config = builder
            .with_single_cert(certs, key)
            .map_err(|e| TlsFileError::new(names.cert, "PEM", format!("cannot serve this certificate ({e})")))?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(config)
    }
}

/// Whether `e`, or an error it was caused by, is a TLS failure (a refused
/// or untrusted certificate, a TLS alert): what such a failure is called in
/// words without the library's text. `None` for any other failure.
pub fn tls_failure(e: &(dyn std::error::Error + 'static)) -> Option<&'static str> {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(e);
    // Bounded: a chain is a few errors deep.
    for _ in 0..32 {
        let err = next?;
        if let Some(t) = err.downcast_ref::<rustls::Error>() {
            return Some(describe(t));
        }
        // std::io::Error hides the error it wraps from `source()`: step into it.
        next = match err.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()) {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => err.source(),
        };
    }
    None
}

fn describe(e: &rustls::Error) -> &'static str {
    use rustls::{AlertDescription as A, Error as E};
    match e {
        E::InvalidCertificate(_) => "the national system's certificate is not trusted (not issued by the pinned CA, expired or for another name)",
        E::AlertReceived(A::CertificateRequired | A::BadCertificate | A::UnknownCA | A::CertificateUnknown | A::AccessDenied) => {
            "the national system refused our client certificate (none, or not issued by the CA it trusts)"
        }
        E::AlertReceived(A::ProtocolVersion) => "no TLS version both sides accept (TLS 1.2 or later is required)",
        _ => "the TLS handshake failed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_without_a_certificate_is_refused_with_the_setting_named() {
        let e = parse_certs("COOPGATE_NATIONAL_CA", "ca.pem", b"hello").expect_err("no certificate");
        assert_eq!(e.setting, "COOPGATE_NATIONAL_CA");
        assert!(e.to_string().starts_with("COOPGATE_NATIONAL_CA: ca.pem: "), "{e}");
    }

    #[test]
    fn a_certificate_block_of_garbage_is_refused() {
        let pem = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        let e = parse_certs("COOPGATE_NATIONAL_CLIENT_CERT", "c.pem", pem).expect_err("bad certificate");
        assert!(e.message.contains("not a valid X.509"), "{e}");
    }

    #[test]
    fn a_file_without_a_key_is_refused_with_the_setting_named() {
        let e = parse_key("COOPGATE_NATIONAL_CLIENT_KEY", "k.pem", b"no key here").expect_err("no key");
        assert_eq!(e.setting, "COOPGATE_NATIONAL_CLIENT_KEY");
    }

    #[test]
    fn a_missing_file_is_refused_with_the_setting_named() {
        let e = read_pem_file("COOPGATE_NATIONAL_CA", Path::new("/nonexistent/ca.pem")).expect_err("missing");
        assert!(e.to_string().starts_with("COOPGATE_NATIONAL_CA: /nonexistent/ca.pem: cannot open"), "{e}");
    }

    #[test]
    fn a_tls_failure_wrapped_in_io_errors_is_recognised() {
        let rustls = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let inner = std::io::Error::new(std::io::ErrorKind::InvalidData, rustls);
        let outer = std::io::Error::other(inner);
        assert_eq!(tls_failure(&outer).map(|t| t.contains("not trusted")), Some(true));
        assert_eq!(tls_failure(&std::io::Error::other("connection refused")), None);
    }

    #[test]
    fn the_key_of_server_tls_never_reaches_debug_output() {
        let t = ServerTls { cert_pem: b"c".to_vec(), key_pem: b"SECRET-KEY".to_vec(), client_ca_pem: None };
        assert!(!format!("{t:?}").contains("SECRET-KEY"));
    }
}

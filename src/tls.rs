//! Which certificate authorities edgeplan's HTTPS clients trust: the roots built into the binary,
//! the operating system's store, and the file `SSL_CERT_FILE` names, all at once.
//!
//! Behind a TLS-inspecting proxy the proxy's authority is in the system store (or in a file the
//! workflow points `SSL_CERT_FILE` at); with built-in roots alone every request fails with
//! `invalid peer certificate: UnknownIssuer`. `rustls-native-certs` reads `SSL_CERT_FILE`
//! *instead of* the store, so the two are loaded separately here. The set is loaded once per run
//! by `run::Settings::trust` (which reads `SSL_CERT_FILE`) and handed to every client: the
//! Cloudflare and GitHub API clients, the origin probes and the public check.

use std::collections::HashSet;
use std::path::Path;

use rustls::pki_types::CertificateDer;

/// The variable naming extra trusted authorities (PEM, any number of certificates).
pub const CERT_FILE_ENV: &str = "SSL_CERT_FILE";

/// Bundle files of the common Linux and BSD layouts (the system store as one file).
#[cfg(all(unix, not(target_os = "macos")))]
const STORE_FILES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/ssl/cert.pem",
    "/usr/local/share/certs/ca-root-nss.crt",
];

/// The authorities added to the built-in roots, and what was read.
pub struct Trust {
    pub certificates: Vec<reqwest::Certificate>,
    /// From the system store.
    pub from_store: usize,
    /// From `SSL_CERT_FILE`.
    pub from_file: usize,
}

impl std::fmt::Debug for Trust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trust")
            .field("from_store", &self.from_store)
            .field("from_file", &self.from_file)
            .finish()
    }
}

/// NOTE: identity, not content: two loads of the same files are different values. Settings hold
/// one `Arc<Trust>` per run, so options that carry it compare equal exactly when they share it.
impl PartialEq for Trust {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

impl Eq for Trust {}

impl Trust {
    /// `builder` trusting these authorities on top of the built-in roots.
    pub fn apply(&self, builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
        (self.certificates.iter()).fold(builder, |b, c| b.add_root_certificate(c.clone()))
    }
}

/// Reads the system store and `cert_file` (the value of `SSL_CERT_FILE`, when set). A file that
/// is given but cannot be read or holds no certificate is an error: a proxy's authority silently
/// missing would fail later and less clearly.
pub fn load(cert_file: Option<&Path>) -> Result<Trust, String> {
    let mut seen = HashSet::new();
    let mut certificates = Vec::new();
    let mut add = |der: CertificateDer<'static>| -> bool {
        if !seen.insert(der.as_ref().to_vec()) {
            return false;
        }
        match reqwest::Certificate::from_der(der.as_ref()) {
            Ok(c) => {
                certificates.push(c);
                true
            }
            Err(_) => false,
        }
    };
    // A store that cannot be read leaves the built-in roots: the usual case on a bare container.
    let from_store = store().into_iter().filter(|c| add(c.clone())).count();
    let from_file = match cert_file {
        None => 0,
        Some(path) => {
            let loaded = rustls_native_certs::load_certs_from_paths(Some(path), None);
            if loaded.certs.is_empty() {
                let why = loaded
                    .errors
                    .first()
                    .map_or("no certificate in it".to_string(), |e| e.to_string());
                return Err(format!(
                    "{CERT_FILE_ENV}={} cannot be used: {why}; point it at a PEM file of certificate authorities, or unset it",
                    path.display()
                ));
            }
            loaded.certs.into_iter().filter(|c| add(c.clone())).count()
        }
    };
    Ok(Trust {
        certificates,
        from_store,
        from_file,
    })
}

/// The operating system's authorities, without `SSL_CERT_FILE` (which is read separately).
#[cfg(all(unix, not(target_os = "macos")))]
fn store() -> Vec<CertificateDer<'static>> {
    let mut all = Vec::new();
    for file in STORE_FILES.iter().map(Path::new).filter(|p| p.is_file()) {
        all.extend(rustls_native_certs::load_certs_from_paths(Some(file), None).certs);
    }
    if all.is_empty() {
        for dir in openssl_probe::candidate_cert_dirs() {
            all.extend(rustls_native_certs::load_certs_from_paths(None, Some(dir)).certs);
        }
    }
    all
}

/// macOS and Windows keep their store in the system, not in files: the platform's own API.
/// (There `rustls-native-certs` reads `SSL_CERT_FILE` instead of the store when it is set; the
/// file's authorities are added above either way.)
#[cfg(not(all(unix, not(target_os = "macos"))))]
fn store() -> Vec<CertificateDer<'static>> {
    rustls_native_certs::load_native_certs().certs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cert_file_that_holds_no_certificate_is_an_error_that_names_it() {
        let dir = tempfile::tempdir().expect("tmp");
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").expect("write");
        let err = load(Some(&empty)).expect_err("refused");
        assert!(err.starts_with("SSL_CERT_FILE="), "{err}");
        assert!(err.contains("empty.pem"), "{err}");
        let missing = dir.path().join("missing.pem");
        assert!(load(Some(&missing)).is_err());
    }

    #[test]
    fn the_file_adds_its_authority_to_the_store_once() {
        let key = rcgen::KeyPair::generate().expect("key");
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let ca = params.self_signed(&key).expect("CA");
        let dir = tempfile::tempdir().expect("tmp");
        let file = dir.path().join("ca.pem");
        // Twice in one file: counted once.
        std::fs::write(&file, format!("{}{}", ca.pem(), ca.pem())).expect("write");
        let store = load(None).expect("the store alone");
        assert_eq!(store.from_file, 0);
        let both = load(Some(&file)).expect("store and file");
        assert_eq!((both.from_store, both.from_file), (store.from_store, 1));
        assert_eq!(both.certificates.len(), store.certificates.len() + 1);
    }
}

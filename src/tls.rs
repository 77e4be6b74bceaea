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

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rustls::pki_types::CertificateDer;

/// The variable naming extra trusted authorities (PEM, any number of certificates).
pub(crate) const CERT_FILE_ENV: &str = "SSL_CERT_FILE";

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
    /// What was read but not used (blocks of other labels in `SSL_CERT_FILE`), to say once.
    pub warnings: Vec<String>,
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
    pub(crate) fn apply(&self, builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
        (self.certificates.iter()).fold(builder, |b, c| b.add_root_certificate(c.clone()))
    }
}

/// Reads the system store and `cert_file` (the value of `SSL_CERT_FILE`, when set). A file that
/// is given but cannot be read or holds no certificate is an error: a proxy's authority silently
/// missing would fail later and less clearly. The file must be a regular file of at most
/// [`MAX_CERT_FILE_BYTES`], and every `CERTIFICATE` block in it must parse.
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
    let mut warnings = Vec::new();
    let from_file = match cert_file {
        None => 0,
        Some(path) => {
            let refused =
                |why: String| format!("{CERT_FILE_ENV}={} cannot be used: {why}", shown(path));
            let bytes = read_bounded(path).map_err(refused)?;
            let read = certificates_in(&bytes).map_err(refused)?;
            if read.certificates.is_empty() {
                return Err(refused(
                    "no certificate in it (no `-----BEGIN CERTIFICATE-----` block)".into(),
                ));
            }
            if !read.other_labels.is_empty() {
                warnings.push(format!(
                    "{CERT_FILE_ENV}={}: blocks labelled {} are not read (only `CERTIFICATE` blocks are); convert them with `openssl x509 -in FILE` if they hold authorities you need",
                    shown(path),
                    read.other_labels
                        .iter()
                        .map(|l| format!("`{}`", plain(l)))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            read.certificates
                .into_iter()
                .filter(|c| add(c.clone()))
                .count()
        }
    };
    Ok(Trust {
        certificates,
        from_store,
        from_file,
        warnings,
    })
}

/// A path for a message, its control characters escaped (`render::inert` is above this layer).
fn shown(path: &Path) -> String {
    plain(&path.display().to_string())
}

/// `text` with its control characters written as escapes (`\n`, `\u{1b}`).
fn plain(text: &str) -> String {
    text.chars()
        .map(|c| match c.is_control() {
            true => c.escape_default().to_string(),
            false => c.to_string(),
        })
        .collect()
}

/// The largest `SSL_CERT_FILE` read: 8 MiB, many times the largest public bundle (about 250 KB).
pub(crate) const MAX_CERT_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// The file's bytes: a regular file (after following links) of at most
/// [`MAX_CERT_FILE_BYTES`]. A FIFO, a device or a directory is refused before it is opened, so
/// nothing waits on a writer or reads an endless device.
fn read_bounded(path: &Path) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if !meta.is_file() {
        let kind = if meta.is_dir() {
            "a directory"
        } else {
            "not a regular file (a FIFO, socket or device)"
        };
        return Err(format!("it is {kind}; it must be a regular PEM file"));
    }
    let too_big = || {
        format!(
            "it is larger than {} MiB, the most edgeplan reads",
            MAX_CERT_FILE_BYTES / (1024 * 1024)
        )
    };
    if meta.len() > MAX_CERT_FILE_BYTES {
        return Err(too_big());
    }
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    // Checked again on what was opened: the path may have changed in between.
    if !file.metadata().map_err(|e| e.to_string())?.is_file() {
        return Err("it is not a regular file; it must be a regular PEM file".into());
    }
    let mut bytes = Vec::new();
    file.take(MAX_CERT_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > MAX_CERT_FILE_BYTES {
        return Err(too_big());
    }
    Ok(bytes)
}

/// What a PEM file holds: its `CERTIFICATE` blocks, each parsed, and the labels of its other
/// blocks (each once, in order).
#[derive(Debug)]
struct Pem {
    certificates: Vec<CertificateDer<'static>>,
    other_labels: Vec<String>,
}

/// Reads every `-----BEGIN CERTIFICATE-----` block of `bytes`; one that does not decode or is
/// not a certificate is an error naming its index among the certificate blocks (1-based) and
/// its line. Text between blocks is ignored; other labels are listed.
fn certificates_in(bytes: &[u8]) -> Result<Pem, String> {
    let text = String::from_utf8_lossy(bytes);
    let mut pem = Pem {
        certificates: Vec::new(),
        other_labels: Vec::new(),
    };
    let mut lines = text.lines().enumerate();
    let mut index = 0;
    while let Some((n, line)) = lines.next() {
        let Some(label) = line
            .trim()
            .strip_prefix("-----BEGIN ")
            .and_then(|l| l.strip_suffix("-----"))
        else {
            continue;
        };
        let end = format!("-----END {label}-----");
        let mut body = String::new();
        let mut closed = false;
        for (_, l) in lines.by_ref() {
            if l.trim() == end {
                closed = true;
                break;
            }
            body.push_str(l.trim());
        }
        if label != "CERTIFICATE" {
            if !pem.other_labels.iter().any(|o| o == label) {
                pem.other_labels.push(label.to_string());
            }
            continue;
        }
        index += 1;
        let broken = |why: &str| format!("certificate block {index} (from line {}) {why}", n + 1);
        if !closed {
            return Err(broken("has no `-----END CERTIFICATE-----` line"));
        }
        let der = STANDARD
            .decode(&body)
            .map_err(|_| broken("is not valid base64"))?;
        let der = CertificateDer::from(der);
        rustls::RootCertStore::empty()
            .add(der.clone())
            .map_err(|e| broken(&format!("is not a certificate ({e})")))?;
        pem.certificates.push(der);
    }
    Ok(pem)
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
    fn every_certificate_block_must_parse_and_other_labels_are_listed() {
        let not_base64 = "-----BEGIN CERTIFICATE-----\nT!==\n-----END CERTIFICATE-----\n";
        let err = certificates_in(not_base64.as_bytes()).expect_err("refused");
        assert!(
            err.contains("block 1 (from line 1) is not valid base64"),
            "{err}"
        );
        let key = rcgen::KeyPair::generate().expect("key");
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let good = params.self_signed(&key).expect("CA").pem();
        let other =
            "-----BEGIN TRUSTED CERTIFICATE-----\nAAAA\n-----END TRUSTED CERTIFICATE-----\n";
        let read = certificates_in(format!("note\n{good}{other}{good}").as_bytes()).expect("read");
        assert_eq!(read.certificates.len(), 2);
        assert_eq!(read.other_labels, vec!["TRUSTED CERTIFICATE".to_string()]);
        let unclosed = "-----BEGIN CERTIFICATE-----\nAAAA\n";
        let err = certificates_in(format!("{good}{unclosed}").as_bytes()).expect_err("refused");
        assert!(err.starts_with("certificate block 2 "), "{err}");
        let not_der = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        let err = certificates_in(not_der.as_bytes()).expect_err("refused");
        assert!(
            err.contains("block 1 (from line 1) is not a certificate"),
            "{err}"
        );
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

//! A certificate authority made at run time and HTTPS origins signed by it, on 127.0.0.1: what
//! the trust tests (`SSL_CERT_FILE`) and the tests that reach a name through `EDGEPLAN_RESOLVE`
//! need. No key is ever written to the repository.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rcgen::{BasicConstraints, Certificate, CertificateParams, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A certificate authority that exists for one test.
pub struct TestCa {
    cert: Certificate,
    key: KeyPair,
}

impl TestCa {
    pub fn new() -> TestCa {
        let key = KeyPair::generate().expect("CA key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "edgeplan test CA");
        let cert = params.self_signed(&key).expect("CA certificate");
        TestCa { cert, key }
    }

    /// Writes the authority's certificate (PEM) to `dir`, for `SSL_CERT_FILE`.
    pub fn write_pem(&self, dir: &Path) -> PathBuf {
        let path = dir.join("test-ca.pem");
        std::fs::write(&path, self.cert.pem()).expect("write CA");
        path
    }

    /// A certificate for `names`, signed by this authority, and its key.
    fn leaf(&self, names: &[&str]) -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
        let key = KeyPair::generate().expect("leaf key");
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let params = CertificateParams::new(names).expect("leaf params");
        let cert = params
            .signed_by(&key, &self.cert, &self.key)
            .expect("leaf certificate");
        (
            cert.der().clone(),
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
    }
}

/// One request as an HTTPS origin saw it: the request line and the headers, lower-case names.
#[derive(Debug, Clone)]
pub struct SeenRequest {
    pub line: String,
    pub headers: Vec<(String, String)>,
}

impl SeenRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        super::http::first(&self.headers, name)
    }
}

/// An HTTPS origin for `names`, answering every request with `status` and `headers`.
pub struct TlsOrigin {
    pub port: u16,
    requests: Arc<Mutex<Vec<SeenRequest>>>,
}

impl TlsOrigin {
    pub fn start(ca: &TestCa, names: &[&str], status: u16, headers: &[(&str, &str)]) -> TlsOrigin {
        TlsOrigin::start_on(0, ca, names, status, headers)
    }

    /// The same on a given port (0: any free one).
    pub fn start_on(
        port: u16,
        ca: &TestCa,
        names: &[&str],
        status: u16,
        headers: &[(&str, &str)],
    ) -> TlsOrigin {
        let (cert, key) = ca.leaf(names);
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("protocols")
            .with_no_client_auth()
            .with_single_cert(vec![cert], key)
            .expect("server config");
        let config = Arc::new(config);
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = requests.clone();
        let reply = format!(
            "HTTP/1.1 {status} Status\r\ncontent-length: 0\r\nconnection: close\r\n{}\r\n",
            headers
                .iter()
                .map(|(n, v)| format!("{n}: {v}\r\n"))
                .collect::<String>()
        );
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (config, seen, reply) = (config.clone(), seen.clone(), reply.clone());
                std::thread::spawn(move || {
                    let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(5)));
                    let Ok(conn) = rustls::ServerConnection::new(config) else {
                        return;
                    };
                    let mut tls = rustls::StreamOwned::new(conn, stream);
                    let mut reader = BufReader::new(&mut tls);
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return; // the handshake failed or the client left
                    }
                    let mut headers = Vec::new();
                    loop {
                        let mut h = String::new();
                        if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
                            break;
                        }
                        if let Some((n, v)) = h.split_once(':') {
                            headers.push((n.trim().to_ascii_lowercase(), v.trim().to_string()));
                        }
                    }
                    seen.lock().expect("requests").push(SeenRequest {
                        line: line.trim().to_string(),
                        headers,
                    });
                    let _ = tls.write_all(reply.as_bytes());
                    let _ = tls.flush();
                    tls.conn.send_close_notify();
                    let _ = tls.flush();
                });
            }
        });
        TlsOrigin { port, requests }
    }

    pub fn requests(&self) -> Vec<SeenRequest> {
        self.requests.lock().expect("requests").clone()
    }
}

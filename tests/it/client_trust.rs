//! Every HTTPS client trusts the authorities it is handed (the system store and `SSL_CERT_FILE`,
//! loaded once by `run::Settings::trust`) on top of the built-in roots: the GitHub and Cloudflare
//! API clients against an HTTPS server whose certificate only a test authority signs, as behind a
//! TLS-inspecting proxy. Without that authority the request never gets through the handshake.

use std::sync::Arc;
use std::time::Duration;

use crate::support::tls::{TestCa, TlsOrigin};
use edgeplan::retry::{Policy, Poll};
use edgeplan::secret::Secret;

/// An HTTPS server for 127.0.0.1 answering 404, and a trust holding its authority.
fn server() -> (TlsOrigin, edgeplan::tls::Trust, tempfile::TempDir) {
    let ca = TestCa::new();
    let server = TlsOrigin::start(&ca, &["127.0.0.1"], 404, &[]);
    let dir = tempfile::tempdir().expect("tmp");
    let trust = edgeplan::tls::load(Some(&ca.write_pem(dir.path()))).expect("trust");
    (server, trust, dir)
}

fn quick() -> Policy {
    Policy {
        max_retries: 0,
        timeout: Duration::from_secs(5),
        ..Policy::GITHUB
    }
}

#[tokio::test]
async fn the_github_client_trusts_the_authority_in_ssl_cert_file() {
    use edgeplan::github::client::GitHubClient;
    let (server, trust, _dir) = server();
    let url = format!("https://127.0.0.1:{}", server.port);
    let token = Secret::new("ghs_trusttest");
    let pulls = Poll {
        attempts: 1,
        delay: Duration::from_millis(1),
    };

    let without = GitHubClient::new(&url, &token, quick(), pulls).expect("client");
    assert!(without.token_login().await.is_err(), "unknown issuer");
    assert!(server.requests().is_empty(), "no request got through TLS");

    let with = GitHubClient::trusting(&url, &token, quick(), pulls, Some(&trust)).expect("client");
    assert_eq!(with.token_login().await.expect("a 404 is an answer"), None);
    let seen = server.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].line, "GET /user HTTP/1.1");
    // The API host itself gets the token, as before.
    assert_eq!(
        seen[0].header("authorization"),
        Some("Bearer ghs_trusttest")
    );
    assert_eq!(seen[0].header("x-github-api-version"), Some("2022-11-28"));
}

#[tokio::test]
async fn the_cloudflare_client_trusts_the_authority_in_ssl_cert_file() {
    use edgeplan::cloudflare::{ClientOptions, CloudflareClient};
    let (server, trust, _dir) = server();
    let url = format!("https://127.0.0.1:{}/client/v4", server.port);
    let options = |trust: Option<Arc<edgeplan::tls::Trust>>| ClientOptions {
        retry: Policy {
            max_retries: 0,
            timeout: Duration::from_secs(5),
            ..Policy::CLOUDFLARE
        },
        trust,
        ..ClientOptions::default()
    };
    let without = CloudflareClient::new(&url, Secret::new("cf"), options(None)).expect("client");
    assert!(without.verify_token().await.is_err());
    assert!(server.requests().is_empty(), "no request got through TLS");

    let with = CloudflareClient::new(&url, Secret::new("cf"), options(Some(Arc::new(trust))))
        .expect("client");
    let _ = with.verify_token().await; // a 404 without a body: an error, but an answer
    assert_eq!(server.requests().len(), 1, "the request got through TLS");
}

//! octocrab's transport: edgeplan's own reqwest client under octocrab's middleware.
//!
//! octocrab's built-in client trusts the operating system's store through `rustls-native-certs`,
//! which reads `SSL_CERT_FILE` *instead of* the store when it is set, and has no built-in roots.
//! Behind a TLS-inspecting proxy, or on a runner whose store lacks GitHub's authority, that breaks
//! one of the two ways. So the GitHub client sends its requests through a reqwest client built
//! like the Cloudflare client's: built-in roots, the system store and `SSL_CERT_FILE`, all at once
//! ([`crate::tls`]). octocrab keeps what it is used for: the base URI (GHES paths), the
//! `Authorization` header (only ever on requests to the API's own host) and the raw calls.
//! reqwest follows redirects and drops `Authorization` on one that leaves the host.
//! The pattern is octocrab's own `examples/custom_client.rs`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use std::time::Duration;

use http::header::{HeaderMap, HeaderName, HeaderValue};
use http::{Request, Response, Uri};
use octocrab::service::middleware::auth_header::AuthHeaderLayer;
use octocrab::service::middleware::base_uri::BaseUriLayer;
use octocrab::{AuthState, OctoBody, Octocrab, OctocrabBuilder};

use super::error::Error;
use crate::retry::Policy;

/// octocrab over edgeplan's reqwest client ([`super::transport`]): the base URI, the token on
/// requests to the API's host only, no retries of its own (edgeplan's policy applies).
pub(super) fn octocrab(
    base: &Uri,
    token: &str,
    retry: &Policy,
    trust: Option<&crate::tls::Trust>,
) -> Result<Octocrab, Error> {
    let config =
        |e: &dyn std::fmt::Display| Error::Config(format!("cannot build the HTTP client: {e}"));
    let mut headers = HeaderMap::new();
    headers.insert(
        HeaderName::from_static("x-github-api-version"),
        HeaderValue::from_static("2022-11-28"),
    );
    let builder = reqwest::Client::builder()
        .default_headers(headers)
        .user_agent(concat!("edgeplan/", env!("CARGO_PKG_VERSION")))
        // Compressed answers, read decompressed: the size limit below counts decompressed bytes.
        .gzip(true)
        .connect_timeout(retry.timeout.min(Duration::from_secs(10)))
        .read_timeout(retry.timeout);
    let builder = match trust {
        Some(trust) => trust.apply(builder),
        None => builder,
    };
    let client = builder.build().map_err(|e| config(&e))?;
    let mut auth = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|e| config(&e))?;
    auth.set_sensitive(true);
    OctocrabBuilder::new_empty()
        .with_service(Transport { client })
        .with_layer(&BaseUriLayer::new(base.clone()))
        .with_layer(&AuthHeaderLayer::new(
            Some(auth),
            base.clone(),
            base.clone(),
        ))
        .with_auth(AuthState::None)
        .build()
        .map_err(|e| config(&e))
}

/// A [`tower_service::Service`] sending octocrab's requests with a reqwest client.
#[derive(Clone)]
struct Transport {
    client: reqwest::Client,
}

type Failed = Box<dyn std::error::Error + Send + Sync>;

type Sent = Pin<Box<dyn Future<Output = Result<Response<reqwest::Body>, Failed>> + Send>>;

/// An answer longer than [`crate::retry::MAX_ANSWER_BYTES`].
#[derive(Debug)]
pub(super) struct TooLarge;

impl std::fmt::Display for TooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::retry::too_large())
    }
}

impl std::error::Error for TooLarge {}

impl tower_service::Service<Request<OctoBody>> for Transport {
    type Response = Response<reqwest::Body>;
    type Error = Failed;
    type Future = Sent;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        // reqwest keeps its own pool: always ready.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<OctoBody>) -> Self::Future {
        let client = self.client.clone();
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let request = Request::from_parts(parts, reqwest::Body::wrap(body));
            let mut response = client.execute(reqwest::Request::try_from(request)?).await?;
            // The whole answer is read here, at most `MAX_ANSWER_BYTES` of it, decompressed
            // (the client's per-attempt deadline bounds the time).
            let body = crate::retry::bounded_body(&mut response)
                .await
                .map_err(|e| e.map_or(Box::new(TooLarge) as Failed, |e| Box::new(e) as Failed))?;
            let mut answer = Response::new(reqwest::Body::from(body));
            *answer.status_mut() = response.status();
            *answer.version_mut() = response.version();
            *answer.headers_mut() = response.headers().clone();
            Ok(answer)
        })
    }
}

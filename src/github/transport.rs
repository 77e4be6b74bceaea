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

use http::{Request, Response};
use octocrab::OctoBody;

/// A [`tower_service::Service`] sending octocrab's requests with a reqwest client.
#[derive(Clone)]
pub(super) struct Transport {
    pub(super) client: reqwest::Client,
}

type Sent = Pin<Box<dyn Future<Output = Result<Response<reqwest::Body>, reqwest::Error>> + Send>>;

impl tower_service::Service<Request<OctoBody>> for Transport {
    type Response = Response<reqwest::Body>;
    type Error = reqwest::Error;
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
            let response = client.execute(reqwest::Request::try_from(request)?).await?;
            Ok(response.into())
        })
    }
}

//! The Cloudflare API v4 client: zone lookup, whole-zone listing and atomic batch writes.
//!
//! One [`CloudflareClient`] holds a `reqwest` client (rustls, no OpenSSL) with the token in a
//! header marked sensitive, a base URL (`CLOUDFLARE_BASE_URL`, so tests point it at the local
//! server in `tests/it/support/cloudflare`) and the retry policy of [`crate::retry`], with a
//! [`RateGate`] that its clones share, so a 429 pauses every call made with the token. It
//! implements [`crate::provider::Provider`]:
//!
//! - `zone`: `GET /zones?name=` must find exactly one `active` zone, or `GET /zones/{id}` when the
//!   manifest gives `zone_id` (its name must match). The zone's plan sets the batch and comment
//!   limits (<https://developers.cloudflare.com/dns/manage-dns-records/how-to/batch-record-changes/>).
//! - `records`: `GET /zones/{id}/dns_records?per_page=5000`, then pages 2..n concurrently, trusting
//!   only the paging the server echoed (it may clamp `per_page`), de-duplicated by id
//!   (<https://developers.cloudflare.com/api/resources/dns/subresources/records/methods/list/>).
//! - `batch`: `POST /zones/{id}/dns_records/batch`, one transaction. A batch whose answer is lost
//!   is never resent: it becomes [`crate::provider::Error::UnknownOutcome`].
//!
//! Typed errors live in [`error`], their translation into advice in `advice`, JSON shapes in
//! [`wire`]. The facts behind all of it: docs/cloudflare.md.

mod advice;
pub mod error;
mod provider;
mod records;
pub mod wire;
pub(crate) mod zones;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use reqwest::Method;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use serde::de::DeserializeOwned;

pub(crate) use error::TransportKind;
pub use error::{ApiFailure, Class, Error};
pub use records::normalise;
pub use zones::to_plan_zone;

use crate::retry::{self, Api, Attempt, AttemptFailure, GiveUp, Policy, RateGate};
use crate::secret::Secret;
use wire::{Envelope, ResultInfo};

/// The real API.
pub(crate) const DEFAULT_BASE_URL: &str = "https://api.cloudflare.com/client/v4";

/// Cloudflare's rate limit: 1,200 requests per five minutes, per user for a user token (every
/// token, API key and dashboard session of that user together) and per token for an
/// account-owned token (<https://developers.cloudflare.com/fundamentals/api/reference/limits/>).
/// A client paces its own requests to stay inside it ([`RateGate::paced`]); other processes
/// sharing the limit are met through their 429s, which the client waits out
/// ([`Policy::rate_wait`]).
pub(crate) const CLOUDFLARE_RATE: (usize, Duration) = (1_200, Duration::from_secs(300));

/// Cloudflare also allows 200 requests per second from one address (same page). A client sends
/// at most 150 in any second: a hundred zones read at once, and the further pages of large
/// zones, stay under it with room for other tools on the same runner.
pub(crate) const CLOUDFLARE_BURST: (usize, Duration) = (150, Duration::from_secs(1));

/// The Cloudflare error a provider failure was explained from, when it came from Cloudflare.
#[cfg(test)]
pub(crate) fn cause(err: &crate::provider::Error) -> Option<&Error> {
    std::error::Error::source(err)?.downcast_ref()
}

/// Timeouts, retries and concurrency. `Default` suits the real API; tests shorten them.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientOptions {
    /// Timeout, backoff and budget of each call ([`Policy::CLOUDFLARE`] by default).
    pub retry: Policy,
    /// Most record pages fetched at once.
    pub concurrency: usize,
    /// Records asked for per page (the server may give fewer).
    pub per_page: u32,
    /// Authorities trusted besides the built-in roots (`run::Settings::trust`); `None`: the
    /// built-in roots only.
    pub trust: Option<Arc<crate::tls::Trust>>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            retry: Policy::CLOUDFLARE,
            concurrency: 4,
            per_page: 5000,
            trust: None,
        }
    }
}

/// A Cloudflare API client. Cheap to clone.
#[derive(Clone)]
pub struct CloudflareClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base: String,
    options: ClientOptions,
    gate: RateGate,
    /// The token's zones, once listed ([`CloudflareClient::remember_zones`]), by lower-case name.
    listed: Mutex<Option<BTreeMap<String, Vec<wire::ApiZone>>>>,
}

impl std::fmt::Debug for CloudflareClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloudflareClient")
            .field("base", &self.inner.base)
            .field("token", &"***")
            .finish()
    }
}

impl CloudflareClient {
    /// A client for `base_url` (e.g. [`DEFAULT_BASE_URL`]) sending `token` as a Bearer token.
    pub fn new(
        base_url: &str,
        token: Secret,
        options: ClientOptions,
    ) -> Result<CloudflareClient, Error> {
        let base = base_url.trim().trim_end_matches('/').to_string();
        let parsed = reqwest::Url::parse(&base).map_err(|e| {
            Error::Config(format!(
                "Cloudflare base URL `{base}` is not a URL ({e}); set CLOUDFLARE_BASE_URL to e.g. {DEFAULT_BASE_URL}"
            ))
        })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(Error::Config(format!(
                "Cloudflare base URL `{base}` must start with https:// (or http:// for a local test server)"
            )));
        }
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", token.expose().trim()))
            .map_err(|_| {
                Error::Config(
                    "CLOUDFLARE_API_TOKEN holds characters that cannot be sent in an HTTP header; \
                     copy the token again from the Cloudflare dashboard"
                        .to_string(),
                )
            })?;
        // Keeps the value out of reqwest/hyper debug output.
        auth.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, auth);
        let builder = reqwest::Client::builder()
            .default_headers(headers)
            .user_agent(concat!("edgeplan/", env!("CARGO_PKG_VERSION")))
            // `Accept-Encoding: gzip`: a 5,000-record page is about 30 times smaller. The
            // answer is read decompressed, so the size limit counts decompressed bytes.
            .gzip(true)
            .connect_timeout(options.retry.timeout.min(Duration::from_secs(10)));
        let builder = match &options.trust {
            Some(trust) => trust.apply(builder),
            None => builder,
        };
        let http = builder
            .build()
            .map_err(|e| Error::Config(format!("cannot set up the HTTP client: {e}")))?;
        Ok(CloudflareClient {
            inner: Arc::new(Inner {
                http,
                base,
                options,
                gate: RateGate::paced(&[CLOUDFLARE_RATE, CLOUDFLARE_BURST]),
                listed: Mutex::new(None),
            }),
        })
    }

    /// Keeps the token's zones (a [`CloudflareClient::list_zones`] answer) for the lookups that
    /// follow.
    pub fn remember_zones(&self, zones: Vec<wire::ApiZone>) {
        let mut by_name: BTreeMap<String, Vec<wire::ApiZone>> = BTreeMap::new();
        for z in zones {
            let same_name = by_name.entry(z.name.to_ascii_lowercase()).or_default();
            // Pages read while a zone was added can hold one zone twice.
            if !same_name.iter().any(|known| known.id == z.id) {
                same_name.push(z);
            }
        }
        *self
            .inner
            .listed
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(by_name);
    }

    /// The listed zones named `name`, when the token's zones were listed.
    fn listed(&self, name: &str) -> Option<Vec<wire::ApiZone>> {
        let listed = self
            .inner
            .listed
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let by_name = listed.as_ref()?;
        Some(
            by_name
                .get(&name.to_ascii_lowercase())
                .cloned()
                .unwrap_or_default(),
        )
    }

    /// The pause shared by this client and its clones.
    pub fn gate(&self) -> &RateGate {
        &self.inner.gate
    }

    pub(crate) fn options(&self) -> &ClientOptions {
        &self.inner.options
    }

    /// `GET /user/tokens/verify`: whether the token is active (for advice after a 403).
    pub async fn verify_token(&self) -> Result<wire::TokenStatus, Error> {
        self.call(Method::GET, "/user/tokens/verify", &[], None)
            .await
            .map(|(status, _)| status)
    }

    /// Sends one request with the retry policy and returns the envelope's `result` and paging.
    /// `path` starts with `/` and is relative to the base URL.
    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&serde_json::Value>,
    ) -> Result<(T, Option<ResultInfo>), Error> {
        let policy = &self.inner.options.retry;
        let gate = &self.inner.gate;
        let kind = Api::Cloudflare.idempotency(&method);
        let url = format!("{}{}", self.inner.base, path);
        let (method, url, http) = (&method, &url, &self.inner.http);
        let attempt = move || async move {
            let mut request = http
                .request(method.clone(), url)
                .query(query)
                .timeout(policy.timeout);
            if let Some(body) = body {
                request = request.json(body);
            }
            match request.send().await {
                Ok(mut response) => {
                    let status = response.status().as_u16();
                    let headers = response.headers().clone();
                    let bytes = match retry::bounded_body(&mut response).await {
                        Ok(b) => b,
                        Err(Some(e)) => {
                            return Attempt::Failed {
                                failure: AttemptFailure::Unknown,
                                asked: None,
                                cause: transport(method, path, &e),
                            };
                        }
                        Err(None) => {
                            // Resending a read would meet the same answer; a write's answer
                            // is lost, so its outcome is unknown.
                            return Attempt::Failed {
                                failure: if kind == retry::Idempotency::Read {
                                    AttemptFailure::Final
                                } else {
                                    AttemptFailure::Unknown
                                },
                                asked: None,
                                cause: Error::Transport {
                                    method: method.to_string(),
                                    path: path.to_string(),
                                    kind: TransportKind::TooLarge,
                                    detail: retry::too_large(),
                                },
                            };
                        }
                    };
                    if (200..300).contains(&status) {
                        return Attempt::Done(decode(method, path, status, &bytes));
                    }
                    // The wait it names; a rate limit pauses the gate in `retry::call`, which
                    // decides the wait.
                    let asked = retry::retry_after(&headers, std::time::SystemTime::now());
                    let failure = retry::status_failure(Api::Cloudflare, status, &headers, "");
                    let limited = matches!(failure, retry::AttemptFailure::Limited(_));
                    // A rate limit is always resendable (nothing was processed), so its own
                    // error is what a call that runs out of its waits reports.
                    let cause = if limited {
                        Error::RateLimited {
                            method: method.to_string(),
                            path: path.to_string(),
                            retry_after: asked,
                            bound: None,
                        }
                    } else {
                        error::from_response(method.as_str(), path, status, &bytes)
                    };
                    Attempt::Failed {
                        failure,
                        asked,
                        cause,
                    }
                }
                Err(e) => {
                    let cause = transport(method, path, &e);
                    let failure = if matches!(
                        cause,
                        Error::Transport {
                            kind: TransportKind::Connect,
                            ..
                        }
                    ) {
                        // Nothing was sent.
                        AttemptFailure::NotActed
                    } else {
                        AttemptFailure::Unknown
                    };
                    Attempt::Failed {
                        failure,
                        asked: None,
                        cause,
                    }
                }
            }
        };
        let what = format!("{method} {path}");
        let call = retry::Call {
            api: Api::Cloudflare,
            what: &what,
            policy,
            gate,
            kind,
            paced: true,
        };
        retry::call(call, attempt, |cause, why, _| match why {
            // A write that may have landed is never resent: its outcome is unknown.
            GiveUp::NotResendable if kind != retry::Idempotency::Read => unknown_outcome(cause),
            GiveUp::NotResendable => cause,
            GiveUp::Spent => cause,
            // Past the longest rate-limit wait: the error names what it would have waited for.
            GiveUp::RateBound(bound) => match cause {
                Error::RateLimited {
                    method,
                    path,
                    retry_after,
                    ..
                } => Error::RateLimited {
                    method,
                    path,
                    retry_after,
                    bound: Some(Box::new(bound)),
                },
                other => other,
            },
        })
        .await
    }
}

/// Reads a 2xx body. A failure is an envelope that says `success: false` (or, without `success`,
/// carries errors). A `result` the caller can do without (a write's echo, read as
/// [`serde::de::IgnoredAny`] or an `Option`) may be missing or null: a landed write is never
/// reported as a failure because of the shape of its answer.
fn decode<T: DeserializeOwned>(
    method: &Method,
    path: &str,
    status: u16,
    bytes: &[u8],
) -> Result<(T, Option<ResultInfo>), Error> {
    let envelope: Envelope<T> = serde_json::from_slice(bytes).map_err(|e| {
        if serde_json::from_slice::<serde_json::Value>(bytes).is_ok() {
            Error::Decode {
                method: method.to_string(),
                path: path.to_string(),
                detail: e.to_string(),
            }
        } else {
            error::from_response(method.as_str(), path, status, bytes)
        }
    })?;
    let failed = match envelope.success {
        Some(success) => !success,
        None => !envelope.errors.is_empty(),
    };
    if failed {
        return Err(Error::Api(ApiFailure {
            status,
            method: method.to_string(),
            path: path.to_string(),
            errors: envelope.errors,
        }));
    }
    match envelope.result {
        Some(result) => Ok((result, envelope.result_info)),
        None => match serde_json::from_value::<T>(serde_json::Value::Null) {
            Ok(nothing) => Ok((nothing, envelope.result_info)),
            Err(_) => Err(Error::Decode {
                method: method.to_string(),
                path: path.to_string(),
                detail: "`success` is true but `result` is missing".to_string(),
            }),
        },
    }
}

/// Describes a reqwest failure without the URL's query (nothing secret is in it, but it is noise)
/// and with the underlying cause, which reqwest keeps in `source()`.
fn transport(method: &Method, path: &str, e: &reqwest::Error) -> Error {
    let kind = if e.is_connect() {
        TransportKind::Connect
    } else if e.is_timeout() {
        TransportKind::Timeout
    } else {
        TransportKind::Dropped
    };
    let mut detail = crate::chain::causes(e);
    if detail.is_empty() {
        detail = kind.to_string();
    }
    Error::Transport {
        method: method.to_string(),
        path: path.to_string(),
        kind,
        detail,
    }
}

fn unknown_outcome(failure: Error) -> Error {
    match failure {
        Error::Transport {
            method, path, kind, ..
        } => Error::UnknownOutcome { method, path, kind },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read<T: DeserializeOwned>(body: &str) -> Result<T, Error> {
        decode(
            &Method::POST,
            "/zones/z/dns_records/batch",
            200,
            body.as_bytes(),
        )
        .map(|(t, _)| t)
    }

    #[test]
    fn a_landed_write_is_never_a_failure_because_of_the_shape_of_its_answer() {
        use serde::de::IgnoredAny;
        for body in [
            r#"{"success":true,"errors":[],"messages":[],"result":{"posts":[{"id":"1"}]}}"#,
            r#"{"success":true,"result":null}"#,
            r#"{"success":true}"#,
            r#"{"result":{"posts":[{"unexpected":[1,2,3]}],"deletes":"not even a list"}}"#,
        ] {
            assert!(read::<IgnoredAny>(body).is_ok(), "{body}");
        }
        let refused =
            read::<IgnoredAny>(r#"{"success":false,"errors":[{"code":1004,"message":"x"}]}"#);
        assert!(matches!(refused, Err(Error::Api(_))), "{refused:?}");
        let refused =
            read::<IgnoredAny>(r#"{"errors":[{"code":1004,"message":"x"}],"result":null}"#);
        assert!(matches!(refused, Err(Error::Api(_))), "{refused:?}");
        // A read still needs its result.
        assert!(matches!(
            read::<wire::ApiZone>(r#"{"success":true}"#),
            Err(Error::Decode { .. })
        ));
        let deleted: wire::Deleted = read(r#"{"success":true,"result":{}}"#).expect("no id");
        assert_eq!(deleted.id, None);
    }
}

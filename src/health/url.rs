//! Turning an endpoint's `health` into the one URL that is probed.
//!
//! A path is probed at `https://<target><path>`: the origin itself, over TLS, as Cloudflare
//! reaches it once the proxied CNAME exists. A full URL is probed as written, with two refusals
//! that keep the probe honest and the runner's secrets at home:
//!
//! - `http://` only for loopback hosts (127.0.0.0/8, `::1`, `localhost`): local test origins. A
//!   public origin answering plain HTTP proves nothing about the HTTPS Cloudflare will use.
//! - no `user:password@` in the URL: reqwest turns URL credentials into an `Authorization`
//!   header, and a probe never sends one.
//!
//! The manifest validator may call [`health_url`] too, so that a bad `health` is reported with its
//! line before anything is probed.

use reqwest::Url;

use crate::plan::Health;

/// Why a `health` value cannot be probed. The message says what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct HealthUrlError(pub String);

/// The URL to probe for `health` on an endpoint whose CNAME target is `target`.
pub fn health_url(target: &str, health: &Health) -> Result<Url, HealthUrlError> {
    match health {
        Health::Path(path) => path_url(target, path),
        Health::Url(url) => full_url(url),
    }
}

fn path_url(target: &str, path: &str) -> Result<Url, HealthUrlError> {
    if !path.starts_with('/') {
        return Err(HealthUrlError(format!(
            "health path `{path}` must start with `/` (for example `/healthz`), or be a full https:// URL"
        )));
    }
    if let Some(bad) = path.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(HealthUrlError(format!(
            "health path `{}` contains {bad:?}: percent-encode it (a space is %20)",
            path.escape_debug()
        )));
    }
    let host = target.trim_end_matches('.');
    let url = Url::parse(&format!("https://{host}{path}")).map_err(|e| {
        HealthUrlError(format!(
            "cannot build a health URL from target `{target}` and path `{path}`: {e}"
        ))
    })?;
    // NOTE: a path can never move the probe to another host, whatever it contains; checked
    // rather than assumed, because URL parsing has surprising corners (`\`, `@`).
    if url.host_str() != Some(host) {
        return Err(HealthUrlError(format!(
            "health path `{path}` changes the host probed away from `{target}`: use a plain path such as `/healthz`"
        )));
    }
    Ok(url)
}

fn full_url(raw: &str) -> Result<Url, HealthUrlError> {
    let url = Url::parse(raw).map_err(|e| {
        HealthUrlError(format!(
            "health URL `{raw}` is not a valid URL ({e}): write `https://host/path` or a path such as `/healthz`"
        ))
    })?;
    let Some(host) = url.host_str() else {
        return Err(HealthUrlError(format!(
            "health URL `{raw}` has no host: write `https://host/path`"
        )));
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Err(HealthUrlError(format!(
            "health URL `{}` carries credentials: probes never authenticate; remove the `user:password@` part",
            redact_userinfo(&url)
        )));
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(host) => Ok(url),
        "http" => Err(HealthUrlError(format!(
            "health URL `{raw}` uses plain http: Cloudflare reaches the origin over https, so probe `https://{}` (http:// is accepted only for loopback test servers)",
            &raw["http://".len().min(raw.len())..]
        ))),
        other => Err(HealthUrlError(format!(
            "health URL `{raw}` uses the `{other}` scheme: only https:// is probed"
        ))),
    }
}

/// True for the hosts a plain-http probe may use: 127.0.0.0/8, `::1` and `localhost`.
pub fn is_loopback(host: &str) -> bool {
    crate::address::is_loopback_host(host)
}

fn redact_userinfo(url: &Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(p: &str) -> Health {
        Health::Path(p.to_string())
    }

    fn url(u: &str) -> Health {
        Health::Url(u.to_string())
    }

    #[test]
    fn a_path_is_probed_over_https_on_the_target() {
        let u = health_url("origin.example.net", &path("/healthz?deep=1")).expect("valid");
        assert_eq!(u.as_str(), "https://origin.example.net/healthz?deep=1");
    }

    #[test]
    fn a_path_must_start_with_a_slash_and_stay_on_the_target() {
        let err = health_url("origin.example.net", &path("healthz")).expect_err("no slash");
        assert!(err.0.contains("must start with `/`"), "{err}");
        let err = health_url("origin.example.net", &path("/a b")).expect_err("space");
        assert!(err.0.contains("percent-encode"), "{err}");
    }

    #[test]
    fn https_urls_are_accepted_anywhere() {
        let u = health_url("x.example.net", &url("https://status.example.org/up")).expect("ok");
        assert_eq!(u.host_str(), Some("status.example.org"));
    }

    #[test]
    fn plain_http_is_accepted_only_for_loopback() {
        for ok in [
            "http://127.0.0.1:8080/h",
            "http://[::1]:9/h",
            "http://localhost/h",
            "http://LOCALHOST./h",
        ] {
            assert!(health_url("t.example", &url(ok)).is_ok(), "{ok}");
        }
        let err = health_url("t.example", &url("http://origin.example.net/h")).expect_err("http");
        assert!(
            err.0.contains("probe `https://origin.example.net/h`"),
            "{err}"
        );
        assert!(health_url("t.example", &url("http://10.0.0.1/h")).is_err());
    }

    #[test]
    fn credentials_in_a_url_are_refused_and_not_echoed() {
        let err = health_url(
            "t.example",
            &url("https://user:s3cret@origin.example.net/h"),
        )
        .expect_err("userinfo");
        assert!(err.0.contains("carries credentials"), "{err}");
        assert!(!err.0.contains("s3cret"), "{err}");
    }

    #[test]
    fn other_schemes_and_garbage_are_refused() {
        assert!(health_url("t.example", &url("ftp://origin.example.net/h")).is_err());
        assert!(health_url("t.example", &url("not a url")).is_err());
    }
}

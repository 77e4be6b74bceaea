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
//! - no host that is a literal private, shared, link-local, unique-local or cloud-metadata
//!   address ([`crate::address::classify`]): a manifest must not make the runner request its own
//!   network. Loopback stays allowed.
//!
//! The manifest validator calls [`health_url`] too, so that what validates is exactly what can be
//! probed, and a bad `health` is reported with its line before anything is probed. Messages quote
//! the value as a short escaped excerpt.

use reqwest::Url;

use crate::address::{self, AddressClass};
use crate::plan::Health;

/// Why a `health` value cannot be probed. The message says what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct HealthUrlError(pub String);

/// The URL to probe for `health` on an endpoint whose CNAME target is `target`.
pub(crate) fn health_url(target: &str, health: &Health) -> Result<Url, HealthUrlError> {
    match health {
        Health::Path(path) => path_url(target, path),
        Health::Url(url) => full_url(url),
    }
}

/// A value as a message quotes it: at most 60 characters, escaped, then `…` when cut. (The same
/// rule as the manifest's `excerpt`; `health` cannot name `manifest`, which names `health`.)
fn shown(s: &str) -> String {
    let cut: String = s.chars().take(60).collect();
    let mut out = cut.escape_debug().to_string();
    if cut.len() < s.len() {
        out.push('…');
    }
    out
}

/// A space or control character, which a URL must percent-encode.
fn unencoded(s: &str) -> Option<char> {
    s.chars().find(|c| c.is_whitespace() || c.is_control())
}

fn path_url(target: &str, path: &str) -> Result<Url, HealthUrlError> {
    let (path_shown, target_shown) = (shown(path), shown(target));
    if !path.starts_with('/') {
        return Err(HealthUrlError(format!(
            "health path `{path_shown}` must start with `/` (for example `/healthz`), or be a full https:// URL"
        )));
    }
    if let Some(bad) = unencoded(path) {
        return Err(HealthUrlError(format!(
            "health path `{path_shown}` contains a space or control character ({bad:?}): percent-encode it (a space is %20)"
        )));
    }
    let host = target.trim_end_matches('.');
    let url = Url::parse(&format!("https://{host}{path}")).map_err(|e| {
        HealthUrlError(format!(
            "cannot build a health URL from target `{target_shown}` and path `{path_shown}`: {e}"
        ))
    })?;
    // NOTE: a path can never move the probe to another host, whatever it contains; checked
    // rather than assumed, because URL parsing has surprising corners (`\`, `@`).
    if url.host_str() != Some(host) {
        return Err(HealthUrlError(format!(
            "health path `{path_shown}` changes the host probed away from `{target_shown}`: use a plain path such as `/healthz`"
        )));
    }
    Ok(url)
}

fn full_url(raw: &str) -> Result<Url, HealthUrlError> {
    let raw_shown = shown(raw);
    let Some((_, rest)) = raw.split_once("://") else {
        return Err(HealthUrlError(format!(
            "health `{raw_shown}` is neither a path nor an https:// URL: write a path such as `/healthz` or `https://host/path`"
        )));
    };
    // URL parsing would drop or encode these silently; the manifest must say what is probed.
    if let Some(bad) = unencoded(raw) {
        return Err(HealthUrlError(format!(
            "health URL `{raw_shown}` contains a space or control character ({bad:?}): percent-encode it (a space is %20)"
        )));
    }
    // `https:///x` parses as `https://x/`: a URL without a host is refused as written.
    if rest.is_empty() || rest.starts_with(['/', '\\', '?', '#']) {
        return Err(HealthUrlError(format!(
            "health URL `{raw_shown}` has no host: write `https://host/path`"
        )));
    }
    let url = Url::parse(raw).map_err(|e| {
        HealthUrlError(format!(
            "health URL `{raw_shown}` is not a valid URL ({e}): write `https://host/path` or a path such as `/healthz`"
        ))
    })?;
    let Some(host) = url.host_str() else {
        return Err(HealthUrlError(format!(
            "health URL `{raw_shown}` has no host: write `https://host/path`"
        )));
    };
    // The parsed host, so every spelling of an address (`0xa.0.0.1`, `[::ffff:a9fe:a9fe]`) is
    // judged as the address it is.
    if let Some(ip) = address::literal(host)
        && let AddressClass::Forbidden(reason) = address::classify(ip)
    {
        return Err(HealthUrlError(format!(
            "health URL `{raw_shown}` points at {reason}: edgeplan never sends a request there, so that a manifest cannot make the runner probe its own network"
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(HealthUrlError(format!(
            "health URL `{}` carries credentials: probes never authenticate; remove the `user:password@` part",
            redact_userinfo(&url)
        )));
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if crate::address::is_loopback_host(host) => Ok(url),
        "http" => Err(HealthUrlError(format!(
            "health URL `{raw_shown}` uses plain http: Cloudflare reaches the origin over https, so probe `https://{}` (http:// is accepted only for loopback test servers)",
            shown(&raw["http://".len().min(raw.len())..])
        ))),
        other => Err(HealthUrlError(format!(
            "health URL `{raw_shown}` uses the `{}` scheme: only https:// is probed",
            shown(other)
        ))),
    }
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
    fn literal_private_link_local_and_metadata_hosts_are_refused() {
        for bad in [
            "https://10.0.0.1/h",
            "https://0xa.0.0.1/h",
            "https://169.254.169.254/latest/meta-data/",
            "https://[fd00:ec2::254]/",
            "https://[::ffff:169.254.169.254]/",
            "https://168.63.129.16/",
        ] {
            let err = health_url("t.example", &url(bad)).expect_err(bad);
            assert!(err.0.contains("points at"), "{bad}: {err}");
        }
        assert!(health_url("t.example", &url("https://127.0.0.1:8443/h")).is_ok());
        assert!(health_url("t.example", &url("https://1.1.1.1/h")).is_ok());
    }

    #[test]
    fn urls_without_a_host_or_with_spaces_are_refused_and_long_values_cut() {
        assert!(health_url("t.example", &url("https:///x")).is_err());
        assert!(health_url("t.example", &url("https://a.example/a b")).is_err());
        let err = health_url("t.example", &url("healthz")).expect_err("no scheme");
        assert!(err.0.contains("neither a path nor"), "{err}");
        let long = format!("http://{}.example/SECRET", "a".repeat(300));
        let err = health_url("t.example", &url(&long)).expect_err("plain http");
        assert!(!err.0.contains("SECRET") && err.0.contains('…'), "{err}");
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

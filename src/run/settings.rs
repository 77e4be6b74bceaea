//! The environment, read once at the edge into typed settings that the commands hand down.
//! Tokens become [`Secret`]s the moment they are read, so no later code holds one as a plain
//! string; the Action's two token inputs are these same variables (`github::inputs` names them).
//! (The action's own GitHub facts, the other `GITHUB_*` and its other inputs, `INPUT_*`, are
//! read by `github::event::Context`, the GitHub edge; no variable is read by both, which
//! `github::inputs`' tests check.)

use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use crate::cloudflare::DEFAULT_BASE_URL;
use crate::exit::Exit;
use crate::github::client::DEFAULT_API_URL;
use crate::github::inputs;
use crate::health::{
    PROXY_ENVS, ProbeOptions, RESOLVE_ENV, TIMEOUT_ENV, TOTAL_ENV, TimeoutEnvError,
};
use crate::manifest::Sources;
use crate::retry::RetrySettings;
use crate::secret::Secret;
use crate::tls::{CERT_FILE_ENV, Trust};

#[derive(Debug)]
pub(crate) struct Settings {
    /// `CLOUDFLARE_API_TOKEN`; `None` when unset or blank.
    pub cloudflare_token: Option<Secret>,
    /// `CLOUDFLARE_BASE_URL`, default the real API.
    pub cloudflare_base_url: String,
    /// `GITHUB_API_URL` without a trailing slash, default the public API; checked by
    /// [`Settings::trust`], which every GitHub client of the Action is built with.
    pub github_api_url: String,
    /// `GITHUB_TOKEN` (the action's `github-token`); `None` when unset or blank.
    pub github_token: Option<Secret>,
    /// Timeouts and retry budgets of both API clients.
    pub retry: RetrySettings,
    /// Where manifests may be read from: under GitHub Actions (`GITHUB_ACTIONS=true` with
    /// `GITHUB_WORKSPACE` set) a manifest reached through a symbolic link must stay inside the
    /// workspace.
    pub sources: Sources,
    /// `GITHUB_ACTIONS=true`: the runner reads stdout and stderr for workflow commands.
    pub in_actions: bool,
    /// `GITHUB_WORKSPACE`: annotation paths are made relative to it.
    pub workspace: Option<PathBuf>,
    /// `EDGEPLAN_HEALTH_TIMEOUT_MS`, `EDGEPLAN_HEALTH_TOTAL_TIMEOUT`, `EDGEPLAN_RESOLVE` (a test
    /// seam) and whether a proxy variable is set (probes ignore it), read into the options of
    /// the origin probes and the public check; a malformed value is kept as the error to report
    /// when a command needs them.
    pub probes: Result<ProbeOptions, TimeoutEnvError>,
    /// `SSL_CERT_FILE`: authorities every HTTPS client trusts besides the system store.
    pub cert_file: Option<PathBuf>,
    /// `CI=true`: `apply` runs without a prompt off a terminal.
    pub ci: bool,
    /// `COLUMNS`: the terminal width warnings are wrapped to.
    pub columns: Option<String>,
    /// `NO_COLOR` set and not empty: never colour.
    pub no_color: bool,
    /// `RUNNER_TEMP`: where the Action writes its plan JSON (else the system's temp directory).
    pub runner_temp: Option<PathBuf>,
    /// `GITHUB_OUTPUT` and `GITHUB_STEP_SUMMARY`: the Action's step outputs and step summary
    /// (a failure to read the Action's context is reported there too).
    pub runner_files: (Option<PathBuf>, Option<PathBuf>),
    /// The trust loaded from the store and `cert_file`, once, when a client first needs it.
    trust: OnceLock<Result<Arc<Trust>, String>>,
}

impl Settings {
    pub(crate) fn from_env() -> Settings {
        Settings::from_vars(|name| std::env::var(name).ok())
    }

    /// The settings from `get` (the process environment, or a table in tests).
    pub(crate) fn from_vars(get: impl Fn(&str) -> Option<String>) -> Settings {
        let set = |name: &str| get(name).filter(|v| !v.trim().is_empty());
        Settings {
            cloudflare_token: set(inputs::CLOUDFLARE_API_TOKEN.var).map(Secret::new),
            cloudflare_base_url: set("CLOUDFLARE_BASE_URL")
                .unwrap_or_else(|| DEFAULT_BASE_URL.to_string()),
            github_api_url: set("GITHUB_API_URL").map_or_else(
                || DEFAULT_API_URL.to_string(),
                |url| url.trim_end_matches('/').to_string(),
            ),
            github_token: set(inputs::GITHUB_TOKEN.var).map(Secret::new),
            retry: RetrySettings::from_vars(&get),
            in_actions: get("GITHUB_ACTIONS").as_deref() == Some("true"),
            workspace: set("GITHUB_WORKSPACE").map(PathBuf::from),
            sources: Sources {
                confine_links_to: set("GITHUB_WORKSPACE")
                    .filter(|_| get("GITHUB_ACTIONS").as_deref() == Some("true"))
                    .map(PathBuf::from),
            },
            probes: ProbeOptions::from_values(
                get(TIMEOUT_ENV).as_deref(),
                get(TOTAL_ENV).as_deref(),
                get(RESOLVE_ENV).as_deref(),
            )
            .map(|mut options| {
                // Probes never use a proxy; the variable's name is kept to explain a probe that
                // cannot connect on a runner that needs one.
                options.reach.proxy_set = PROXY_ENVS.into_iter().find(|name| set(name).is_some());
                options
            }),
            cert_file: set(CERT_FILE_ENV).map(PathBuf::from),
            ci: get("CI").is_some_and(|v| v.eq_ignore_ascii_case("true")),
            columns: get("COLUMNS"),
            no_color: get("NO_COLOR").is_some_and(|v| !v.is_empty()),
            runner_temp: set("RUNNER_TEMP").map(PathBuf::from),
            runner_files: (
                set("GITHUB_OUTPUT").map(PathBuf::from),
                set("GITHUB_STEP_SUMMARY").map(PathBuf::from),
            ),
            trust: OnceLock::new(),
        }
    }

    /// The authorities every HTTPS client trusts on top of the built-in roots: the system store
    /// and `SSL_CERT_FILE`, loaded on first use. A file that cannot be used is a usage error.
    ///
    /// Under GitHub Actions it also refuses a plain-http `GITHUB_API_URL` to a host that is not
    /// loopback ([`plain_http_refused`]): the Action builds its GitHub client with this trust, so
    /// no token is sent before the check.
    pub(crate) fn trust(&self) -> Result<Arc<Trust>, super::Failure> {
        if self.in_actions
            && let Some(refused) = plain_http_refused("GITHUB_API_URL", &self.github_api_url)
        {
            return Err(refused);
        }
        self.trust
            .get_or_init(|| {
                let loaded = crate::tls::load(self.cert_file.as_deref())?;
                // Said once, on stderr, when the trust is first loaded.
                for w in &loaded.warnings {
                    let _ = writeln!(std::io::stderr(), "warning: {w}");
                }
                Ok(Arc::new(loaded))
            })
            .clone()
            .map_err(|message| {
                super::Failure::new(Exit::Usage, message).help(
                    "point SSL_CERT_FILE at a PEM file of certificate authorities (in the Action, set it in the step's env), or unset it",
                )
            })
    }

    /// The origin probes' options, with this run's trust; a malformed setting is a usage error.
    pub(crate) fn probe_options(&self) -> Result<ProbeOptions, super::Failure> {
        let mut options = self
            .probes
            .clone()
            .map_err(|e| super::Failure::new(Exit::Usage, e.to_string()))?;
        options.reach.trust = Some(self.trust()?);
        Ok(options)
    }

    /// Every token held, for `::add-mask::` before anything else is printed.
    pub(crate) fn secrets(&self) -> Vec<&Secret> {
        [&self.github_token, &self.cloudflare_token]
            .into_iter()
            .flatten()
            .collect()
    }
}

/// A usage error (64) when `url` (the value of `var`, an API base that receives a token) is plain
/// `http://` to a host that is not loopback: the literal 127/8, `::1` or `localhost`, the hosts
/// scripts/install.sh accepts plain http from (it takes 127.0.0.1 only of 127/8). The host is the
/// one a URL parser reads (`http://localhost:@other` names `other`). Anything else, https or a
/// value that is no URL, is left to the client (which reports a malformed URL itself).
pub(super) fn plain_http_refused(var: &str, url: &str) -> Option<super::Failure> {
    let parsed = reqwest::Url::parse(url.trim()).ok()?;
    if parsed.scheme() != "http" {
        return None;
    }
    let host = parsed.host_str()?;
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = match bare.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(ip)) => ip.is_loopback(),
        Ok(std::net::IpAddr::V6(ip)) => ip == std::net::Ipv6Addr::LOCALHOST,
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    };
    if loopback {
        return None;
    }
    let host = crate::render::inert(host);
    Some(
        super::Failure::new(
            Exit::Usage,
            format!(
                "{var} is plain http:// to {host}, which is not loopback: the API token would travel unencrypted"
            ),
        )
        .help(format!(
            "use an https:// URL in {var} (plain http is accepted only for 127.0.0.1/8, ::1 and localhost, for tests)"
        )),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_github_api_url_loses_its_trailing_slash() {
        let s = Settings::from_vars(|name| {
            (name == "GITHUB_API_URL").then(|| "https://ghe.example.com/api/v3/".to_string())
        });
        assert_eq!(s.github_api_url, "https://ghe.example.com/api/v3");
    }

    #[test]
    fn blank_tokens_count_as_unset_and_tokens_stay_secret() {
        let vars = [
            ("CLOUDFLARE_API_TOKEN", "  "),
            ("GITHUB_TOKEN", "ghs_secret"),
        ];
        let s = Settings::from_vars(|name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        });
        assert!(s.cloudflare_token.is_none(), "blank counts as unset");
        assert_eq!(s.secrets().len(), 1);
        assert_eq!(s.cloudflare_base_url, DEFAULT_BASE_URL);
        assert_eq!(s.github_api_url, DEFAULT_API_URL);
        assert!(!format!("{s:?}").contains("ghs_secret"));
        assert_eq!(s.sources, Sources::default(), "not under Actions");
    }

    #[test]
    fn plain_http_is_refused_unless_the_host_is_loopback() {
        for ok in [
            "http://127.0.0.1:8080/client/v4",
            "http://127.5.6.7/",
            "http://[::1]:9/x",
            "http://localhost:1/",
            "http://LOCALHOST/",
            "https://api.example.com/",
            "not a url",
        ] {
            assert!(plain_http_refused("V", ok).is_none(), "{ok}");
        }
        for bad in [
            "http://example.invalid/client/v4",
            "http://10.0.0.1",
            "http://localhost:@example.com/",
            "http://[::2]/",
            "http://localhost.example.com/",
        ] {
            let f = plain_http_refused("CLOUDFLARE_BASE_URL", bad).expect(bad);
            assert_eq!(f.exit, Exit::Usage);
            assert!(f.message.contains("CLOUDFLARE_BASE_URL"), "{}", f.message);
            assert!(f.help.is_some());
        }
    }

    #[test]
    fn under_actions_links_are_confined_to_the_workspace() {
        let with = |vars: &'static [(&'static str, &'static str)]| {
            Settings::from_vars(|name| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            })
            .sources
            .confine_links_to
        };
        assert_eq!(
            with(&[("GITHUB_ACTIONS", "true"), ("GITHUB_WORKSPACE", "/w")]),
            Some(PathBuf::from("/w"))
        );
        assert_eq!(with(&[("GITHUB_WORKSPACE", "/w")]), None);
        assert_eq!(
            with(&[("GITHUB_ACTIONS", "true"), ("GITHUB_WORKSPACE", " ")]),
            None
        );
    }
}

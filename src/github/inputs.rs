//! Every input of the Action, parsed in one place: [`ALL`] names each input of `action.yml`, the
//! variable `action.yml` maps it to and who reads that variable, and [`Inputs::from_vars`] reads
//! the `INPUT_*` variables through that table, so the names cannot drift apart (a test holds
//! `action.yml`, this table and docs/action.md's inputs table together). Composite actions get
//! no automatic `INPUT_*` variables, see
//! <https://docs.github.com/en/actions/reference/workflows-and-actions/metadata-syntax#inputs>.
//!
//! Every input is checked when the run starts, whatever the event: a bad value is a usage error
//! (exit 64) naming the input before any request or write, so a typo in the workflow shows on
//! the pull request's preview, not first on the apply after merge.
//!
//! Booleans follow `@actions/core` `getBooleanInput` (the YAML 1.2 core schema): exactly
//! `true|True|TRUE|false|False|FALSE`; anything else is an error that names the input, because a
//! typo such as `ture` silently meaning false would be worse.

use std::time::Duration;

/// One input of `action.yml`: its name there, the environment variable `action.yml` maps it to,
/// and who reads that variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Input {
    /// The input's name in `action.yml` (kebab-case).
    pub name: &'static str,
    /// The variable the input reaches its reader as.
    pub var: &'static str,
    pub read_by: ReadBy,
}

/// Who reads an input's variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReadBy {
    /// [`Inputs::from_vars`].
    Inputs,
    /// `run::Settings`, which reads every token once, into a `Secret`; the command line reads
    /// the same variable.
    Settings,
    /// `action.yml` itself; the binary never sees it, for the reason given.
    ActionYml { reason: &'static str },
}

const fn input(name: &'static str, var: &'static str) -> Input {
    Input {
        name,
        var,
        read_by: ReadBy::Inputs,
    }
}

const MANIFEST: Input = input("manifest", "INPUT_MANIFEST");
const COMMAND: Input = input("command", "INPUT_COMMAND");
pub(crate) const CLOUDFLARE_API_TOKEN: Input = Input {
    name: "cloudflare-api-token",
    var: "CLOUDFLARE_API_TOKEN",
    read_by: ReadBy::Settings,
};
pub(crate) const GITHUB_TOKEN: Input = Input {
    name: "github-token",
    var: "GITHUB_TOKEN",
    read_by: ReadBy::Settings,
};
const COMMENT: Input = input("comment", "INPUT_COMMENT");
const ALLOW_DELETES: Input = input("allow-deletes", "INPUT_ALLOW_DELETES");
const SKIP_HEALTH: Input = input("skip-health", "INPUT_SKIP_HEALTH");
const FORK_PROBES: Input = input("fork-probes", "INPUT_FORK_PROBES");
const PUBLIC_CHECK: Input = input("public-check", "INPUT_PUBLIC_CHECK");
const PUBLIC_CHECK_TIMEOUT: Input = input("public-check-timeout", "INPUT_PUBLIC_CHECK_TIMEOUT");
const COMMENT_AUTHOR: Input = input("comment-author", "INPUT_COMMENT_AUTHOR");
const SEPARATE_COMMENT: Input = input("separate-comment", "INPUT_SEPARATE_COMMENT");
const REVIEWED_PLAN: Input = input("reviewed-plan", "INPUT_REVIEWED_PLAN");
const VERSION: Input = Input {
    name: "version",
    var: "EDGEPLAN_VERSION",
    read_by: ReadBy::ActionYml {
        reason: "the release scripts/install.sh downloads, before there is a binary to read it",
    },
};

/// Every input of `action.yml`, in its order.
const ALL: [Input; 14] = [
    MANIFEST,
    COMMAND,
    CLOUDFLARE_API_TOKEN,
    GITHUB_TOKEN,
    COMMENT,
    ALLOW_DELETES,
    SKIP_HEALTH,
    FORK_PROBES,
    PUBLIC_CHECK,
    PUBLIC_CHECK_TIMEOUT,
    COMMENT_AUTHOR,
    SEPARATE_COMMENT,
    REVIEWED_PLAN,
    VERSION,
];

/// The longest `public-check-timeout` a user may set, in seconds.
const MAX_PUBLIC_CHECK_SECS: u64 = 3600;

/// The `command` input: what the action should do. `Auto` follows the dispatch table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CommandInput {
    Auto,
    Validate,
    Plan,
    Apply,
}

impl CommandInput {
    pub(crate) fn parse(value: &str) -> Option<CommandInput> {
        match value.trim() {
            "" | "auto" => Some(CommandInput::Auto),
            "validate" => Some(CommandInput::Validate),
            "plan" => Some(CommandInput::Plan),
            "apply" => Some(CommandInput::Apply),
            _ => None,
        }
    }
}

/// The `reviewed-plan` input: whether a push apply must be the plan its pull request's preview
/// showed (DESIGN section 6, "The reviewed plan, or nothing").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReviewedPlan {
    /// Compare with the merged pull request's preview before writing; a direct push, or a pull
    /// request without a preview, applies and says so. The default.
    Match,
    /// As `Match`, and a direct push or a pull request without a preview is refused too.
    Require,
    /// Apply without comparing; the report says afterwards whether the preview differed.
    Off,
}

impl ReviewedPlan {
    pub(crate) fn parse(value: &str) -> Option<ReviewedPlan> {
        match value.trim() {
            "" | "match" => Some(ReviewedPlan::Match),
            "require" => Some(ReviewedPlan::Require),
            "off" => Some(ReviewedPlan::Off),
            _ => None,
        }
    }
}

/// The `public-check` input: what a failed public check after an apply does (the command line's
/// `--public-check`). Any case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PublicCheckInput {
    /// Report a failure as a warning. The default.
    Warn,
    /// Report a failure and fail the step (exit 1; the DNS change stays applied).
    Fail,
    /// Do not check.
    Off,
}

impl PublicCheckInput {
    fn parse(value: &str) -> Option<PublicCheckInput> {
        match value.trim().to_ascii_lowercase().as_str() {
            "" | "warn" => Some(PublicCheckInput::Warn),
            "fail" => Some(PublicCheckInput::Fail),
            "off" => Some(PublicCheckInput::Off),
            _ => None,
        }
    }
}

/// The action's inputs, from the variables `action.yml` maps them to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Inputs {
    /// `INPUT_MANIFEST`: one path or glob per line; `edgeplan.yaml` when empty.
    pub manifests: Vec<String>,
    /// `INPUT_COMMAND`: auto|validate|plan|apply, default auto.
    pub command: CommandInput,
    /// `INPUT_COMMENT`: post the sticky PR comment, default true.
    pub comment: bool,
    /// `INPUT_ALLOW_DELETES`: lift the deletion safety limit, default false.
    pub allow_deletes: bool,
    /// `INPUT_FORK_PROBES`: probe origins under `pull_request_target` too, default false (the
    /// pull request's author would choose what the runner requests).
    pub fork_probes: bool,
    /// `INPUT_COMMENT_AUTHOR`: the login edgeplan's comments are written by (a GitHub App
    /// token's bot); `None` when empty: then `GET /user`, else `github-actions[bot]`.
    pub comment_author: Option<String>,
    /// `INPUT_SEPARATE_COMMENT`: this job's preview is its own sticky comment, told apart by
    /// `manifest=<the manifest input>` in its marker (one comment per job of a matrix), default
    /// false (one comment for every edgeplan job of the pull request).
    pub separate_comment: bool,
    /// `INPUT_REVIEWED_PLAN`: match|require|off, default match.
    pub reviewed_plan: ReviewedPlan,
    /// `INPUT_SKIP_HEALTH`: do not probe origins, default false.
    pub skip_health: bool,
    /// `INPUT_PUBLIC_CHECK`: warn|fail|off, default warn.
    pub public_check: PublicCheckInput,
    /// `INPUT_PUBLIC_CHECK_TIMEOUT`: the public check's bound, 1 to [`MAX_PUBLIC_CHECK_SECS`]
    /// seconds; `None` when empty: the check's own default.
    pub public_check_timeout: Option<Duration>,
}

impl Inputs {
    /// Parses every input of [`ALL`] read by [`ReadBy::Inputs`] from `get`, which gives a
    /// variable's value; the runner passes an unset input as an empty string, which `get` must
    /// give as `None`. A bad value is the error naming the input.
    pub(crate) fn from_vars(get: impl Fn(&str) -> Option<String>) -> Result<Inputs, ContextError> {
        // Read through the table, so no other variable is ever asked for.
        let read: Vec<(Input, String)> = ALL
            .into_iter()
            .filter(|input| input.read_by == ReadBy::Inputs)
            .filter_map(|input| Some((input, get(input.var)?)))
            .collect();
        let get = |wanted: Input| {
            read.iter()
                .find(|(input, _)| *input == wanted)
                .map(|(_, value)| value.clone())
        };
        let manifests: Vec<String> = get(MANIFEST)
            .map(|v| {
                v.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
        let command_raw = get(COMMAND);
        let command =
            CommandInput::parse(command_raw.as_deref().unwrap_or("")).ok_or_else(|| {
                ContextError::BadCommand {
                    source_name: COMMAND.var.into(),
                    value: command_raw.clone().unwrap_or_default(),
                }
            })?;
        let reviewed_raw = get(REVIEWED_PLAN);
        let reviewed_plan =
            ReviewedPlan::parse(reviewed_raw.as_deref().unwrap_or("")).ok_or_else(|| {
                ContextError::BadReviewedPlan {
                    value: crate::manifest::excerpt(reviewed_raw.as_deref().unwrap_or("")),
                }
            })?;
        let boolean =
            |input: Input, default: bool| parse_bool(input, get(input).as_deref(), default);
        let check_raw = get(PUBLIC_CHECK).unwrap_or_default();
        let public_check =
            PublicCheckInput::parse(&check_raw).ok_or_else(|| ContextError::BadPublicCheck {
                value: check_raw.trim().to_ascii_lowercase(),
            })?;
        Ok(Inputs {
            reviewed_plan,
            manifests: if manifests.is_empty() {
                Inputs::default().manifests
            } else {
                manifests
            },
            command,
            comment: boolean(COMMENT, true)?,
            allow_deletes: boolean(ALLOW_DELETES, false)?,
            fork_probes: boolean(FORK_PROBES, false)?,
            separate_comment: boolean(SEPARATE_COMMENT, false)?,
            comment_author: get(COMMENT_AUTHOR)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty()),
            skip_health: boolean(SKIP_HEALTH, false)?,
            public_check,
            public_check_timeout: public_check_timeout(get(PUBLIC_CHECK_TIMEOUT).as_deref())?,
        })
    }

    /// The `manifest=` attribute of the preview marker: the manifest input, when this job's
    /// preview is a comment of its own.
    pub(crate) fn comment_key(&self) -> Option<String> {
        self.separate_comment.then(|| self.manifests.join(" "))
    }
}

impl Default for Inputs {
    fn default() -> Self {
        Inputs {
            manifests: vec!["edgeplan.yaml".to_string()],
            command: CommandInput::Auto,
            comment: true,
            allow_deletes: false,
            fork_probes: false,
            comment_author: None,
            separate_comment: false,
            reviewed_plan: ReviewedPlan::Match,
            skip_health: false,
            public_check: PublicCheckInput::Warn,
            public_check_timeout: None,
        }
    }
}

/// A variable or payload the action cannot work with. Maps to exit 64 (usage) for bad inputs,
/// since the fix is in the workflow file.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum ContextError {
    #[error("input `{input}` (env {var}) is `{value}`, not a boolean")]
    NotBoolean {
        input: &'static str,
        var: &'static str,
        value: String,
    },
    #[error("input `command` ({source_name}) is `{value}`; expected auto, validate, plan or apply")]
    BadCommand { source_name: String, value: String },
    #[error(
        "input `reviewed-plan` (INPUT_REVIEWED_PLAN) is `{value}`; expected match, require or off"
    )]
    BadReviewedPlan { value: String },
    #[error("the input `public-check` is `{value}`, which is not warn, fail or off")]
    BadPublicCheck { value: String },
    #[error(
        "the input `public-check-timeout` is `{value}`, which is not a number of seconds between 1 and {MAX_PUBLIC_CHECK_SECS}"
    )]
    BadPublicCheckTimeout { value: String },
    #[error("cannot read the event payload {path}: {detail}")]
    Payload { path: String, detail: String },
}

impl ContextError {
    pub(crate) fn help(&self) -> &'static str {
        match self {
            ContextError::NotBoolean { .. } => {
                "use exactly true, True, TRUE, false, False or FALSE (as actions/toolkit getBooleanInput does)"
            }
            ContextError::BadCommand { .. } => {
                "set `command:` in the workflow to auto (the default), validate, plan or apply"
            }
            ContextError::BadReviewedPlan { .. } => {
                "set `reviewed-plan:` in the workflow to match (the default), require or off"
            }
            ContextError::BadPublicCheck { .. } => {
                "set the action input `public-check` to warn (the default), fail or off"
            }
            ContextError::BadPublicCheckTimeout { .. } => {
                "set the action input `public-check-timeout` to whole seconds, for example 120 (the default)"
            }
            ContextError::Payload { .. } => {
                "GITHUB_EVENT_PATH is written by the Actions runner; outside Actions unset it or point it at a JSON payload"
            }
        }
    }
}

/// Parses a boolean input the way `@actions/core` `getBooleanInput` does (YAML 1.2 core schema):
/// exactly `true|True|TRUE|false|False|FALSE`; empty means the default.
fn parse_bool(input: Input, value: Option<&str>, default: bool) -> Result<bool, ContextError> {
    match value {
        None | Some("") => Ok(default),
        Some("true" | "True" | "TRUE") => Ok(true),
        Some("false" | "False" | "FALSE") => Ok(false),
        Some(other) => Err(ContextError::NotBoolean {
            input: input.name,
            var: input.var,
            value: other.to_string(),
        }),
    }
}

/// The `public-check-timeout` input: whole seconds from 1 to [`MAX_PUBLIC_CHECK_SECS`]; `None`
/// when empty.
fn public_check_timeout(value: Option<&str>) -> Result<Option<Duration>, ContextError> {
    match value.map(str::trim).unwrap_or_default() {
        "" => Ok(None),
        raw => match raw.parse::<u64>() {
            Ok(secs @ 1..=MAX_PUBLIC_CHECK_SECS) => Ok(Some(Duration::from_secs(secs))),
            _ => Err(ContextError::BadPublicCheckTimeout {
                value: raw.to_string(),
            }),
        },
    }
}

#[cfg(test)]
#[path = "inputs_tests.rs"]
mod table_tests;

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(vars: &[(&str, &str)]) -> Result<Inputs, ContextError> {
        Inputs::from_vars(|name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        })
    }

    /// The messages and advice are the ones users saw before these inputs moved here.
    #[test]
    fn bad_values_name_the_input_as_before() {
        let err = parsed(&[(SKIP_HEALTH.var, "maybe")]).expect_err("maybe");
        assert_eq!(
            err.to_string(),
            "input `skip-health` (env INPUT_SKIP_HEALTH) is `maybe`, not a boolean"
        );
        let err = parsed(&[(PUBLIC_CHECK.var, " Strict ")]).expect_err("strict");
        assert_eq!(
            err.to_string(),
            "the input `public-check` is `strict`, which is not warn, fail or off"
        );
        assert_eq!(
            err.help(),
            "set the action input `public-check` to warn (the default), fail or off"
        );
        for t in ["0", "-5", "2m", "3601", " 1.5 "] {
            let err = parsed(&[(PUBLIC_CHECK_TIMEOUT.var, t)]).expect_err(t);
            assert_eq!(
                err.to_string(),
                format!(
                    "the input `public-check-timeout` is `{}`, which is not a number of seconds between 1 and 3600",
                    t.trim()
                )
            );
            assert_eq!(
                err.help(),
                "set the action input `public-check-timeout` to whole seconds, for example 120 (the default)"
            );
        }
    }

    #[test]
    fn skip_health_and_the_public_check_are_typed() {
        let set = parsed(&[
            (SKIP_HEALTH.var, "True"),
            (PUBLIC_CHECK.var, "FAIL"),
            (PUBLIC_CHECK_TIMEOUT.var, " 30 "),
        ])
        .expect("set");
        assert!(set.skip_health);
        assert_eq!(set.public_check, PublicCheckInput::Fail);
        assert_eq!(set.public_check_timeout, Some(Duration::from_secs(30)));
        let off = parsed(&[
            (PUBLIC_CHECK.var, "off"),
            (PUBLIC_CHECK_TIMEOUT.var, "3600"),
        ]);
        let off = off.expect("off");
        assert_eq!(off.public_check, PublicCheckInput::Off);
        assert_eq!(off.public_check_timeout, Some(Duration::from_secs(3600)));
        let blank = parsed(&[(PUBLIC_CHECK.var, "  "), (PUBLIC_CHECK_TIMEOUT.var, " ")]);
        assert_eq!(blank.expect("blank"), Inputs::default());
    }

    #[test]
    fn booleans_follow_get_boolean_input() {
        for ok in ["true", "True", "TRUE"] {
            assert_eq!(parse_bool(COMMENT, Some(ok), false), Ok(true));
        }
        for ok in ["false", "False", "FALSE"] {
            assert_eq!(parse_bool(COMMENT, Some(ok), true), Ok(false));
        }
        assert_eq!(parse_bool(COMMENT, None, true), Ok(true));
        for bad in ["yes", "1", "tRuE", " true", "on"] {
            let err = parse_bool(COMMENT, Some(bad), true).expect_err(bad);
            assert!(err.to_string().contains("INPUT_COMMENT"), "{err}");
        }
    }

    #[test]
    fn command_values() {
        assert_eq!(CommandInput::parse(""), Some(CommandInput::Auto));
        assert_eq!(CommandInput::parse(" apply "), Some(CommandInput::Apply));
        assert_eq!(CommandInput::parse("Apply"), None);
        assert_eq!(ReviewedPlan::parse(""), Some(ReviewedPlan::Match));
        assert_eq!(
            ReviewedPlan::parse(" require "),
            Some(ReviewedPlan::Require)
        );
        assert_eq!(ReviewedPlan::parse("off"), Some(ReviewedPlan::Off));
        assert_eq!(ReviewedPlan::parse("Off"), None);
    }
}

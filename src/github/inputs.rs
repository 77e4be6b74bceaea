//! The action's inputs as `action.yml` passes them: `INPUT_MANIFEST`, `INPUT_COMMAND`,
//! `INPUT_COMMENT`, `INPUT_ALLOW_DELETES`, `INPUT_FORK_PROBES`, `INPUT_COMMENT_AUTHOR`, `INPUT_REVIEWED_PLAN` (composite actions get no automatic `INPUT_*`
//! variables, see <https://docs.github.com/en/actions/reference/workflows-and-actions/metadata-syntax#inputs>).
//!
//! Booleans follow `@actions/core` `getBooleanInput` (the YAML 1.2 core schema): exactly
//! `true|True|TRUE|false|False|FALSE`; anything else is an error that names the input, because a
//! typo such as `ture` silently meaning false would be worse.

/// The `command` input: what the action should do. `Auto` follows the dispatch table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandInput {
    Auto,
    Validate,
    Plan,
    Apply,
}

impl CommandInput {
    pub fn parse(value: &str) -> Option<CommandInput> {
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
pub enum ReviewedPlan {
    /// Compare with the merged pull request's preview before writing; a direct push, or a pull
    /// request without a preview, applies and says so. The default.
    Match,
    /// As `Match`, and a direct push or a pull request without a preview is refused too.
    Require,
    /// Apply without comparing; the report says afterwards whether the preview differed.
    Off,
}

impl ReviewedPlan {
    pub fn parse(value: &str) -> Option<ReviewedPlan> {
        match value.trim() {
            "" | "match" => Some(ReviewedPlan::Match),
            "require" => Some(ReviewedPlan::Require),
            "off" => Some(ReviewedPlan::Off),
            _ => None,
        }
    }
}

/// The action's inputs, from the variables `action.yml` maps them to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inputs {
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
}

impl Inputs {
    /// The `manifest=` attribute of the preview marker: the manifest input, when this job's
    /// preview is a comment of its own.
    pub fn comment_key(&self) -> Option<String> {
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
        }
    }
}

/// A variable or payload the action cannot work with. Maps to exit 64 (usage) for bad inputs,
/// since the fix is in the workflow file.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ContextError {
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
    #[error("cannot read the event payload {path}: {detail}")]
    Payload { path: String, detail: String },
}

impl ContextError {
    pub fn help(&self) -> &'static str {
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
            ContextError::Payload { .. } => {
                "GITHUB_EVENT_PATH is written by the Actions runner; outside Actions unset it or point it at a JSON payload"
            }
        }
    }
}

/// Parses a boolean input the way `@actions/core` `getBooleanInput` does (YAML 1.2 core schema):
/// exactly `true|True|TRUE|false|False|FALSE`; empty means the default.
pub fn parse_bool(
    input: &'static str,
    var: &'static str,
    value: Option<&str>,
    default: bool,
) -> Result<bool, ContextError> {
    match value {
        None | Some("") => Ok(default),
        Some("true" | "True" | "TRUE") => Ok(true),
        Some("false" | "False" | "FALSE") => Ok(false),
        Some(other) => Err(ContextError::NotBoolean {
            input,
            var,
            value: other.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans_follow_get_boolean_input() {
        for ok in ["true", "True", "TRUE"] {
            assert_eq!(
                parse_bool("comment", "INPUT_COMMENT", Some(ok), false),
                Ok(true)
            );
        }
        for ok in ["false", "False", "FALSE"] {
            assert_eq!(
                parse_bool("comment", "INPUT_COMMENT", Some(ok), true),
                Ok(false)
            );
        }
        assert_eq!(parse_bool("comment", "INPUT_COMMENT", None, true), Ok(true));
        for bad in ["yes", "1", "tRuE", " true", "on"] {
            let err = parse_bool("comment", "INPUT_COMMENT", Some(bad), true).expect_err(bad);
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

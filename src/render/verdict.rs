//! The verdict in words: the one-line outcome every body opens with, the refusal (the names it
//! refuses, the safe fix, then the override), each zone's cell in the table of many zones, and
//! the errors a terminal or a runner shows. The verdict itself is data
//! ([`crate::plan::verdict`], decided once by the pipeline); every presenter words it here, so
//! the comment, the step summary, the terminal and the annotations say the same thing.
//!
//! Values go through `code`: a code span in Markdown ([`super::escape::code`]), the value made
//! inert on a terminal ([`super::inert`]).

use std::path::PathBuf;

use crate::plan::verdict::{
    Counts, EditKind, EventRule, Mismatch, Origins, Reason, StaleCommit, Verdict, ZoneVerdict,
};

use super::plural;

/// Formats a value: a code span in Markdown, the inert value in text.
pub(crate) type Code<'a> = &'a dyn Fn(&str) -> String;

/// What a plan body is for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Kind {
    /// A pull request's preview: it speaks of merge.
    #[default]
    Preview,
    /// A drift report (a schedule, a dispatched plan, a push to another branch): nothing is
    /// being merged, so it speaks of the next apply.
    Drift,
    /// The plan an apply refused, under the apply report.
    Refused,
    /// `edgeplan plan` at the command line: it speaks of the next apply, and of flags.
    Plan,
}

impl Kind {
    pub(super) fn title(self) -> &'static str {
        match self {
            Kind::Preview => "edgeplan DNS preview",
            Kind::Drift => "edgeplan drift report",
            Kind::Refused => "The plan that was refused",
            Kind::Plan => "edgeplan plan",
        }
    }

    /// Who refuses the plan over a refusal at a manifest line.
    pub(super) fn refuser(self) -> &'static str {
        match self {
            Kind::Preview => "merge",
            Kind::Drift | Kind::Refused | Kind::Plan => "apply",
        }
    }

    /// How a headline with changes opens (a drift report words its own).
    fn applies(self) -> &'static str {
        match self {
            Kind::Preview => "Merge applies",
            Kind::Drift | Kind::Refused | Kind::Plan => "Apply would make",
        }
    }

    /// Whose apply the words speak of.
    fn front(self) -> Front {
        match self {
            Kind::Plan => Front::Cli,
            Kind::Preview | Kind::Drift | Kind::Refused => Front::Action,
        }
    }
}

/// Who reads the advice: the command line (flags) or the Action (inputs of the apply job).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Front {
    Cli,
    Action,
}

/// The words for an edit kind: `create`, `update`, `adopt`, `delete`.
pub(crate) fn label(kind: EditKind) -> &'static str {
    match kind {
        EditKind::Create => "create",
        EditKind::Update => "update",
        EditKind::Adopt => "adopt",
        EditKind::Delete => "delete",
    }
}

/// `1 to create, 2 to delete` (the kinds present, deletes and adoptions first), or `no changes`.
pub(crate) fn counts(n: &Counts) -> String {
    let parts: Vec<String> = EditKind::ALL
        .into_iter()
        .filter(|k| n.get(*k) > 0)
        .map(|k| format!("{} to {}", n.get(k), label(k)))
        .collect();
    if parts.is_empty() {
        "no changes".into()
    } else {
        parts.join(", ")
    }
}

/// The one line every body opens with: what merge (or the apply) does, or why it is refused.
pub(crate) fn headline(v: &Verdict, kind: Kind, code: Code<'_>) -> String {
    if v.refused() {
        let why = reasons(v, code);
        return match kind {
            Kind::Preview => format!("Merge will be refused: {why}"),
            Kind::Drift => format!("The next apply would be refused: {why}"),
            Kind::Plan => format!("Apply would be refused: {why}"),
            Kind::Refused => format!("Apply refused, nothing was applied: {why}"),
        };
    }
    let total = v.counts().total();
    if total == 0 {
        return match kind {
            Kind::Preview => "Merge changes nothing: every zone already matches the manifests.",
            Kind::Drift => "No drift: every zone matches the manifests.",
            Kind::Plan | Kind::Refused => "No changes: every zone matches the manifests.",
        }
        .into();
    }
    let with_changes: Vec<&ZoneVerdict> = v.zones.iter().filter(|z| z.has_changes()).collect();
    let how = |z: &ZoneVerdict| {
        if z.batches <= 1 {
            "in one atomic batch".to_string()
        } else {
            format!("in {} batches, not atomic", z.batches)
        }
    };
    let what = counts(&v.counts());
    let mut h = match (kind, with_changes.as_slice()) {
        (Kind::Drift, [z]) => format!(
            "Drift: {total} record{} from the manifests; the next apply would make {total} change{} to {} {} ({what})",
            if total == 1 { " differs" } else { "s differ" },
            plural(total),
            code(&z.zone),
            how(z)
        ),
        (Kind::Drift, zs) => format!(
            "Drift: {total} records differ from the manifests in {} zones; the next apply would make one transaction per zone at most ({what})",
            zs.len()
        ),
        (_, [z]) => format!(
            "{} {total} change{} to {} {} ({what})",
            kind.applies(),
            plural(total),
            code(&z.zone),
            how(z)
        ),
        (_, zs) => format!(
            "{} {total} changes to {} zones, one transaction per zone at most, never across zones ({what})",
            kind.applies(),
            zs.len()
        ),
    };
    if v.origins == Origins::NotChecked {
        h.push_str(", if the origins pass their checks (not checked here)");
    }
    h
}

/// Why the apply is refused, in one clause: each reason with its zone.
pub(crate) fn reasons(v: &Verdict, code: Code<'_>) -> String {
    let why: Vec<String> = v
        .reasons()
        .map(|(z, r)| {
            let zone = z.map(|z| code(&z.zone)).unwrap_or_default();
            match r {
                Reason::Conflicts(c) => {
                    format!("{} conflict{} in {zone}", c.len(), plural(c.len()))
                }
                Reason::LongComments(l) => {
                    format!("{} comment{} too long for {zone}", l.len(), plural(l.len()))
                }
                Reason::MassDelete(m) => format!(
                    "{} of {} owned records in {zone} would be deleted (the limit is {})",
                    m.deletes, m.owned, m.limit
                ),
                Reason::FailedOrigins(o) => {
                    let names: Vec<String> = o.iter().map(|o| code(&o.name)).collect();
                    format!("origin check failed for {}", names.join(", "))
                }
                Reason::NotReviewed { pull, .. } => match pull {
                    Some(n) => format!("the plan is not the one reviewed on #{n}"),
                    None => "the plan is not a reviewed one".into(),
                },
                Reason::StaleCommit(s) => stale_clause(s, code),
                Reason::EventRule(r) => event_clause(r, code),
            }
        })
        .collect();
    why.join("; ")
}

/// The stale commit in one clause, both commits in full (they are what to compare).
fn stale_clause(s: &StaleCommit, code: Code<'_>) -> String {
    let how = if s.diverged {
        "has diverged from"
    } else {
        "is older than"
    };
    format!(
        "stale commit: {} {how} {}, the last commit applied to {}",
        code(&s.sha),
        code(&s.last),
        code(&s.environment)
    )
}

fn event_clause(r: &EventRule, code: Code<'_>) -> String {
    match r {
        EventRule::PullRequest { event } => {
            format!(
                "apply does not run on {}: a pull request only previews",
                code(event)
            )
        }
        EventRule::Event { event } => format!(
            "apply runs only on {} or {}, not on {}",
            code("push"),
            code("workflow_dispatch"),
            code(event)
        ),
        EventRule::Branch { branch, default } => format!(
            "apply runs only on the default branch {}, not on {}",
            code(default),
            code(branch)
        ),
    }
}

/// One sentence for a way the plan is not the reviewed one; `code` puts values in code spans
/// (Markdown) or backticks (text).
pub(crate) fn mismatch(m: &Mismatch, code: Code<'_>) -> String {
    match m {
        Mismatch::Differs {
            pair,
            reviewed,
            planned,
        } => format!(
            "{}: the plan differs from the one reviewed (reviewed {}, now {})",
            code(pair),
            code(digest_short(reviewed)),
            code(digest_short(planned))
        ),
        Mismatch::PreviewInvalid => format!(
            "the pull request's preview shows a manifest with problems ({}), so no plan of it was reviewed",
            code("plan=invalid")
        ),
        Mismatch::Missing { pair } => format!(
            "{}: this change is in no preview on the pull request",
            code(pair)
        ),
        Mismatch::Versions { found } => format!(
            "the preview's digests are of another version ({}; this edgeplan compares {}): it was written by another edgeplan",
            code(&format!("v={found}")),
            code(&format!("v={}", crate::plan::REVIEW_VERSION))
        ),
        Mismatch::Disagree { pair } => format!(
            "{}: two previews on the pull request show different plans",
            code(pair)
        ),
        Mismatch::OtherIdentity { logins } => format!(
            "the only previews on the pull request are by {}, not by the identity this apply runs as",
            logins
                .iter()
                .map(|l| code(l))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Mismatch::NoPreview { direct: true } => format!(
            "this push merged no pull request, and {} applies only a reviewed plan",
            code("reviewed-plan: require")
        ),
        Mismatch::NoPreview { direct: false } => format!(
            "the pull request has no edgeplan preview, and {} applies only a reviewed plan",
            code("reviewed-plan: require")
        ),
        Mismatch::Unreadable { why } => format!(
            "a preview's marker cannot be read ({}), so what it reviewed is not known",
            code(why)
        ),
    }
}

/// `sha256:` and the first 12 hex digits: enough to tell two digests apart in a sentence.
fn digest_short(d: &str) -> &str {
    d.get(..19).unwrap_or(d)
}

/// The deliberate ways forward from a plan that is not the reviewed one.
pub(crate) const FORWARD: &str = "if the new plan is what should happen, apply it deliberately: run the workflow by hand on the default branch (`workflow_dispatch` with `command: apply`, which is not compared with a preview), or open a new pull request, whose preview shows this plan, and merge it";

/// The help naming `comment-author`, when the previews are another identity's.
pub(crate) const IDENTITY: &str = "if edgeplan previews as that identity (a GitHub App token), set the apply job's `comment-author` input to its login, for example `my-app[bot]`";

/// The help of a plan that is not the reviewed one.
fn not_reviewed_help(mismatches: &[Mismatch]) -> &'static str {
    if (mismatches.iter()).any(|m| matches!(m, Mismatch::OtherIdentity { .. })) {
        IDENTITY
    } else {
        FORWARD
    }
}

/// The help of a stale commit: what can and cannot apply it.
fn stale_help(s: &StaleCommit) -> &'static str {
    match (s.dispatch, s.diverged) {
        (true, _) => {
            "workflow_dispatch applies the default branch's current head only, and this run's commit no longer is: dispatch the workflow again"
        }
        (false, true) => {
            "if the default branch was force-pushed, apply it as it is now by running the workflow from workflow_dispatch with `command: apply` on the default branch (a person's decision); re-running this run does not help"
        }
        (false, false) => {
            "a newer commit was applied after this run started, and re-running this run cannot apply its older commit; workflow_dispatch applies only the default branch's current head, not this commit: to go back to this state, revert on the default branch"
        }
    }
}

/// The error and help of an event rule, as the log and the annotation say them.
fn event_words(r: &EventRule) -> (String, String) {
    match r {
        EventRule::PullRequest { event } => (
            format!("apply is refused on `{event}`: a pull request only previews the change"),
            "apply runs on push to the default branch after merge, or from workflow_dispatch on the default branch; remove `command: apply` from the pull request job".into(),
        ),
        EventRule::Event { event } => (
            format!("apply is refused on `{event}`: it only runs on push or workflow_dispatch"),
            "run apply from a push to the default branch or a workflow_dispatch on it".into(),
        ),
        EventRule::Branch { branch, default } => (
            format!("apply is refused on `{branch}`: it only runs on the default branch `{default}`"),
            format!("merge the change into `{default}`, or dispatch the workflow on `{default}`"),
        ),
    }
}

/// The words of the refusal alert, as a reviewer acts on it: the refused names, then the safe
/// fix for each reason, then the overrides. Empty when nothing refuses.
pub(crate) struct Alert {
    /// `name (why)` lines, each name once.
    pub names: Vec<String>,
    /// What to do that keeps the zone safe (restore, revert, fix the origin).
    pub fixes: Vec<String>,
    /// How to apply anyway, where there is a way.
    pub overrides: Vec<String>,
}

/// The label that approves a pull request's deletes over the safety limit in the Action (its
/// one definition for the dispatch table is `github::dispatch::ALLOW_DELETES_LABEL`; `render`
/// does not name `github`, and a test keeps the two equal).
pub(crate) const ALLOW_DELETES_LABEL: &str = "edgeplan/allow-deletes";

/// The alert's words for `v`, worded for `kind`.
pub(crate) fn alert(v: &Verdict, kind: Kind, code: Code<'_>) -> Alert {
    let front = kind.front();
    let mut out = Alert {
        names: Vec::new(),
        fixes: Vec::new(),
        overrides: Vec::new(),
    };
    let apply = match kind {
        Kind::Preview => "the merge's apply",
        Kind::Drift | Kind::Plan => "the next apply",
        Kind::Refused => "this apply",
    };
    for (z, r) in v.reasons() {
        let zone = z.map(|z| code(&z.zone)).unwrap_or_default();
        let why = match r {
            Reason::Conflicts(_) => "held by a record edgeplan may not touch",
            Reason::LongComments(_) => "comment too long for the zone",
            Reason::FailedOrigins(_) => "origin check failed",
            Reason::MassDelete(_)
            | Reason::NotReviewed { .. }
            | Reason::StaleCommit(_)
            | Reason::EventRule(_) => "",
        };
        for name in r.names() {
            out.names.push(format!("{} ({why})", code(name)));
        }
        match r {
            Reason::Conflicts(c) => out.fixes.push(format!(
                "{zone}: resolve the {} conflict{} at the manifest line{} named below: choose another name, set {} on an endpoint to take over an unowned record, or free the name in its owner's manifest.",
                c.len(),
                plural(c.len()),
                plural(c.len()),
                code("adopt: true")
            )),
            Reason::LongComments(l) => out.fixes.push(format!(
                "{zone}: shorten the {} endpoint comment{} named below; with the ownership marker the zone accepts at most {} characters (Free plans 100, paid 500).",
                l.len(),
                plural(l.len()),
                l.first().map_or(0, |l| l.limit)
            )),
            Reason::MassDelete(m) => {
                out.names.push(format!(
                    "{zone}: {} deletes of the {} records owner {} holds, over the safety limit of {}",
                    m.deletes,
                    m.owned,
                    code(&m.owner),
                    m.limit
                ));
                out.fixes.push(format!(
                    "{zone}: restore the endpoints in {} (or revert the change that removed them).",
                    code(&m.manifest.display().to_string())
                ));
                out.overrides.push(match (front, kind) {
                    (Front::Cli, _) => format!(
                        "If the deletes are intended, pass {} to {apply}.",
                        code("--allow-deletes")
                    ),
                    (Front::Action, Kind::Refused) => format!(
                        "If the deletes are intended: after a merge, add the label {} to the merged pull request and re-run this job (triage access suffices; an apply run by hand reads no label); or run the workflow by hand with {} (this apply ran with {}).",
                        code(ALLOW_DELETES_LABEL),
                        code("allow-deletes: true"),
                        code("allow-deletes: false")
                    ),
                    (Front::Action, _) => format!(
                        "If the deletes are intended, add the label {} to this pull request (triage access suffices; the apply reads it when it runs), or set the action input {} on the apply job (this preview assumed {}).",
                        code(ALLOW_DELETES_LABEL),
                        code("allow-deletes: true"),
                        code("allow-deletes: false")
                    ),
                });
            }
            Reason::FailedOrigins(_) => {
                out.fixes.push(format!(
                    "Bring the origin up, or fix its {} path in the manifest, then run the check again.",
                    code("health")
                ));
                out.overrides.push(match front {
                    Front::Cli => format!(
                        "To point DNS at it anyway, pass {} to {apply}.",
                        code("--skip-health")
                    ),
                    Front::Action => format!(
                        "To point DNS at it anyway, set the action input {} on the apply job.",
                        code("skip-health: true")
                    ),
                });
            }
            Reason::NotReviewed { mismatches, .. } => {
                out.names.extend(mismatches.iter().map(|m| mismatch(m, code)));
                if not_reviewed_help(mismatches) == IDENTITY {
                    out.fixes.push(format!(
                        "If edgeplan previews as that identity (a GitHub App token), set the apply job's {} input to its login, for example {}.",
                        code("comment-author"),
                        code("my-app[bot]")
                    ));
                } else {
                    out.fixes.push(
                        "Open a new pull request, whose preview shows this plan, and merge it."
                            .into(),
                    );
                    out.overrides.push(format!(
                        "If the new plan is what should happen, run the workflow by hand on the default branch ({} with {}), which is not compared with a preview.",
                        code("workflow_dispatch"),
                        code("command: apply")
                    ));
                }
            }
            Reason::StaleCommit(s) => {
                let dispatch = code("workflow_dispatch");
                match (s.dispatch, s.diverged) {
                    (true, _) => out.fixes.push(format!(
                        "This run's commit is no longer the default branch's head, and {dispatch} applies only the head: dispatch the workflow again."
                    )),
                    (false, true) => out.overrides.push(format!(
                        "If the default branch was force-pushed, apply it as it is now: run the workflow by hand on the default branch ({dispatch} with {}), a person's decision. Re-running this run does not help.",
                        code("command: apply")
                    )),
                    (false, false) => out.fixes.push(
                        "A newer commit was applied after this run started, and re-running this run cannot apply its older commit. To go back to this state, revert on the default branch."
                            .into(),
                    ),
                }
            }
            Reason::EventRule(r) => out.fixes.push(match r {
                EventRule::PullRequest { .. } => format!(
                    "Apply runs on a push to the default branch after merge, or from {} on it: remove {} from the pull request job.",
                    code("workflow_dispatch"),
                    code("command: apply")
                ),
                EventRule::Event { .. } => format!(
                    "Run apply from a push to the default branch, or from {} on it.",
                    code("workflow_dispatch")
                ),
                EventRule::Branch { default, .. } => format!(
                    "Merge the change into {}, or dispatch the workflow on {}.",
                    code(default),
                    code(default)
                ),
            }),
        }
    }
    out.fixes.dedup();
    out.overrides.dedup();
    out
}

/// From this many zones, the comment shows the table of many zones (`render::zones`) instead of a
/// line per zone, and collapses every zone's detail.
pub(crate) const MANY: usize = 10;

/// The notes under the one-line outcome when nothing refuses: zones whose changes go in
/// several batches, each zone of a few (the table of many says it per zone), and origins not
/// checked.
pub(crate) fn notes(v: &Verdict, kind: Kind, code: Code<'_>) -> Vec<String> {
    let mut lines = Vec::new();
    if v.refused() {
        return lines;
    }
    let few = (2..MANY).contains(&v.zones.len());
    for z in &v.zones {
        if z.batches > 1 {
            lines.push(format!(
                "{}: {} changes go in {} batch requests (the zone takes at most {} per batch). Each batch is atomic, the whole is not: a failure part-way leaves the earlier batches applied; running the apply again finishes the rest.",
                code(&z.zone),
                z.counts.total(),
                z.batches,
                z.batch_limit
            ));
        } else if few {
            lines.push(if z.has_changes() {
                format!(
                    "{}: {} change{} in one atomic batch.",
                    code(&z.zone),
                    z.counts.total(),
                    plural(z.counts.total())
                )
            } else {
                format!("{}: no changes.", code(&z.zone))
            });
        }
    }
    if v.origins == Origins::NotChecked && v.has_changes() && kind != Kind::Plan {
        lines.push(match kind {
            Kind::Refused => format!(
                "Origins not checked: this apply ran with {}.",
                code("skip-health: true")
            ),
            _ => format!(
                "Origins not checked (probes off): the apply job checks them before applying, unless it sets {}, and refuses an origin that fails.",
                code("skip-health: true")
            ),
        });
    }
    lines
}

/// What the apply does in one zone, a cell of the table of many zones. When anything refuses
/// the run, nothing is applied anywhere, and the other zones say so.
pub(crate) fn zone_cell(v: &Verdict, z: &ZoneVerdict, code: Code<'_>) -> String {
    if !z.reasons.is_empty() {
        let why: Vec<String> = z
            .reasons
            .iter()
            .map(|r| match r {
                Reason::Conflicts(c) => format!("{} conflict{}", c.len(), plural(c.len())),
                Reason::LongComments(l) => {
                    format!("{} comment{} too long", l.len(), plural(l.len()))
                }
                Reason::MassDelete(m) => format!(
                    "{} deletes over the limit of {} ({})",
                    m.deletes,
                    m.limit,
                    code("allow-deletes: false")
                ),
                Reason::FailedOrigins(o) => {
                    format!("{} origin{} failed", o.len(), plural(o.len()))
                }
                // Reasons of the whole run, never of one zone.
                Reason::NotReviewed { .. } | Reason::StaleCommit(_) | Reason::EventRule(_) => {
                    "refused for the run".into()
                }
            })
            .collect();
        format!("**refused**: {}", why.join(", "))
    } else if v.refused() {
        if z.has_changes() {
            "nothing: the apply is refused".into()
        } else {
            "no changes".into()
        }
    } else if !z.has_changes() {
        "no changes".into()
    } else if z.batches <= 1 {
        "one atomic batch".into()
    } else {
        format!("{} batches, not atomic", z.batches)
    }
}

/// One error a terminal or a runner shows for a reason to refuse: where, what, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Blocker {
    /// The manifest the reason belongs to (none for a reason of the whole run).
    pub file: Option<PathBuf>,
    /// Its line, when the reason is at one.
    pub line: Option<usize>,
    /// A short title (`conflict`, `too many deletes`).
    pub title: String,
    pub message: String,
    pub help: String,
}

/// Every reason of `v` as errors, one per conflict or comment (at its line), one per other
/// reason; `front` decides how the help names the override.
pub(crate) fn blockers(v: &Verdict, front: Front) -> Vec<Blocker> {
    let mut out = Vec::new();
    for (z, r) in v.reasons() {
        let file = z.map(|z| z.source.clone());
        match r {
            Reason::Conflicts(c) => out.extend(c.iter().map(|c| Blocker {
                file: file.clone(),
                line: Some(c.line),
                title: "conflict".into(),
                message: c.message(),
                help: c.help(),
            })),
            Reason::LongComments(l) => out.extend(l.iter().map(|l| Blocker {
                file: file.clone(),
                line: Some(l.line),
                title: "comment too long for the zone".into(),
                message: l.message(),
                help: l.help(),
            })),
            Reason::MassDelete(m) => out.push(Blocker {
                file,
                line: None,
                title: "too many deletes".into(),
                message: format!(
                    "{}: refusing to delete {} of the {} records owned by {} (more than max(2, 25%), the limit is {})",
                    m.zone, m.deletes, m.owned, m.owner, m.limit
                ),
                help: match front {
                    Front::Cli => "restore the endpoints in the manifest (or revert the change); if the deletes are intended, pass --allow-deletes".into(),
                    Front::Action => format!("restore the endpoints in the manifest (or revert the change); if the deletes are intended, add the label `{ALLOW_DELETES_LABEL}` to the pull request (an apply refused for this reads it again when re-run), or set the action input `allow-deletes: true` on the apply job"),
                },
            }),
            Reason::FailedOrigins(o) => {
                let lines: Vec<String> = o
                    .iter()
                    .map(|o| format!("  {}: {} ({})", o.name, o.why, o.url))
                    .collect();
                out.push(Blocker {
                    file,
                    line: None,
                    title: "origin check failed".into(),
                    message: format!(
                        "{} origin{} failed the health probe; not pointing DNS at {}:\n{}",
                        o.len(),
                        plural(o.len()),
                        if o.len() == 1 { "it" } else { "them" },
                        lines.join("\n")
                    ),
                    help: match front {
                        Front::Cli => "bring the origin up (or fix its `health` in the manifest) and run again, or pass --skip-health to apply anyway".into(),
                        Front::Action => "bring the origin up (or fix its `health` path in the manifest) and push again; to apply anyway, set the action input `skip-health: true` on the apply job".into(),
                    },
                });
            }
            Reason::NotReviewed { mismatches, .. } => {
                let plain = |s: &str| format!("`{s}`");
                let why: Vec<String> = mismatches.iter().map(|m| mismatch(m, &plain)).collect();
                out.push(Blocker {
                    file,
                    line: None,
                    title: "not the reviewed plan".into(),
                    message: format!(
                        "apply refused, nothing was written: the plan is not the reviewed one: {}",
                        why.join("; ")
                    ),
                    help: not_reviewed_help(mismatches).into(),
                });
            }
            Reason::StaleCommit(s) => {
                let message = if s.diverged {
                    format!(
                        "stale commit: {} and {}, the last commit applied to `{}` (deployment {}), have diverged: this commit is not a descendant of what was applied; nothing was written",
                        s.sha, s.last, s.environment, s.deployment
                    )
                } else {
                    format!(
                        "stale commit: {} is older than {}, the last commit applied to `{}` (deployment {}); nothing was written",
                        s.sha, s.last, s.environment, s.deployment
                    )
                };
                out.push(Blocker {
                    file,
                    line: None,
                    title: "stale commit".into(),
                    message,
                    help: stale_help(s).into(),
                });
            }
            Reason::EventRule(r) => {
                let (message, help) = event_words(r);
                out.push(Blocker {
                    file,
                    line: None,
                    title: "apply not run for this event".into(),
                    message,
                    help,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::MassDelete;
    use crate::plan::verdict::Counts;

    fn zone(name: &str, create: usize, batches: usize, reasons: Vec<Reason>) -> ZoneVerdict {
        ZoneVerdict {
            zone: name.into(),
            owner: "ml".into(),
            source: "edgeplan.yaml".into(),
            counts: Counts {
                create,
                ..Counts::default()
            },
            unchanged: 0,
            left_alone: 0,
            batches,
            batch_limit: 200,
            reasons,
        }
    }

    fn mass_delete() -> Reason {
        Reason::MassDelete(MassDelete {
            deletes: 4,
            owned: 4,
            limit: 2,
            owner: "ml".into(),
            zone: "d.example".into(),
            manifest: "edgeplan.yaml".into(),
        })
    }

    #[test]
    fn each_zone_cell_says_what_the_apply_does_there() {
        let code = |s: &str| format!("`{s}`");
        let fine = Verdict {
            zones: vec![
                zone("a.example", 3, 1, vec![]),
                zone("b.example", 0, 0, vec![]),
                zone("c.example", 450, 3, vec![]),
            ],
            run_reasons: vec![],
            origins: Origins::Checked,
        };
        let cells: Vec<String> = (fine.zones.iter())
            .map(|z| zone_cell(&fine, z, &code))
            .collect();
        assert_eq!(
            cells,
            ["one atomic batch", "no changes", "3 batches, not atomic"]
        );
        // One zone refused: nothing is applied anywhere, and no row says otherwise.
        let mut refused = fine.clone();
        refused
            .zones
            .push(zone("d.example", 4, 1, vec![mass_delete()]));
        let cells: Vec<String> = (refused.zones.iter())
            .map(|z| zone_cell(&refused, z, &code))
            .collect();
        assert_eq!(
            cells,
            [
                "nothing: the apply is refused",
                "no changes",
                "nothing: the apply is refused",
                "**refused**: 4 deletes over the limit of 2 (`allow-deletes: false`)",
            ]
        );
        assert!(!cells.iter().any(|c| c.contains("atomic")), "{cells:?}");
        assert_eq!(
            headline(&refused, Kind::Preview, &code),
            "Merge will be refused: 4 of 4 owned records in `d.example` would be deleted (the limit is 2)"
        );
        let words = alert(&refused, Kind::Preview, &code);
        assert!(
            words.fixes[0].contains("restore the endpoints"),
            "{:?}",
            words.fixes
        );
        assert!(
            words.overrides[0].contains("`allow-deletes: true`"),
            "{:?}",
            words.overrides
        );
        let cli = alert(&refused, Kind::Plan, &code);
        assert!(
            cli.overrides[0].contains("`--allow-deletes`"),
            "{:?}",
            cli.overrides
        );
    }

    #[test]
    fn a_failed_origin_is_one_blocker_naming_every_origin_and_the_way_out() {
        use crate::plan::verdict::FailedOrigin;
        let failed = Reason::FailedOrigins(vec![FailedOrigin {
            name: "embed.example.com".into(),
            url: "https://sentiment-abc-uc.a.run.app/healthz".into(),
            why: "HTTP 503".into(),
        }]);
        let v = Verdict {
            zones: vec![zone("example.com", 1, 1, vec![failed])],
            run_reasons: vec![],
            origins: Origins::Checked,
        };
        let [cli] = blockers(&v, Front::Cli).try_into().expect("one blocker");
        assert_eq!(
            cli.message,
            "1 origin failed the health probe; not pointing DNS at it:\n  embed.example.com: HTTP 503 (https://sentiment-abc-uc.a.run.app/healthz)"
        );
        assert!(cli.help.contains("--skip-health"), "{}", cli.help);
        let [action] = blockers(&v, Front::Action).try_into().expect("one blocker");
        assert!(
            action.help.contains("`skip-health: true`"),
            "{}",
            action.help
        );
        assert_eq!(action.file, Some(PathBuf::from("edgeplan.yaml")));
    }

    /// The Action's own reasons are worded once here: the one-line outcome names both commits
    /// of a stale one, the error and help the log prints are the stale check's, and a refused
    /// event has no plan but still a fix.
    #[test]
    fn the_actions_own_reasons_are_worded_for_every_presenter() {
        use crate::plan::verdict::{EventRule, Mismatch, StaleCommit};
        let code = |s: &str| format!("`{s}`");
        let mut v = Verdict {
            zones: vec![zone("example.com", 1, 1, vec![])],
            run_reasons: vec![],
            origins: Origins::Checked,
        };
        v.refuse(Reason::StaleCommit(StaleCommit {
            sha: "c111".into(),
            last: "c222".into(),
            environment: "edgeplan/edgeplan.yaml".into(),
            deployment: 7002,
            diverged: false,
            dispatch: false,
        }));
        assert_eq!(
            headline(&v, Kind::Refused, &code),
            "Apply refused, nothing was applied: stale commit: `c111` is older than `c222`, the last commit applied to `edgeplan/edgeplan.yaml`"
        );
        assert_eq!(
            zone_cell(&v, &v.zones[0], &code),
            "nothing: the apply is refused"
        );
        let [b] = blockers(&v, Front::Action).try_into().expect("one blocker");
        assert_eq!(
            b.message,
            "stale commit: c111 is older than c222, the last commit applied to `edgeplan/edgeplan.yaml` (deployment 7002); nothing was written"
        );
        assert!(
            b.help.starts_with("a newer commit was applied"),
            "{}",
            b.help
        );
        assert_eq!(b.file, None);

        let gate = Verdict::refusing(Reason::NotReviewed {
            pull: Some(2),
            mismatches: vec![Mismatch::OtherIdentity {
                logins: vec!["github-actions[bot]".into()],
            }],
        });
        let words = alert(&gate, Kind::Refused, &code);
        assert_eq!(
            words.names,
            [
                "the only previews on the pull request are by `github-actions[bot]`, not by the identity this apply runs as"
            ]
        );
        assert!(
            words.fixes[0].contains("`comment-author`"),
            "{:?}",
            words.fixes
        );
        assert!(words.overrides.is_empty(), "{:?}", words.overrides);
        let [b] = blockers(&gate, Front::Action)
            .try_into()
            .expect("one blocker");
        assert_eq!(b.help, IDENTITY);

        let event = Verdict::refusing(Reason::EventRule(EventRule::Branch {
            branch: "dev".into(),
            default: "main".into(),
        }));
        assert_eq!(
            headline(&event, Kind::Refused, &code),
            "Apply refused, nothing was applied: apply runs only on the default branch `main`, not on `dev`"
        );
        assert_eq!(
            alert(&event, Kind::Refused, &code).fixes,
            ["Merge the change into `main`, or dispatch the workflow on `main`."]
        );
    }
}

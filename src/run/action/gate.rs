//! The reviewed plan, or nothing (DESIGN section 6): a push apply to the default branch writes
//! only the plan its pull request's preview showed.
//!
//! Before anything is written, the gate
//!
//! 1. finds the pull request the pushed commit merged: the one whose `merge_commit_sha` is the
//!    commit (a merge, a squash and a rebase merge alike), asking
//!    `GET /repos/{o}/{r}/commits/{sha}/pulls`
//!    (<https://docs.github.com/en/rest/commits/commits#list-pull-requests-associated-with-a-commit>)
//!    up to [`LOOKUPS`] times, [`crate::retry::Poll`]'s delay apart (2 s: 30 s in all), since
//!    GitHub lists it a few seconds after the push; none is a direct push;
//! 2. reads every comment of that pull request and collects the `reviewed=` digests of every
//!    preview by edgeplan's own identity, whatever its `manifest=` key (the matrix jobs of one
//!    pull request each write one), and the `remaining=` digests of its own apply report for
//!    this commit (a re-run after a partial failure);
//! 3. compares pair by pair ([`decide`], pure): a pair without changes passes; a pair equal to
//!    what was reviewed, or to what a failed run of the same commit left, passes; anything else
//!    refuses the whole apply, with its reasons as data ([`Mismatch`]).
//!
//! Any API failure while looking is exit 3 with nothing written: an error never reads as "no
//! preview". A run whose plan is empty everywhere looks nothing up. `reviewed-plan: off` and
//! `workflow_dispatch` applies (a person's explicit decision) are not gated.

use std::collections::{BTreeMap, BTreeSet};

use crate::exit::Exit;
use crate::github::client::{GitHubClient, IssueComment, PullSummary};
use crate::github::comment::{ACTIONS_BOT, Author};
use crate::github::event::{Context, EventName, Repo};
use crate::github::inputs::ReviewedPlan;
use crate::github::marker::{self, ApplyMarker, PlanState, Preview};
use crate::plan::{self, Pair, REVIEW_VERSION};
use crate::render::inert;

use super::super::Failure;
use super::super::pipeline::Outcome;
use crate::run::github_failure;

/// How many times the merged pull request is looked up: 15 waits of the lookup delay, 30 s at
/// the default 2 s (`EDGEPLAN_GITHUB_RETRY_MS` sets the delay; the tests set it low).
pub(super) const LOOKUPS: u32 = 16;

/// The apply report's lead when the gate compared and passed.
pub(super) const MATCHED: &str = "The plan matches the preview this pull request showed: each zone's `reviewed=` digest is the one reviewed.";

/// Whether this run's apply is gated: a push apply (always to the default branch: the dispatch
/// table refuses any other) under `reviewed-plan: match|require`.
pub(super) fn gated(ctx: &Context) -> bool {
    ctx.event.name == EventName::Push && ctx.inputs.reviewed_plan != ReviewedPlan::Off
}

/// The usage error of a gated apply without a GitHub token: the previews cannot be read.
pub(super) fn no_token() -> Failure {
    Failure::new(
        Exit::Usage,
        "a push apply compares the plan with the merged pull request's preview before writing (`reviewed-plan: match`, the default), which needs a GitHub token, and the `github-token` input is empty",
    )
    .help("give the apply job a token that can read pull requests and their comments (the default `github-token: ${{ github.token }}` with `pull-requests: read`), or set the action input `reviewed-plan: off` to apply without comparing")
}

/// The preview marker of a body the action writes: its manifest key, the commit read, what it
/// shows, and for a plan its fingerprint and one `reviewed=` digest per (zone, owner).
pub(super) fn preview_marker(
    ctx: &Context,
    outcome: Option<&Outcome>,
    state: PlanState,
) -> Preview {
    let mut m = Preview::new(ctx.inputs.comment_key().as_deref(), state);
    m.commit = ctx.sha.clone();
    if let Some(o) = outcome {
        m.fingerprint = Some(o.fingerprint());
        m.version = Some(REVIEW_VERSION);
        m.reviewed = (o.plan.zones.iter())
            .map(|z| marker::marked(&plan::review::pair(z)))
            .collect();
    }
    m
}

/// The pairs of `outcome` that still have changes and were not applied: after a failed apply
/// (from a fresh read of the zones, or else the plan that was sent), what a re-run of the commit
/// may apply. As the marker writes them (zone and owner escaped).
pub(super) fn remaining_pairs(outcome: &Outcome) -> Vec<Pair> {
    outcome
        .zones()
        .filter(|z| z.applied.is_none() && !z.plan.changes.is_empty())
        .map(|z| marker::marked(&plan::review::pair(z.plan)))
        .collect()
}

/// The pairs of `fresh` (the failed zones read again after a partial failure) that a re-run of
/// this commit may pass: only those whose every change was in this run's gated plan of the same
/// (zone, owner). A change nobody checked (the zone changed while applying) leaves its pair out,
/// so the re-run is refused and a person decides (`workflow_dispatch`), instead of `remaining=`
/// turning it into a reviewed change. The pairs left out come back for the log.
pub(super) fn remaining_within(gated: &Outcome, fresh: &Outcome) -> (Vec<Pair>, Vec<String>) {
    let mut kept = Vec::new();
    let mut unchecked = Vec::new();
    for z in fresh.zones().filter(|z| !z.plan.changes.is_empty()) {
        let checked = gated.zones().find(|g| {
            g.applied.is_none()
                && g.plan.zone.name == z.plan.zone.name
                && g.plan.owner == z.plan.owner
        });
        let within =
            checked.is_some_and(|g| (z.plan.changes.iter()).all(|c| g.plan.changes.contains(c)));
        if within {
            kept.push(marker::marked(&plan::review::pair(z.plan)));
        } else {
            unchecked.push(format!("{}/{}", z.plan.zone.name, z.plan.owner));
        }
    }
    (kept, unchecked)
}

/// The (zone, owner) pairs of `fresh` (read again just before writing) whose digest is not the
/// one of `gated`'s plan for them: the zone changed while the apply was checked.
pub(super) fn changed_since(gated: &Outcome, fresh: &Outcome) -> Vec<String> {
    let checked: Vec<Pair> = (gated.plan.zones.iter())
        .filter(|z| !z.changes.is_empty())
        .map(plan::review::pair)
        .collect();
    (fresh.plan.zones.iter())
        .map(plan::review::pair)
        .filter(|p| !checked.contains(p))
        .map(|p| format!("{}/{}", p.zone, p.owner))
        .collect()
}

/// `remaining=<zone>/<owner>:sha256:<hex>` for each pair (as the marker writes them).
pub(super) fn attributes(pairs: &[Pair]) -> Vec<String> {
    pairs
        .iter()
        .map(|p| format!("remaining={}/{}:{}", p.zone, p.owner, p.digest))
        .collect()
}

/// The pull requests the pushed commit merged into the default branch.
#[derive(Debug, Clone, Default)]
pub(super) struct Merge {
    /// Merged into the default branch, the one the commit merged first: each gets the report.
    pub pulls: Vec<PullSummary>,
    /// The pull request whose merge commit is the push; `None`: a direct push.
    pub merged: Option<u64>,
}

/// Why the gate refuses: data of the run's verdict (`Reason::NotReviewed`), worded by
/// `render::verdict`.
pub(super) use crate::plan::verdict::Mismatch;

/// A refusal and what the report needs to point the way forward.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Refused {
    pub reasons: Vec<Mismatch>,
    /// The merged pull request, when there is one.
    pub pull: Option<u64>,
    /// The newest own preview: its link and the commit it read.
    pub preview_url: Option<String>,
    pub preview_commit: Option<String>,
}

/// What the gate decided.
#[derive(Debug)]
pub(super) enum Checked {
    /// Not compared: the gate is off, the event is not a push, or nothing is to be written.
    NotGated,
    /// Compared and equal (`compared`), or nothing to compare with under `match`: `note` says
    /// which.
    Passed {
        merge: Merge,
        note: String,
        compared: bool,
    },
    /// Nothing may be written.
    Refused { merge: Merge, refused: Refused },
}

/// `GITHUB_REPOSITORY` and `GITHUB_SHA`, which finding the merged pull request needs.
fn repo_and_sha(ctx: &Context) -> Result<(&Repo, &str), Failure> {
    match (ctx.repository.as_ref(), ctx.sha.as_deref()) {
        (Some(repo), Some(sha)) => Ok((repo, sha)),
        _ => Err(Failure::new(
            Exit::Usage,
            "GITHUB_REPOSITORY and GITHUB_SHA are needed to find the pull request this push merged",
        )
        .help(
            "the Actions runner sets both; outside Actions set them, or set `reviewed-plan: off`",
        )),
    }
}

/// The pull request this push merged (step 1 of the module), for a reader before the gate (the
/// label `edgeplan/allow-deletes`); [`check`] then takes it instead of looking again.
pub(super) async fn merge_of(ctx: &Context, client: &GitHubClient) -> Result<Merge, Failure> {
    let (repo, sha) = repo_and_sha(ctx)?;
    let default = ctx.event.default_branch.as_deref().unwrap_or_default();
    find_merge(client, repo, sha, default).await
}

/// Compares the plan about to be applied with the reviewed one (the module's steps). `known`:
/// the merged pull request when [`merge_of`] already found it.
pub(super) async fn check(
    ctx: &Context,
    client: Option<&GitHubClient>,
    author: &Author,
    outcome: &Outcome,
    known: Option<Merge>,
) -> Result<Checked, Failure> {
    if !gated(ctx) || !outcome.has_changes() {
        return Ok(Checked::NotGated);
    }
    let Some(client) = client else {
        return Err(no_token());
    };
    let (repo, sha) = repo_and_sha(ctx)?;
    let merge = match known {
        Some(merge) => merge,
        None => merge_of(ctx, client).await?,
    };
    let mode = ctx.inputs.reviewed_plan;
    let Some(pr) = merge.merged else {
        let checked = if mode == ReviewedPlan::Require {
            let refused = Refused {
                reasons: vec![Mismatch::NoPreview { direct: true }],
                pull: None,
                preview_url: None,
                preview_commit: None,
            };
            Checked::Refused { merge, refused }
        } else {
            let note = format!(
                "{} merged no pull request (a direct push): there is no reviewed plan to compare with, so it applies as planned (`reviewed-plan: require` refuses this)",
                inert(short(sha))
            );
            Checked::Passed {
                merge,
                note,
                compared: false,
            }
        };
        return Ok(checked);
    };
    let comments = client
        .list_issue_comments(repo, pr)
        .await
        .map_err(github_failure)?;
    let mut found =
        GateComments::read(&comments, author, ctx.inputs.comment_author.as_deref(), sha);
    let pairs: Vec<Pair> = (outcome.plan.zones.iter())
        .filter(|z| !z.changes.is_empty())
        .map(|z| marker::marked(&plan::review::pair(z)))
        .collect();
    let compared = !found.own.is_empty();
    let mut decided = decide(&found, &pairs, mode);
    if decided.is_err() {
        // Under `comment: false` a partial failure left its `remaining=` only in the
        // deployment's payload: read it before refusing (a passing apply never asks).
        let environment = crate::github::deployments::environment(&ctx.inputs.manifests);
        let left = crate::github::deployments::remaining(client, repo, &environment, author, sha)
            .await
            .map_err(github_failure)?;
        if add_remaining(&mut found, left.unwrap_or_default()) {
            decided = decide(&found, &pairs, mode);
        }
    }
    Ok(match decided {
        Ok(note) => Checked::Passed {
            merge,
            note: format!("#{pr}: {note}"),
            compared,
        },
        Err(reasons) => Checked::Refused {
            refused: Refused {
                reasons,
                pull: Some(pr),
                preview_url: found.newest_url.clone(),
                preview_commit: found.newest_commit.clone(),
            },
            merge,
        },
    })
}

/// Polls `commits/{sha}/pulls` until it lists the pull request whose merge commit is `sha`, at
/// most [`LOOKUPS`] times; says on stderr that it waits, and for what.
async fn find_merge(
    client: &GitHubClient,
    repo: &Repo,
    sha: &str,
    default: &str,
) -> Result<Merge, Failure> {
    let delay = client.pulls_poll().delay;
    let mut merged = Vec::new();
    for attempt in 1..=LOOKUPS {
        let all = client
            .commit_pulls(repo, sha)
            .await
            .map_err(github_failure)?;
        merged = all
            .into_iter()
            .filter(|p| p.merged_at.is_some())
            .filter(|p| p.base.as_ref().is_some_and(|b| b.git_ref == default))
            .collect();
        if merged
            .iter()
            .any(|p| p.merge_commit_sha.as_deref() == Some(sha))
            || attempt == LOOKUPS
        {
            break;
        }
        if attempt == 1 {
            errln!(
                "edgeplan: GitHub lists no pull request merged as {} yet; asking again every {:.2} s for at most {:.1} s (a direct push waits this long)",
                inert(short(sha)),
                delay.as_secs_f64(),
                (delay * (LOOKUPS - 1)).as_secs_f64()
            );
        }
        tokio::time::sleep(delay).await;
    }
    merged.sort_by_key(|p| {
        (
            p.merge_commit_sha.as_deref() != Some(sha),
            std::cmp::Reverse(p.number),
        )
    });
    let number = (merged.first())
        .filter(|p| p.merge_commit_sha.as_deref() == Some(sha))
        .map(|p| p.number);
    Ok(Merge {
        pulls: merged,
        merged: number,
    })
}

/// What the merged pull request's comments hold for the gate.
#[derive(Debug, Default)]
pub(super) struct GateComments {
    /// Own previews that show a plan or problems (not validate-only), newest first.
    pub own: Vec<Preview>,
    /// Own preview markers that cannot be read: why.
    pub unreadable: Vec<String>,
    /// Logins of other identities edgeplan may write as whose previews carry a plan.
    pub others: Vec<String>,
    /// `remaining=` of own apply reports of this commit, digest version [`REVIEW_VERSION`]:
    /// pair key to digests.
    pub remaining: BTreeMap<String, BTreeSet<String>>,
    pub newest_url: Option<String>,
    pub newest_commit: Option<String>,
}

impl GateComments {
    /// Sorts the comments: own previews, others' previews edgeplan may recognise (the workflow
    /// token's `github-actions[bot]`, the `comment-author` login, any other app), own apply
    /// reports of `sha`. A person's comment that quotes a marker is not edgeplan's and is
    /// skipped.
    pub(super) fn read(
        comments: &[IssueComment],
        author: &Author,
        comment_author: Option<&str>,
        sha: &str,
    ) -> GateComments {
        let mut found = GateComments::default();
        let mut sorted: Vec<&IssueComment> = comments.iter().collect();
        sorted.sort_by_key(|c| std::cmp::Reverse(c.id));
        for c in sorted {
            let Some(body) = c.body.as_deref() else {
                continue;
            };
            let own = author.matches(c);
            if let Some(parsed) = Preview::parse(body) {
                if own {
                    match parsed {
                        Ok(p) if p.plan == Some(PlanState::None) => {}
                        Ok(p) => {
                            if found.newest_url.is_none() {
                                found.newest_url = Some(c.html_url.clone());
                                found.newest_commit = p.commit.clone();
                            }
                            found.own.push(p);
                        }
                        Err(e) => found.unreadable.push(e.0),
                    }
                } else if recognised(c, comment_author)
                    && !matches!(
                        parsed,
                        Ok(Preview {
                            plan: Some(PlanState::None),
                            ..
                        })
                    )
                    && let Some(u) = &c.user
                {
                    found.others.push(u.login.clone());
                }
            } else if own
                && let Some(Ok(a)) = ApplyMarker::parse(body)
                && a.sha == sha
                && a.version == Some(REVIEW_VERSION)
            {
                for p in a.remaining {
                    found.remaining.entry(key(&p)).or_default().insert(p.digest);
                }
            }
        }
        found.others.sort();
        found.others.dedup();
        found
    }
}

/// Whether `c` is by an identity edgeplan may be writing as, other than its own.
fn recognised(c: &IssueComment, comment_author: Option<&str>) -> bool {
    c.user.as_ref().is_some_and(|u| {
        u.login.eq_ignore_ascii_case(ACTIONS_BOT)
            || comment_author.is_some_and(|a| u.login.eq_ignore_ascii_case(a.trim()))
            || u.kind.as_deref() == Some("Bot")
    })
}

/// Adds `remaining=<zone>/<owner>:sha256:<hex>` attributes (a deployment's payload) to what
/// the apply reports held; true when one was added.
fn add_remaining(found: &mut GateComments, attributes: Vec<String>) -> bool {
    let mut added = false;
    for a in attributes {
        let Some((pair, hex)) =
            (a.strip_prefix("remaining=")).and_then(|r| r.rsplit_once(":sha256:"))
        else {
            continue;
        };
        added |=
            (found.remaining.entry(pair.to_string()).or_default()).insert(format!("sha256:{hex}"));
    }
    added
}

fn key(p: &Pair) -> String {
    format!("{}/{}", p.zone, p.owner)
}

/// The gate's decision from what was found: `Ok` with a note when the apply may write, else
/// every reason it may not. `pairs` are the pairs with changes, as the marker writes them.
pub(super) fn decide(
    found: &GateComments,
    pairs: &[Pair],
    mode: ReviewedPlan,
) -> Result<String, Vec<Mismatch>> {
    if found.own.is_empty() && found.unreadable.is_empty() {
        if !found.others.is_empty() {
            return Err(vec![Mismatch::OtherIdentity {
                logins: found.others.clone(),
            }]);
        }
        if mode == ReviewedPlan::Require {
            return Err(vec![Mismatch::NoPreview { direct: false }]);
        }
        return Ok("the pull request has no edgeplan preview to compare with, so the plan applies as planned (`reviewed-plan: require` refuses this)".into());
    }
    let mut reasons: Vec<Mismatch> = (found.unreadable.iter())
        .map(|why| Mismatch::Unreadable { why: why.clone() })
        .collect();
    if found.own.iter().any(|p| p.plan == Some(PlanState::Invalid)) {
        reasons.push(Mismatch::PreviewInvalid);
    }
    let mut versions: Vec<String> = (found.own.iter())
        .filter(|p| p.plan != Some(PlanState::Invalid) && p.version != Some(REVIEW_VERSION))
        .map(|p| p.version.map_or("none".into(), |v| v.to_string()))
        .collect();
    versions.dedup();
    if !versions.is_empty() {
        reasons.push(Mismatch::Versions {
            found: versions.join(", "),
        });
    }
    let mut reviewed: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
    for p in found
        .own
        .iter()
        .filter(|p| p.version == Some(REVIEW_VERSION))
    {
        for r in &p.reviewed {
            reviewed.entry(key(r)).or_default().insert(&r.digest);
        }
    }
    for pair in pairs {
        let k = key(pair);
        if found
            .remaining
            .get(&k)
            .is_some_and(|d| d.contains(&pair.digest))
        {
            continue;
        }
        match reviewed
            .get(&k)
            .map(|d| d.iter().collect::<Vec<_>>())
            .as_deref()
        {
            None | Some([]) => reasons.push(Mismatch::Missing { pair: k }),
            Some([one]) if **one == pair.digest => {}
            Some([one]) => reasons.push(Mismatch::Differs {
                pair: k,
                reviewed: (*one).to_string(),
                planned: pair.digest.clone(),
            }),
            Some(_) => reasons.push(Mismatch::Disagree { pair: k }),
        }
    }
    if reasons.is_empty() {
        Ok(
            "the plan of each zone is the one its preview showed (its `reviewed=` digest matches)"
                .into(),
        )
    } else {
        Err(reasons)
    }
}

/// The first 12 characters of a commit id.
pub(super) fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}

#[cfg(test)]
#[path = "gate_tests.rs"]
mod tests;

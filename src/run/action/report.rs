//! Where the action's results go besides the log: the sticky preview comment on a pull request,
//! the apply report on the pull request(s) a pushed commit merged, the step summary and the
//! step outputs (written through `super::outputs`).
//!
//! The merged pull requests come from `GET /repos/{o}/{r}/commits/{sha}/pulls`
//! (<https://docs.github.com/en/rest/commits/commits#list-pull-requests-associated-with-a-commit>);
//! the report compares the applied plan's fingerprint with the one the PR's preview showed, so a
//! reviewer sees whether what landed is what they approved; after the apply gate
//! (`super::gate`) it reuses the pull requests the gate found and leads with its words, and its
//! marker (`github::marker::ApplyMarker`) records what a failed apply left (`remaining=`). The
//! preview's marker is `github::marker::Preview`, in place of the renderer's first line. Outputs
//! and summary formats are in `github::files`.

use crate::github::client::{GitHubClient, IssueComment};
use crate::github::comment::{self, Author};
use crate::github::dispatch::{ALLOW_DELETES_LABEL, Report};
use crate::github::event::{Context, Repo};
use crate::github::marker::{self, Preview};
use crate::github::workflow;
use crate::plan::{Pair, REVIEW_VERSION};
use crate::render::comment as comment_body;
use crate::render::inert;

use super::super::{Failure, github_failure};
use super::outputs::Outputs;

/// The preview comment's body: one, or one for each state of the label `edgeplan/allow-deletes`
/// when the label decides its words (deletes over the safety limit). Then the labels read right
/// before the write choose, so a label added or removed while the run planned is what the
/// comment says; the run's own log, annotations, summary and exit code follow its event
/// (`event_labelled`).
#[derive(Debug, Clone, Copy)]
pub(super) enum CommentBody<'a> {
    One(&'a str),
    ByLabel {
        with: &'a str,
        without: &'a str,
        event_labelled: bool,
    },
}

impl<'a> CommentBody<'a> {
    /// The body for a pull request that carries the label now (`labelled`) or does not; says so
    /// on the log and in the summary when that is not what the event said.
    fn for_label(self, labelled: bool, pr: u64, out: &mut Outputs) -> &'a str {
        match self {
            CommentBody::One(body) => body,
            CommentBody::ByLabel {
                with,
                without,
                event_labelled,
            } => {
                if labelled != event_labelled {
                    let message = format!(
                        "the label {ALLOW_DELETES_LABEL} was {} pull request #{pr} after this run started: the comment says what the label says now, while this run's summary and exit code follow its event",
                        if labelled { "added to" } else { "removed from" }
                    );
                    out.note(workflow::Level::Notice, &message);
                }
                if labelled { with } else { without }
            }
        }
    }
}

/// What the apply step did, for the sentence under the report's one-line outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Applied {
    /// Changes were sent and verified.
    Changed,
    /// The zones already matched: nothing was sent (a re-run, or applied earlier).
    NothingToApply,
    /// Conflicts or the deletion limit stopped the apply before anything was sent.
    Refused,
    /// An API call failed part-way; the report says which chunks landed.
    Failed,
}

impl Applied {
    pub(super) fn log_line(self, fingerprint: &str) -> String {
        match self {
            Applied::Changed => format!("applied plan {fingerprint}"),
            Applied::NothingToApply => {
                format!("nothing to apply; the zones match the manifests (plan {fingerprint})")
            }
            Applied::Refused => format!("apply refused; nothing was sent (plan {fingerprint})"),
            Applied::Failed => format!("apply failed part-way (plan {fingerprint})"),
        }
    }
}

/// Where results go besides the summary: the sticky comment, or the merged PRs' reports.
pub(super) struct Reporter<'a> {
    pub ctx: &'a Context,
    /// Whether this run holds a Cloudflare token (a run without secrets may not write either).
    pub has_cloudflare_token: bool,
    pub github: Option<&'a GitHubClient>,
    pub report: Report,
    /// edgeplan's own login: the only author whose comments are edited or deleted.
    pub author: Author,
}

/// What [`Reporter::prefetch`] read: edgeplan's identity and its comments with the marker.
pub(super) struct Prefetched {
    author: Author,
    listed: Result<super::stale::Listed, crate::github::error::Error>,
}

/// Whether the preview went out (or had nowhere to go), or the pull request moved on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Previewed {
    Done,
    /// Closed, merged, or a newer head since the event: nothing was written (exit 0).
    Superseded,
}

impl<'a> Reporter<'a> {
    /// The pull request whose sticky comment this run writes, with the client and repository
    /// to write it through; `None` when the run writes none.
    fn sticky(&self) -> Option<(u64, &'a GitHubClient, &'a Repo)> {
        match (self.report, self.github, self.ctx.repository.as_ref()) {
            (Report::StickyComment { pr }, Some(client), Some(repo)) => Some((pr, client, repo)),
            _ => None,
        }
    }
}

impl Reporter<'_> {
    /// The sticky preview comment (pull requests), its first line `marker` (what the apply gate
    /// reads: `run::action::gate`), in place of the renderer's.
    pub(super) async fn preview(
        &self,
        body: CommentBody<'_>,
        marker: &Preview,
        out: &mut Outputs,
    ) -> Result<Previewed, Failure> {
        let Some((pr, client, repo)) = self.sticky() else {
            return Ok(Previewed::Done);
        };
        let listed = super::stale::list(client, repo, pr, &marker.line(), &self.author).await;
        let prefetched = Prefetched {
            author: self.author.clone(),
            listed,
        };
        self.preview_listed(body, marker, prefetched, out).await
    }

    /// What a preview reads from GitHub before its body is known, so that the caller can run it
    /// while Cloudflare is read: whose comments are edgeplan's (`GET /user` unless the
    /// `comment-author` input names it), then the listing of the pull request's comments by that
    /// author. `None` when the run writes no preview comment. A failed `GET /user` is the run's
    /// failure (exit 3) as before; a failed listing is kept for [`Reporter::preview_listed`],
    /// which reports it as it reports a failed write.
    pub(super) async fn prefetch(
        &self,
        author_input: Option<&str>,
    ) -> Result<Option<Prefetched>, Failure> {
        let Some((pr, client, repo)) = self.sticky() else {
            return Ok(None);
        };
        let author = Author::resolve(client, author_input)
            .await
            .map_err(github_failure)?;
        // The listing matches the marker's identity (its `manifest` attribute) only, so the
        // marker without the plan's attributes finds the same comments.
        let identity = super::gate::preview_marker(self.ctx, None, marker::PlanState::Ok);
        let listed = super::stale::list(client, repo, pr, &identity.line(), &author).await;
        Ok(Some(Prefetched { author, listed }))
    }

    /// [`Reporter::preview`] from what [`Reporter::prefetch`] read: the pull request is read
    /// again right before the write ([`super::stale::may_write`]), which also says which of the
    /// label's bodies to write, then the comment is written.
    pub(super) async fn preview_listed(
        &self,
        body: CommentBody<'_>,
        marker: &Preview,
        prefetched: Prefetched,
        out: &mut Outputs,
    ) -> Result<Previewed, Failure> {
        let Some((pr, client, repo)) = self.sticky() else {
            return Ok(Previewed::Done);
        };
        let Prefetched { author, listed } = prefetched;
        // One comment per manifest input when asked (a matrix job each), else one per PR.
        let marker = bounded(marker);
        let upserted = match listed {
            Ok(listed) => {
                // The pull request as it is now, read after the listing and right before the
                // write: a run for an older head or a closed PR writes nothing; its labels
                // choose the body when the label decides the words.
                let Some(labelled) =
                    super::stale::may_write(self.ctx, client, repo, pr, out).await?
                else {
                    return Ok(Previewed::Superseded);
                };
                let body = body.for_label(labelled, pr, out);
                let body = format!("{marker}\n{}", without_preview_marker(body));
                super::stale::upsert_listed(client, repo, pr, &body, &author, listed).await
            }
            Err(e) => Err(e),
        };
        let sticky = match upserted {
            Ok(sticky) => sticky,
            // NOTE: no Cloudflare token and a token that may not write: a run without the
            // repository's secrets (a Dependabot PR, or a fork the payload did not reveal). Its
            // author cannot grant permissions, so this is a warning, not a failure.
            Err(e) if e.status() == Some(403) && !self.has_cloudflare_token => {
                let message = format!(
                    "the preview comment could not be written ({e}); this run has no secrets and a read-only token, so the result is in the step summary only"
                );
                out.note(workflow::Level::Warning, &message);
                return Ok(Previewed::Done);
            }
            Err(e) => return Err(github_failure(e)),
        };
        let what = match sticky.outcome {
            comment::Upserted::Created => "created",
            comment::Upserted::Updated => "updated",
            comment::Upserted::Unchanged => "unchanged, not re-sent",
        };
        outln!("edgeplan: preview comment {what}: {}", inert(&sticky.url));
        if author.is_fallback() && !sticky.other_bots.is_empty() {
            let message = format!(
                "a comment with edgeplan's preview marker by {} was left alone: edgeplan edits only its own comments, as `{}` (the workflow token); if edgeplan posts with a GitHub App token, set the `comment-author` input to that app's login (for example `my-app[bot]`)",
                sticky.other_bots.join(", "),
                author.login
            );
            outln!(
                "{}",
                workflow::Annotation::new(workflow::Level::Warning, message.as_str()).command()
            );
        }
        out.set("comment-url", &sticky.url);
        Ok(Previewed::Done)
    }

    /// The apply report on each PR the pushed commit merged, one per commit (re-runs update it).
    /// `comment-url` is the report on the PR that the commit itself merged. After the apply
    /// gate (`run::action::gate`) or the label's look-up: on the pull requests they found, led
    /// by the gate's words, with what remains to apply in the report's marker.
    pub(super) async fn applied_with(
        &self,
        body: &str,
        fingerprint: &str,
        outcome: Applied,
        gated: &Gated<'_>,
        out: &mut Outputs,
    ) -> Result<(), Failure> {
        let (Report::MergedPulls, Some(client), Some(repo), Some(sha)) = (
            self.report,
            self.github,
            self.ctx.repository.as_ref(),
            self.ctx.sha.as_deref(),
        ) else {
            return Ok(());
        };
        let default = self.ctx.event.default_branch.as_deref().unwrap_or_default();
        let pulls = match gated.merge {
            Some(merge) => merge.pulls.clone(),
            None => client
                .pulls_for_commit(repo, sha, default)
                .await
                .map_err(github_failure)?,
        };
        if pulls.is_empty() {
            outln!(
                "edgeplan: {} merged no pull request into `{}` (a direct push); the step summary has the report",
                inert(sha),
                inert(default)
            );
        }
        let key = self.ctx.inputs.comment_key();
        let marker = marker::ApplyMarker {
            sha: sha.to_string(),
            manifest: key.as_deref().map(marker::escape_key),
            version: Some(REVIEW_VERSION),
            remaining: gated.remaining.to_vec(),
        };
        let line = marker.line();
        let same_report = |b: &str| matches!(marker::ApplyMarker::parse(b), Some(Ok(a)) if a.sha == marker.sha && a.manifest == marker.manifest);
        for pr in pulls {
            let preview = own_preview(client, repo, pr.number, key.as_deref(), &self.author)
                .await
                .map_err(github_failure)?;
            let preview_fp = preview
                .as_ref()
                .and_then(|c| c.body.as_deref())
                .and_then(comment::preview_fingerprint);
            let full = match gated.lead {
                Some(Lead::Own) => body.to_string(),
                Some(Lead::Line(l)) => comment_body::lead_with(body, l),
                None => comment_body::lead_with(
                    body,
                    &compared(outcome, fingerprint, preview_fp.as_deref()),
                ),
            };
            let full = format!("{line}\n{}", comment_body::strip_marker(&full));
            let sticky =
                comment::upsert_by(client, repo, pr.number, &same_report, &full, &self.author)
                    .await
                    .map_err(github_failure)?;
            outln!(
                "edgeplan: apply report on #{}: {}",
                pr.number,
                inert(&sticky.url)
            );
            out.set_once("comment-url", &sticky.url);
            if outcome == Applied::Changed
                && let Some(p) = &preview
            {
                self.mark_preview_applied(client, repo, p, sha).await?;
            }
        }
        Ok(())
    }
}

/// What the apply gate hands the report.
#[derive(Debug, Default)]
pub(super) struct Gated<'a> {
    /// The pull requests it found (then they are not looked up again).
    pub merge: Option<&'a super::gate::Merge>,
    /// What the report leads with instead of the fingerprint comparison.
    pub lead: Option<Lead<'a>>,
    /// The pairs that did not all land, as the marker writes them (`remaining=`).
    pub remaining: &'a [Pair],
}

/// The report's lead.
#[derive(Debug, Clone, Copy)]
pub(super) enum Lead<'a> {
    /// The body leads with its own words (the gate's refusal).
    Own,
    /// This line.
    Line(&'a str),
}

impl Reporter<'_> {
    /// Edits edgeplan's own preview on the merged pull request to say it was applied, at which
    /// commit and by which run; not re-sent when it already says so (a re-run).
    async fn mark_preview_applied(
        &self,
        client: &GitHubClient,
        repo: &Repo,
        preview: &IssueComment,
        sha: &str,
    ) -> Result<(), Failure> {
        let Some(old) = preview.body.as_deref() else {
            return Ok(());
        };
        let new = comment_body::mark_applied(old, sha, self.ctx.run_url().as_deref());
        if new != old {
            client
                .update_comment(repo, preview.id, &comment_body::clamp(&new))
                .await
                .map_err(github_failure)?;
            outln!("edgeplan: the preview comment now says it was applied");
        }
        Ok(())
    }
}

/// The sentence under the report's one-line outcome: whether what was applied (or refused) is
/// what the preview showed. The outcome line says what happened and the body ends with the plan's
/// fingerprint, so neither is repeated here; the preview's fingerprint is named only when it
/// differs.
fn compared(outcome: Applied, fingerprint: &str, preview: Option<&str>) -> String {
    match (outcome, preview) {
        (Applied::NothingToApply, _) => {
            "The change was applied earlier (a re-run, or another run) or by hand; this run sent nothing.".to_string()
        }
        (Applied::Refused, Some(p)) if p == fingerprint => {
            "The refused plan is the one this pull request's preview showed.".to_string()
        }
        (Applied::Refused, Some(p)) => format!(
            "The refused plan differs from the last preview on this pull request (`{p}`)."
        ),
        (Applied::Refused, None) => "No edgeplan preview with a plan fingerprint was found on this pull request to compare the refused plan with.".to_string(),
        (Applied::Changed | Applied::Failed, Some(p)) if p == fingerprint => format!(
            "The {} plan matches the preview this pull request showed.",
            attempted(outcome)
        ),
        (Applied::Changed | Applied::Failed, Some(p)) => format!(
            "The {} plan differs from the last preview on this pull request (`{p}`): the zone or the manifest changed after the preview. The live zone was re-read and re-planned before applying.",
            attempted(outcome)
        ),
        (Applied::Changed | Applied::Failed, None) => {
            "No edgeplan preview with a plan fingerprint was found on this pull request to compare with.".to_string()
        }
    }
}

fn attempted(outcome: Applied) -> &'static str {
    if outcome == Applied::Failed {
        "attempted"
    } else {
        "applied"
    }
}

/// The most bytes a preview's marker line may take (about 300 zones' digests): the comment's
/// size guard keeps the first line whole only up to GitHub's limit.
const MARKER_BYTES: usize = 30_000;

/// `marker`'s line; past [`MARKER_BYTES`] without its digests (an apply then finds none for its
/// pairs and refuses: fail closed), said as a warning.
fn bounded(marker: &Preview) -> String {
    let line = marker.line();
    if line.len() <= MARKER_BYTES {
        return line;
    }
    let message = format!(
        "the preview names {} (zone, owner) pairs, too many for its hidden marker: their digests are left out, so a push apply of this pull request is refused (split the manifests over several jobs with `separate-comment: true`, or apply with `workflow_dispatch`)",
        marker.reviewed.len()
    );
    outln!(
        "{}",
        workflow::Annotation::new(workflow::Level::Warning, message.as_str()).command()
    );
    Preview {
        reviewed: Vec::new(),
        ..marker.clone()
    }
    .line()
}

/// `body` without its first line when that is a preview marker (the renderer's).
fn without_preview_marker(body: &str) -> &str {
    match body.split_once('\n') {
        Some((first, rest)) if Preview::parse(first).is_some() => rest,
        None if Preview::parse(body).is_some() => "",
        _ => body,
    }
}

/// edgeplan's own preview comment on `pr` (the author rules of `github::comment`), if any; an
/// API failure is one, never "no preview".
async fn own_preview(
    client: &GitHubClient,
    repo: &Repo,
    pr: u64,
    key: Option<&str>,
    author: &Author,
) -> Result<Option<IssueComment>, crate::github::error::Error> {
    Ok(
        comment::find(client, repo, pr, &comment::marker(key), author)
            .await?
            .into_iter()
            .next(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_comparison_only_claims_a_match_for_what_was_applied_and_says_each_thing_once() {
        let fp = "sha256:aa";
        assert!(compared(Applied::Changed, fp, Some(fp)).contains("matches"));
        assert!(compared(Applied::Changed, fp, Some("sha256:bb")).contains("differs"));
        assert!(compared(Applied::Failed, fp, Some(fp)).contains("attempted plan"));
        for o in [Applied::NothingToApply, Applied::Refused] {
            let v = compared(o, fp, Some(fp));
            assert!(!v.contains("matches"), "{o:?}: {v}");
        }
        assert!(compared(Applied::Changed, fp, None).contains("No edgeplan preview"));
        // The outcome line says whether anything was applied, the body ends with the
        // fingerprint: neither is said again here.
        for o in [
            Applied::Changed,
            Applied::NothingToApply,
            Applied::Refused,
            Applied::Failed,
        ] {
            for preview in [Some(fp), Some("sha256:bb"), None] {
                let v = compared(o, fp, preview);
                assert!(!v.contains(fp), "{o:?}: {v}");
                assert!(
                    !v.to_lowercase().contains("nothing was applied"),
                    "{o:?}: {v}"
                );
            }
        }
    }

    /// A marker too long for the comment keeps its identity and loses its digests (an apply then
    /// refuses), never a marker cut in the middle.
    #[test]
    fn a_marker_of_too_many_pairs_leaves_the_digests_out() {
        let digest = format!("sha256:{}", "a".repeat(64));
        let pair = |i: usize| Pair {
            zone: format!("zone-{i:04}.example"),
            owner: "default".into(),
            digest: digest.clone(),
        };
        let few = Preview {
            reviewed: (0..10).map(pair).collect(),
            ..Preview::new(Some("dns/*.yaml"), crate::github::marker::PlanState::Ok)
        };
        assert_eq!(bounded(&few), few.line());
        let many = Preview {
            reviewed: (0..400).map(pair).collect(),
            ..few.clone()
        };
        let line = bounded(&many);
        assert!(line.len() <= MARKER_BYTES, "{}", line.len());
        let back = Preview::parse(&line).expect("a preview").expect("readable");
        assert!(back.reviewed.is_empty());
        assert_eq!(back.manifest, few.manifest);
    }
}

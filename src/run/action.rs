//! `edgeplan action`: the GitHub Action entry point (the contract in docs/action.md).
//!
//! Masks the tokens before anything else is printed, decides what to do from the event
//! (`github::dispatch`), then validates, plans or applies, and reports: annotations on manifest
//! lines, the sticky PR comment, the step summary and the step outputs (`has-changes`,
//! `plan-json`, `comment-url`). A validation failure is reported exactly like a plan, because it
//! is what the author most needs to see. Any other failure (an API down, a bad token) still ends
//! up in the step summary and as an `::error::` annotation, not only in the log.
//! Workflow commands per
//! <https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands>.

mod bodies;
mod gate;
mod gate_report;
mod label;
mod outputs;
mod report;
mod stale;

use std::io::Write;

use crate::cli::{ActionArgs, ManifestArgs, TargetArgs};
use crate::exit::Exit;
use crate::github::client::GitHubClient;
use crate::github::comment::Author;
use crate::github::dispatch::{self, Decision, Facts, Report, Step};
use crate::github::event::{Context, EventName};
use crate::github::marker::PlanState;
use crate::github::workflow::{self, Annotation, Commands, Level};
use crate::manifest::Problem;
use crate::plan::verdict::{Reason, Verdict};
use crate::plan::{Desired, MassDelete};
use crate::provider::Provider;
use crate::render::{self, inert};

use super::pipeline::{self, ApplyEvent, Origins, Outcome};
use super::plan::inert_failure;
use super::public::{self, PublicCheckSettings};
use super::settings::Settings;
use super::target::{Target, with_provider};
use super::{Failure, github_failure, load_manifests, print_problems};
use crate::render::comment::{append_notice, strip_marker};
use bodies::{Bodies, applied_body};
use outputs::Outputs;
use report::{Applied, CommentBody, Previewed, Reporter};

/// GitHub shows about ten annotations of each level per step.
const ANNOTATIONS_PER_LEVEL: usize = 10;

/// What the step hands the runner besides its log lines, passed together through every stage:
/// workflow commands on stdout (masks, annotations, groups) and the output and summary files.
struct Runner<W: Write> {
    cmds: Commands<W>,
    out: Outputs,
}

pub(super) async fn run(args: &ActionArgs, settings: &Settings) -> Result<Exit, Failure> {
    let mut cmds = Commands::new(crate::output::Stdout);
    // NOTE: masks go out before anything else, even before the context is read (a bad input
    // stops the run there), so that no later line can show a token.
    let _ = cmds.mask(&settings.secrets());
    let (output, summary) = settings.runner_files.clone();
    let out = Outputs::new(output, summary, settings.runner_temp.clone());
    let ctx = match Context::from_env(settings.workspace.clone()) {
        Ok(ctx) => ctx,
        Err(e) => {
            let f = Failure::new(Exit::Usage, e.to_string()).help(e.help());
            report_failure(&mut Runner { cmds, out }, &f);
            return Err(inert_failure(f));
        }
    };
    let mut runner = Runner { cmds, out };
    let result = dispatch_and_run(&ctx, &args.target, settings, &mut runner).await;
    if let Err(f) = &result {
        report_failure(&mut runner, f);
    }
    // `run::main` prints the failure on stderr: inert there like everything else.
    result.map_err(inert_failure)
}

/// A failure as a reviewer sees it without opening the log: one error annotation and a section
/// of the step summary. The log line (`error: ...` on stderr) is printed by `run::main`.
fn report_failure<W: Write>(runner: &mut Runner<W>, f: &Failure) {
    let Runner { cmds, out } = runner;
    let mut message = f.message.clone();
    if let Some(h) = &f.help {
        message.push_str(&format!("\nhelp: {h}"));
    }
    let _ = cmds.annotate(vec![Annotation {
        title: Some("edgeplan".into()),
        ..Annotation::new(Level::Error, message)
    }]);
    let outcome = match f.exit {
        Exit::Rejected => "edgeplan refused",
        Exit::Usage => "edgeplan stopped on bad input",
        _ => "edgeplan failed",
    };
    // The one-line outcome first, as every body opens: the message's first line in bold, any
    // further lines under it. The message and help can quote an API answer or a record:
    // escaped, no mentions, and the backtick spans edgeplan writes around values are code spans
    // (`render::markdown::prose`).
    let (first, rest) = f.message.split_once('\n').unwrap_or((&f.message, ""));
    let mut summary = format!(
        "**{outcome}: {}**\n",
        render::markdown::prose(first.trim_end())
    );
    if !rest.trim().is_empty() {
        summary.push_str(&format!("\n{}\n", render::markdown::prose(rest.trim_end())));
    }
    if let Some(h) = &f.help {
        summary.push_str(&format!("\nhelp: {}\n", render::markdown::prose(h)));
    }
    if !out.failure_in_summary {
        out.summary(&summary);
    }
    out.set_once("has-changes", "false");
}

async fn dispatch_and_run<W: Write>(
    ctx: &Context,
    target: &TargetArgs,
    settings: &Settings,
    runner: &mut Runner<W>,
) -> Result<Exit, Failure> {
    let Runner { cmds, out } = runner;
    let sandbox = target.sandbox_dir();
    let has_cloudflare_token = settings.cloudflare_token.is_some();
    // A sandbox stands in for Cloudflare: with one, a token is not what the preview lacks.
    let facts = Facts::from_context(ctx, has_cloudflare_token || sandbox.is_some());
    let (step, report, notice) = match dispatch::decide(&ctx.event, facts) {
        Decision::Refuse(rule) => {
            // Refused before anything is read: the run's verdict holds only the event's rule.
            let verdict = Verdict::refusing(Reason::EventRule(rule));
            annotate_blockers(cmds, &verdict, ctx.workspace.as_deref());
            out.summary(&bodies::refusal(ctx, &verdict));
            out.set("has-changes", "false");
            return Ok(pipeline::exit(&verdict, false));
        }
        Decision::Skip { notice } => {
            let _ = cmds.notice(&notice);
            // Our words and a GitHub activity name (`[a-z_]+`, else not echoed): plain Markdown.
            out.summary(&format!("### edgeplan: nothing to do\n\n{notice}\n"));
            out.set("has-changes", "false");
            return Ok(Exit::Success);
        }
        Decision::Run {
            step,
            report,
            notice,
        } => (step, report, notice),
    };
    if let Some(n) = &notice {
        let _ = cmds.notice(n);
    }
    // A gated push apply reads the merged pull request's previews even when it writes no
    // comment (`comment: false`), and cannot go without a token; every apply is recorded as a
    // deployment (`stale`) whatever the report.
    let gated = step == Step::Apply && gate::gated(ctx);
    let github = match report {
        Report::SummaryOnly if step != Step::Apply => None,
        _ => GitHubClient::for_action(
            &settings.github_api_url,
            settings.github_token.as_ref(),
            &settings.retry.github,
            Some(&*settings.trust()?),
        )
        .map_err(github_failure)?,
    };
    if gated && github.is_none() {
        return Err(gate::no_token());
    }
    if report != Report::SummaryOnly && github.is_none() {
        let _ = cmds.notice(
            "no GitHub token (the `github-token` input is empty), so the result is in the step summary only",
        );
    }
    // Whose comments are edgeplan's: asked once, before any comment is read. A plan's preview
    // asks while Cloudflare is read ([`Flow::plan`]); the others before the manifests.
    let deferred = step == Step::Plan && matches!(report, Report::StickyComment { .. });
    let author = match &github {
        Some(client) if !deferred => resolve_author(client, ctx).await?,
        _ => Author::default(),
    };
    let (remote_ctx, loaded) = read_manifests(ctx, github.as_ref(), settings).await?;
    let ctx = remote_ctx.as_ref().unwrap_or(ctx);
    let mut reporter = Reporter {
        ctx,
        has_cloudflare_token,
        github: github.as_ref(),
        report,
        author,
    };

    let manifests = match loaded {
        Ok(m) => m,
        Err(problems) => {
            if let (true, Some(client)) = (deferred, &github) {
                reporter.author = resolve_author(client, ctx).await?;
            }
            let reporter = &reporter;
            print_problems(&problems);
            let annotations = workflow::problem_annotations(&problems, ctx.workspace.as_deref());
            let _ = cmds.annotate(workflow::limit(annotations, ANNOTATIONS_PER_LEVEL));
            let bodies = Bodies::problems(ctx, &problems, notice.as_deref());
            out.summary(&bodies.summary);
            out.set("has-changes", "false");
            let marker = gate::preview_marker(ctx, None, PlanState::Invalid);
            if reporter
                .preview(CommentBody::One(&bodies.comment), &marker, out)
                .await?
                == Previewed::Superseded
            {
                return Ok(Exit::Success);
            }
            return Ok(Exit::Rejected);
        }
    };

    match step {
        Step::Validate => {
            let mut body = bodies::validated_body(ctx, &manifests);
            // The source line is Markdown already (its values in code spans).
            if let Some(line) = &ctx.manifest_source {
                body.push_str(&format!("\n{line}\n"));
            }
            append_notice(&mut body, notice.as_deref());
            out.summary(strip_marker(&body));
            out.set("has-changes", "false");
            let marker = gate::preview_marker(ctx, None, PlanState::None);
            let _ = reporter
                .preview(CommentBody::One(&body), &marker, out)
                .await?;
            Ok(Exit::Success)
        }
        Step::Plan | Step::Apply => {
            let origins = origins(ctx, remote_ctx.is_some());
            let in_sandbox = sandbox.is_some();
            let target = Target::from_args(&TargetArgs { sandbox }, settings)?;
            with_provider!(&target, p => {
                let flow = Flow { ctx, settings, sandbox: in_sandbox, provider: p, reporter: &reporter, notice: notice.as_deref(), origins };
                if step == Step::Plan {
                    flow.plan(manifests, runner).await
                } else {
                    flow.apply(manifests, runner).await
                }
            })
        }
    }
}

/// edgeplan's own login (`comment-author`, else `GET /user`); a failure is exit 3.
async fn resolve_author(client: &GitHubClient, ctx: &Context) -> Result<Author, Failure> {
    Author::resolve(client, ctx.inputs.comment_author.as_deref())
        .await
        .map_err(github_failure)
}

/// The manifests: from the workspace, or under `pull_request_target` from the pull request's
/// commit through the API ([`super::remote`]); then also the context the report uses, naming
/// that commit (not `GITHUB_SHA`, the base branch's) and where the manifests came from.
async fn read_manifests(
    ctx: &Context,
    github: Option<&GitHubClient>,
    settings: &Settings,
) -> Result<(Option<Context>, Result<Vec<Desired>, Vec<Problem>>), Failure> {
    if ctx.event.name != EventName::PullRequestTarget {
        let args = ManifestArgs {
            manifests: ctx.inputs.manifests.clone(),
            paths: Vec::new(),
        };
        return Ok((None, load_manifests(&args, settings)?));
    }
    let read = super::remote::read(ctx, github, ctx.inputs.fork_probes).await?;
    let remote = Context {
        sha: Some(read.commit),
        manifest_source: Some(read.line),
        ..ctx.clone()
    };
    Ok((Some(remote), read.manifests))
}

/// Whether the origin probes run: on a manifest read from a pull request's commit
/// (`pull_request_target`) only with `fork-probes: true`, since its author would choose what the
/// runner requests; else unless `skip-health`.
fn origins(ctx: &Context, from_pull_request: bool) -> Origins {
    if (from_pull_request && !ctx.inputs.fork_probes) || ctx.inputs.skip_health {
        Origins::NotChecked
    } else {
        Origins::Checked
    }
}

/// The plan and apply steps, over either provider.
struct Flow<'a, P> {
    ctx: &'a Context,
    settings: &'a Settings,
    /// The target is the sandbox: nothing is published, so there is no public check.
    sandbox: bool,
    provider: &'a P,
    reporter: &'a Reporter<'a>,
    notice: Option<&'a str>,
    /// Whether the origin probes run (the `skip-health` input).
    origins: Origins,
}

impl<P: Provider> Flow<'_, P> {
    /// The run's notice, followed by the words saying the label approved the deletes of
    /// `lifted` (none: the notice alone).
    fn notice_with(&self, lifted: &[MassDelete]) -> Option<String> {
        if lifted.is_empty() {
            return self.notice.map(String::from);
        }
        let line = label::approved(lifted, None);
        Some(match self.notice {
            Some(n) => format!("{n}\n\n{line}"),
            None => line,
        })
    }

    /// Reads the zones, plans, probes origins and logs the plan in a group.
    async fn planned(&self, manifests: Vec<Desired>) -> Result<Outcome, Failure> {
        let options = match self.origins {
            Origins::Checked => Some(self.settings.probe_options()?),
            Origins::NotChecked => None,
        };
        let review = pipeline::Review {
            // The label `edgeplan/allow-deletes` is weighed after the plan: a preview makes its
            // comment for both states of it, an apply reads it on the merged pull request.
            allow_deletes: self.ctx.inputs.allow_deletes,
            probes: options.as_ref(),
        };
        Ok(pipeline::plan(self.provider, manifests, review).await?)
    }

    /// Logs the plan of `outcome` in a group, with the verdict this run goes by.
    fn log_plan<W: Write>(cmds: &mut Commands<W>, outcome: &Outcome) {
        let _ = cmds.group("edgeplan plan");
        let _ = cmds.write_log(&render::text::render(
            &outcome.plan,
            &outcome.probes,
            outcome.verdict(),
            false,
        ));
        let _ = cmds.end_group();
    }

    async fn plan<W: Write>(
        &self,
        manifests: Vec<Desired>,
        runner: &mut Runner<W>,
    ) -> Result<Exit, Failure> {
        let Runner { cmds, out } = runner;
        // Whose comments are edgeplan's and the listing of them run while Cloudflare is read:
        // on the critical path stay the zone, the records, the pull request read again right
        // before the write, and the write. The first failure ends both (exit 3, as before).
        let author_input = self.ctx.inputs.comment_author.as_deref();
        let (outcome, prefetched) = futures_util::future::try_join(
            self.planned(manifests),
            self.reporter.prefetch(author_input),
        )
        .await?;
        // The label `edgeplan/allow-deletes` lifts the safety limit on a pull request. When it
        // decides the words, the comment is made both ways and the labels read right before the
        // write choose (a label added or removed while this run planned); this run's own record
        // (annotations, log, summary, outputs, exit code) follows its event's labels.
        let labelled = label::with_label(self.ctx, &outcome);
        let without = Bodies::plan(self.ctx, &outcome, self.notice);
        let with = (labelled.as_ref()).map(|(lifted, limits)| {
            Bodies::plan(self.ctx, lifted, self.notice_with(limits).as_deref())
        });
        let on_event = label::on_preview(self.ctx);
        let (ours, lifted, bodies) = match (&labelled, &with) {
            (Some((o, limits)), Some(b)) if on_event => (o, limits.as_slice(), b),
            _ => (&outcome, &[][..], &without),
        };
        // One verdict, read by the log, the annotations, the comment, the summary and the exit
        // code.
        Self::log_plan(cmds, ours);
        let verdict = ours.verdict();
        annotate_blockers(cmds, verdict, self.ctx.workspace.as_deref());
        if !lifted.is_empty() {
            let line = label::approved(lifted, None);
            outln!("edgeplan: {}", inert(&line));
            let _ = cmds.notice(&line);
        }
        out.plan_outputs(ours);
        out.summary(&bodies.summary);
        let marker = gate::preview_marker(self.ctx, Some(ours), PlanState::Ok);
        let body = match &with {
            None => CommentBody::One(&without.comment),
            Some(with) => CommentBody::ByLabel {
                with: &with.comment,
                without: &without.comment,
                event_labelled: on_event,
            },
        };
        let previewed = match prefetched {
            Some(p) => {
                (self.reporter)
                    .preview_listed(body, &marker, p, out)
                    .await?
            }
            None => self.reporter.preview(body, &marker, out).await?,
        };
        if previewed == Previewed::Superseded {
            return Ok(Exit::Success);
        }
        Ok(pipeline::exit(verdict, false))
    }

    async fn apply<W: Write>(
        &self,
        manifests: Vec<Desired>,
        runner: &mut Runner<W>,
    ) -> Result<Exit, Failure> {
        let check = PublicCheckSettings::from_inputs(&self.ctx.inputs);
        check.ready(self.settings)?;
        let mut outcome = self.planned(manifests).await?;
        Self::log_plan(&mut runner.cmds, &outcome);
        // `lead`: the label approved the deletes, or it could not be read (then still refused).
        let (known, lead) = self.label_on_merged(&mut outcome).await?;
        if let Some(line) = &lead {
            outln!("edgeplan: {}", inert(line));
            let _ = runner.cmds.notice(line);
        }
        // Our words around a validated zone name and owner, escaped like every value in a body.
        let with_label = |body: String| match &lead {
            Some(line) => crate::render::comment::lead_with(&body, &render::markdown::prose(line)),
            None => body,
        };
        runner.out.plan_outputs(&outcome);
        let fingerprint = outcome.fingerprint();
        annotate_blockers(
            &mut runner.cmds,
            outcome.verdict(),
            self.ctx.workspace.as_deref(),
        );
        if outcome.verdict().refused() {
            let bodies = Bodies::refused(self.ctx, &outcome);
            runner.out.summary(&with_label(bodies.summary));
            let report = report::Gated {
                merge: known.as_ref(),
                lead: None,
                remaining: &[],
            };
            self.reporter
                .applied_with(
                    &with_label(bodies.comment),
                    &fingerprint,
                    Applied::Refused,
                    &report,
                    &mut runner.out,
                )
                .await?;
            return Ok(pipeline::exit(outcome.verdict(), false));
        }
        // The reviewed plan, or nothing: compared before anything is written.
        let gate = gate::check(
            self.ctx,
            self.reporter.github,
            &self.reporter.author,
            &outcome,
            known,
        )
        .await?;
        let (merge, lead) = match gate {
            gate::Checked::Refused { merge, refused } => {
                outcome.refuse(Reason::NotReviewed {
                    pull: refused.pull,
                    mismatches: refused.reasons.clone(),
                });
                runner.out.refresh_plan_json(&outcome);
                return self
                    .refused_by_gate(&outcome, &merge, &refused, &fingerprint, runner)
                    .await;
            }
            gate::Checked::Passed {
                merge,
                note,
                compared,
            } => {
                outln!("edgeplan: reviewed plan: {}", inert(&note));
                if !compared {
                    let _ = runner.cmds.notice(&format!("reviewed plan: {note}"));
                }
                let lead = compared.then(|| gate::MATCHED.to_string());
                (Some(merge), lead)
            }
            gate::Checked::NotGated => (None, None),
        };
        // A plan empty everywhere writes nothing: nothing to record and nothing to look up
        // (a re-run after success exits 0 whatever the branch did since).
        let begun = if outcome.has_changes() {
            stale::begin(self.ctx, self.reporter.github, &self.reporter.author).await?
        } else {
            stale::Begun::Recorded(None)
        };
        let record = match begun {
            stale::Begun::Recorded(record) => record,
            // Nothing written, and no report on the pull request: its apply report stays the
            // one of the run that applied this commit (or of the newer one).
            stale::Begun::Stale(stale) => {
                outcome.refuse(Reason::StaleCommit(stale));
                runner.out.refresh_plan_json(&outcome);
                annotate_blockers(
                    &mut runner.cmds,
                    outcome.verdict(),
                    self.ctx.workspace.as_deref(),
                );
                let bodies = Bodies::refused(self.ctx, &outcome);
                runner.out.summary(&bodies.summary);
                return Ok(pipeline::exit(outcome.verdict(), false));
            }
        };
        // The checks above talk to GitHub (up to 30 s waiting for the merged pull request): a
        // zone changed meanwhile would be overwritten by a batch that carries no precondition.
        // Read again and write only if every pair is still the one checked.
        if let Some(changed) = self.changed_while_checked(&outcome).await {
            let _ = stale::finish(self.ctx, self.reporter.github, record, false, &[]).await;
            return Err(changed);
        }
        let _ = runner.cmds.group("edgeplan apply");
        let applied = pipeline::apply(self.provider, &mut outcome, &mut |event| match event {
            ApplyEvent::Progress(line) => outln!("{}", inert(line)),
            ApplyEvent::Applied(report) => outln!("{}", inert(&report.line(None))),
        })
        .await;
        let _ = runner.cmds.end_group();
        let failure = applied.err().map(|f| {
            f.into_failure(
                "fix the cause and re-run the job: apply re-reads the zone and applies only what is missing",
            )
        });
        let status = match (&failure, outcome.has_changes()) {
            (Some(_), _) => Applied::Failed,
            (None, true) => Applied::Changed,
            (None, false) => Applied::NothingToApply,
        };
        if status != Applied::Failed {
            outln!("edgeplan: {}", inert(&status.log_line(&fingerprint)));
        }
        // What a re-run of this commit may still apply (`remaining=`): read again, else the
        // plan that was sent. Recorded before the public check and the report, so the
        // deployment's status is set whatever they meet.
        let remaining = match &failure {
            Some(_) => self.remaining(&outcome).await,
            None => Vec::new(),
        };
        for attribute in gate::attributes(&remaining) {
            outln!(
                "edgeplan: left for a re-run of this commit: {}",
                inert(&attribute)
            );
        }
        let recorded = stale::finish(
            self.ctx,
            self.reporter.github,
            record,
            failure.is_none(),
            &gate::attributes(&remaining),
        )
        .await;
        // The zones that landed are public now, whatever another zone met; an apply failure
        // stays the one reported.
        let (section, checked) = self.public_check(&outcome, &check, runner).await?;
        let body = with_label(applied_body(
            self.ctx,
            &outcome,
            failure.as_ref(),
            &fingerprint,
            &section,
        ));
        let failure = failure.or(recorded.err()).or(checked);
        runner.out.summary(&body);
        runner.out.failure_in_summary = failure.is_some();
        let report = report::Gated {
            merge: merge.as_ref(),
            lead: lead.as_deref().map(report::Lead::Line),
            remaining: &remaining,
        };
        self.reporter
            .applied_with(&body, &fingerprint, status, &report, &mut runner.out)
            .await?;
        match failure {
            Some(f) => Err(f),
            None => Ok(Exit::Success),
        }
    }

    /// A push apply that the safety limit refuses, without the `allow-deletes` input: the
    /// pull request it merged, found once (the gate then takes it), and when that pull request
    /// carries the label `edgeplan/allow-deletes` now, the limit lifted and the words saying so.
    /// Without a GitHub token (or repository) the label cannot be read: the limit stays, and the
    /// words say that the label was not read, so a preview that showed it approving is explained.
    async fn label_on_merged(
        &self,
        outcome: &mut Outcome,
    ) -> Result<(Option<gate::Merge>, Option<String>), Failure> {
        let asks = self.ctx.event.name == EventName::Push
            && !self.ctx.inputs.allow_deletes
            && label::limit_refuses(outcome.verdict());
        if !asks {
            return Ok((None, None));
        }
        let (client, repo) = match (self.reporter.github, self.ctx.repository.as_ref()) {
            (Some(client), Some(repo)) => (client, repo),
            (None, _) => return Ok((None, Some(label::unread(label::Unread::NoToken)))),
            (Some(_), None) => return Ok((None, Some(label::unread(label::Unread::NoRepository)))),
        };
        let merge = gate::merge_of(self.ctx, client).await?;
        let Some(pr) = merge.merged else {
            return Ok((Some(merge), None));
        };
        if !label::on_pull(client, repo, pr).await? {
            return Ok((Some(merge), None));
        }
        let lifted = outcome.allow_deletes();
        Ok((Some(merge), Some(label::approved(&lifted, Some(pr)))))
    }

    /// A refusal of the gate (already in the outcome's verdict): nothing was written; the
    /// errors and annotations, and the apply report on the merged pull request (never a preview
    /// marker) saying why and the way forward; exit 1.
    async fn refused_by_gate<W: Write>(
        &self,
        outcome: &Outcome,
        merge: &gate::Merge,
        refused: &gate::Refused,
        fingerprint: &str,
        runner: &mut Runner<W>,
    ) -> Result<Exit, Failure> {
        let Runner { cmds, out } = runner;
        annotate_blockers(cmds, outcome.verdict(), self.ctx.workspace.as_deref());
        let since = match (self.reporter.github, self.ctx.repository.as_ref()) {
            (Some(client), Some(repo)) if refused.preview_url.is_some() => {
                gate_report::since(client, repo, self.ctx, outcome, refused).await
            }
            _ => gate_report::Since::Unknown("no preview of edgeplan's own to compare".into()),
        };
        let body = gate_report::body(self.ctx, outcome, refused, &since);
        out.summary(&body);
        let report = report::Gated {
            merge: Some(merge),
            lead: Some(report::Lead::Own),
            remaining: &[],
        };
        self.reporter
            .applied_with(&body, fingerprint, Applied::Refused, &report, out)
            .await?;
        Ok(pipeline::exit(outcome.verdict(), false))
    }

    /// The pairs a failed apply left, from a fresh read of the zones that did not all land;
    /// when that read fails too, the plans that were sent (a re-run that finds less to do is
    /// then refused, and `workflow_dispatch` is the way forward).
    async fn remaining(&self, outcome: &Outcome) -> Vec<crate::plan::Pair> {
        let failed = |z: &pipeline::ZoneOutcome| z.applied.is_none() && !z.plan.changes.is_empty();
        match self.read_again(outcome, failed).await {
            Ok(fresh) => {
                let (kept, unchecked) = gate::remaining_within(outcome, &fresh);
                for pair in unchecked {
                    errln!(
                        "warning: {} now plans changes that were not in the plan checked before writing: a re-run of this commit is refused for it (apply it deliberately: `workflow_dispatch` with `command: apply`)",
                        inert(&pair)
                    );
                }
                kept
            }
            Err(e) => {
                errln!(
                    "warning: the zones could not be read again to record what remains to apply ({}); the report records the plans that were sent",
                    inert(&e.to_string())
                );
                gate::remaining_pairs(outcome)
            }
        }
    }

    /// The zones of `outcome` that `which` picks, read and planned again (probes off, the run's
    /// `allow-deletes`): what the checks around the write compare with.
    async fn read_again(
        &self,
        outcome: &Outcome,
        which: impl Fn(&pipeline::ZoneOutcome) -> bool,
    ) -> Result<Outcome, crate::provider::Error> {
        let picked: Vec<Desired> = (outcome.zones())
            .filter(|z| which(z))
            .map(|z| z.desired.clone())
            .collect();
        let review = pipeline::Review {
            allow_deletes: self.ctx.inputs.allow_deletes,
            probes: None,
        };
        pipeline::plan(self.provider, picked, review).await
    }

    /// `Some` (exit 3, nothing written) when a zone with changes no longer plans exactly what
    /// was checked before writing, read again after the checks, or cannot be read again.
    async fn changed_while_checked(&self, outcome: &Outcome) -> Option<Failure> {
        if !outcome.has_changes() || self.reporter.github.is_none() {
            return None;
        }
        let with_changes = |z: &pipeline::ZoneOutcome| !z.plan.changes.is_empty();
        let fresh = match self.read_again(outcome, with_changes).await {
            Ok(fresh) => fresh,
            Err(e) => {
                return Some(Failure::from(e).help(
                    "nothing was written: the zones could not be read again just before writing; re-run the job",
                ));
            }
        };
        let changed = gate::changed_since(outcome, &fresh);
        if changed.is_empty() {
            return None;
        }
        Some(
            Failure::new(
                Exit::Api,
                format!(
                    "the zone changed while the apply was checked: {} no longer plans what was checked before writing; nothing was written",
                    changed.join(", ")
                ),
            )
            .help("someone else is changing the zone: run `edgeplan plan` to see what differs, then re-run the job (the gate compares the new plan with the reviewed one)"),
        )
    }

    /// The public check after a successful apply: the log, a warning per failed endpoint, the
    /// `public-health` output and a section of the report (`body`). With `public-check: fail`
    /// and a failed endpoint, the failure the step ends with.
    async fn public_check<W: Write>(
        &self,
        outcome: &Outcome,
        check: &PublicCheckSettings,
        runner: &mut Runner<W>,
    ) -> Result<(String, Option<Failure>), Failure> {
        let Runner { cmds, out } = runner;
        let Some(results) = public::run(outcome, check, self.settings, self.sandbox).await? else {
            return Ok((String::new(), None));
        };
        out!("{}", render::public::text(&results, check.stakes()));
        if check.mode == crate::cli::PublicCheck::Warn {
            let warnings = (render::public::failed(&results).into_iter())
                .map(|r| Annotation {
                    title: Some("edgeplan: public check".into()),
                    ..Annotation::new(Level::Warning, public::warning(r))
                })
                .collect();
            let _ = cmds.annotate(workflow::limit(warnings, ANNOTATIONS_PER_LEVEL));
        }
        out.set("public-health", &render::public::json(&results));
        Ok((
            render::public::markdown(&results, check.stakes()),
            public::failure(&results, check),
        ))
    }
}

/// Every reason the verdict refuses the apply: an error annotation each (a conflict or a
/// comment on its manifest line), and the same on stderr, each line inert. The words are
/// `render::verdict::blockers`, with the Action's inputs as the overrides.
fn annotate_blockers<W: Write>(
    cmds: &mut Commands<W>,
    verdict: &Verdict,
    workspace: Option<&std::path::Path>,
) {
    let mut annotations = Vec::new();
    for p in render::verdict::blockers(verdict, render::verdict::Front::Action) {
        let file = (p.file.as_deref()).map(|f| workflow::workspace_relative(f, workspace));
        errln!(
            "error: {}\n  help: {}",
            render::inert_lines(&p.message).trim_end(),
            inert(&p.help)
        );
        annotations.push(Annotation {
            level: Level::Error,
            col: p.line.map(|_| 1),
            line: p.line,
            file,
            title: Some(format!("edgeplan: {}", p.title)),
            message: format!("{}\nhelp: {}", p.message, p.help),
        });
    }
    let _ = cmds.annotate(workflow::limit(annotations, ANNOTATIONS_PER_LEVEL));
}

//! `edgeplan action`: the GitHub Action entry point (DESIGN.md section 5).
//!
//! Masks the tokens before anything else is printed, decides what to do from the event
//! (`github::dispatch`), then validates, plans or applies, and reports: annotations on manifest
//! lines, the sticky PR comment, the step summary and the step outputs (`has-changes`,
//! `plan-json`, `comment-url`). A validation failure is reported exactly like a plan, because it
//! is what the author most needs to see.

use std::io::Write;
use std::path::PathBuf;

use crate::apply::{self, ZoneReport};
use crate::cli::{ManifestArgs, TargetArgs};
use crate::exit::Exit;
use crate::github::client::Client;
use crate::github::comment::{self, Author};
use crate::github::dispatch::{self, Decision, Facts, Report, Step};
use crate::github::event::{Context, Repo};
use crate::github::files;
use crate::github::workflow::{self, Annotation, Commands, Level};
use crate::plan::{Desired, Plan};
use crate::provider::Provider;
use crate::render;

use super::plan::build;
use super::target::{Target, with_provider};
use super::{Failure, load_manifests, print_problems};

/// GitHub shows about ten annotations of each level per step.
const ANNOTATIONS_PER_LEVEL: usize = 10;

pub async fn run() -> Result<Exit, Failure> {
    let ctx = Context::from_env().map_err(|e| {
        let help = e.help().to_string();
        Failure::new(Exit::Usage, e.to_string()).help(help)
    })?;
    let mut cmds = Commands::new(std::io::stdout());
    // NOTE: masks go out before anything else, so no later line can show a token.
    let _ = cmds.mask(&ctx.secrets());

    let (step, report, notice) = match dispatch::decide(&ctx.event, Facts::from_context(&ctx)) {
        Decision::Refuse { reason, help } => {
            let mut out = Outputs::new(&ctx);
            out.summary(&format!(
                "### edgeplan\n\n**Refused:** {reason}\n\n{help}\n"
            ));
            out.set("has-changes", "false");
            return Err(Failure::new(Exit::Rejected, reason).help(help));
        }
        Decision::Run {
            step,
            report,
            notice,
        } => (step, report, notice),
    };
    let mut out = Outputs::new(&ctx);
    if let Some(n) = &notice {
        let _ = cmds.notice(n);
    }
    let github = match report {
        Report::SummaryOnly => None,
        _ => Client::from_context(&ctx).map_err(github_failure)?,
    };
    let reporter = Reporter {
        ctx: &ctx,
        github: github.as_ref(),
        report,
    };

    let args = ManifestArgs {
        manifests: ctx.inputs.manifests.clone(),
    };
    let manifests = match load_manifests(&args)? {
        Ok(m) => m,
        Err(problems) => {
            print_problems(&problems);
            let annotations = workflow::problem_annotations(&problems, ctx.workspace.as_deref());
            let _ = cmds.annotate(workflow::limit(annotations, ANNOTATIONS_PER_LEVEL));
            let mut body = render::markdown::render_problems(&problems, &markdown_context(&ctx));
            append_notice(&mut body, notice.as_deref());
            out.summary(&body);
            out.set("has-changes", "false");
            reporter.preview(&body, &mut out).await?;
            return Ok(Exit::Rejected);
        }
    };

    match step {
        Step::Validate => {
            let mut body = validated_body(&ctx, &manifests);
            append_notice(&mut body, notice.as_deref());
            out.summary(&body);
            out.set("has-changes", "false");
            reporter.preview(&body, &mut out).await?;
            Ok(Exit::Success)
        }
        Step::Plan | Step::Apply => {
            let target = Target::from_args(&TargetArgs {
                sandbox: std::env::var_os("EDGEPLAN_SANDBOX")
                    .filter(|v| !v.is_empty())
                    .map(PathBuf::from),
            })?;
            with_provider!(&target, p => {
                let flow = Flow { ctx: &ctx, provider: p, manifests: &manifests, reporter: &reporter, notice: notice.as_deref() };
                if step == Step::Plan {
                    flow.plan(&mut cmds, &mut out).await
                } else {
                    flow.apply(&mut cmds, &mut out).await
                }
            })
        }
    }
}

/// The plan and apply steps, over either provider.
struct Flow<'a, P> {
    ctx: &'a Context,
    provider: &'a P,
    manifests: &'a [Desired],
    reporter: &'a Reporter<'a>,
    notice: Option<&'a str>,
}

impl<P: Provider> Flow<'_, P> {
    async fn plan<W: Write>(
        &self,
        cmds: &mut Commands<W>,
        out: &mut Outputs,
    ) -> Result<Exit, Failure> {
        let plan = build(self.provider, self.manifests).await?;
        self.log_plan(cmds, &plan);
        let blocked = self.annotate_blockers(cmds, &plan);
        let mut body = render::markdown::render(&plan, &markdown_context(self.ctx));
        append_notice(&mut body, self.notice);
        out.plan_outputs(&plan);
        out.summary(&body);
        self.reporter.preview(&body, out).await?;
        Ok(if blocked {
            Exit::Rejected
        } else {
            Exit::Success
        })
    }

    async fn apply<W: Write>(
        &self,
        cmds: &mut Commands<W>,
        out: &mut Outputs,
    ) -> Result<Exit, Failure> {
        let plan = build(self.provider, self.manifests).await?;
        self.log_plan(cmds, &plan);
        out.plan_outputs(&plan);
        if self.annotate_blockers(cmds, &plan) {
            let body = format!(
                "### edgeplan: apply refused\n\nThe plan has conflicts or would delete too much; nothing was applied.\n\n{}",
                strip_marker(&render::markdown::render(
                    &plan,
                    &markdown_context(self.ctx)
                ))
            );
            out.summary(&body);
            self.reporter.applied(&body, &plan.fingerprint()).await?;
            return Ok(Exit::Rejected);
        }
        let fingerprint = plan.fingerprint();
        let mut reports = Vec::new();
        let mut failure = None;
        for (zp, desired) in plan.zones.iter().zip(self.manifests) {
            if zp.changes.is_empty() {
                continue;
            }
            let mut progress = |line: &str| println!("{line}");
            match apply::apply_zone(self.provider, desired, &zp.zone, zp.clone(), &mut progress)
                .await
            {
                Ok(r) => reports.push(r),
                Err(e) => {
                    let mut f = Failure::from(e.error);
                    f.message = format!("{}: {}; {}", e.zone, f.message, e.landed);
                    failure = Some(f);
                    break;
                }
            }
        }
        let body = applied_body(self.ctx, &plan, &reports, failure.as_ref(), &fingerprint);
        out.summary(&body);
        self.reporter.applied(&body, &fingerprint).await?;
        match failure {
            Some(f) => Err(f),
            None => Ok(Exit::Success),
        }
    }

    fn log_plan<W: Write>(&self, cmds: &mut Commands<W>, plan: &Plan) {
        let _ = cmds.group("edgeplan plan");
        let _ = cmds.write_log(&render::text::render(plan, false));
        let _ = cmds.end_group();
    }

    /// Conflicts as error annotations on the endpoint's line; safety refusals as errors.
    /// Returns true when something blocks the plan.
    fn annotate_blockers<W: Write>(&self, cmds: &mut Commands<W>, plan: &Plan) -> bool {
        let mut annotations = Vec::new();
        for (zp, desired) in plan.zones.iter().zip(self.manifests) {
            let file = workflow::workspace_relative(&desired.source, self.ctx.workspace.as_deref());
            for c in &zp.conflicts {
                annotations.push(Annotation {
                    level: Level::Error,
                    file: Some(file.clone()),
                    line: Some(c.line),
                    col: Some(1),
                    title: Some("edgeplan: conflict".into()),
                    message: format!("{}\nhelp: {}", c.message(), c.help()),
                });
            }
            if let Err(why) = crate::plan::check_safety(zp, self.ctx.inputs.allow_deletes) {
                annotations.push(Annotation {
                    level: Level::Error,
                    file: Some(file.clone()),
                    line: None,
                    col: None,
                    title: Some("edgeplan: too many deletes".into()),
                    message: format!(
                        "{}: {why}\nhelp: if intended, set the action input `allow-deletes: true`",
                        zp.zone.name
                    ),
                });
            }
        }
        let blocked = !annotations.is_empty();
        for a in &annotations {
            eprintln!("error: {}", a.message.replace('\n', "\n  "));
        }
        let _ = cmds.annotate(workflow::limit(annotations, ANNOTATIONS_PER_LEVEL));
        blocked
    }
}

/// Where results go besides the summary: the sticky comment, or the merged PRs' reports.
struct Reporter<'a> {
    ctx: &'a Context,
    github: Option<&'a Client>,
    report: Report,
}

impl Reporter<'_> {
    /// The sticky preview comment (pull requests).
    async fn preview(&self, body: &str, out: &mut Outputs) -> Result<(), Failure> {
        let (Report::StickyComment { pr }, Some(client), Some(repo)) =
            (self.report, self.github, self.ctx.repository.as_ref())
        else {
            return Ok(());
        };
        let sticky = comment::upsert(
            client,
            repo,
            pr,
            &comment::marker(None),
            body,
            &Author::default(),
        )
        .await
        .map_err(github_failure)?;
        println!(
            "edgeplan: preview comment {:?}: {}",
            sticky.outcome, sticky.url
        );
        out.set("comment-url", &sticky.url);
        Ok(())
    }

    /// The apply report on each PR the pushed commit merged, one per commit (re-runs update it).
    async fn applied(&self, body: &str, fingerprint: &str) -> Result<(), Failure> {
        let (Report::MergedPulls, Some(client), Some(repo), Some(sha)) = (
            self.report,
            self.github,
            self.ctx.repository.as_ref(),
            self.ctx.sha.as_deref(),
        ) else {
            return Ok(());
        };
        let default = self.ctx.event.default_branch.as_deref().unwrap_or_default();
        let pulls = client
            .pulls_for_commit(repo, sha, default)
            .await
            .map_err(github_failure)?;
        if pulls.is_empty() {
            println!(
                "edgeplan: {sha} merged no pull request (a direct push); the step summary has the report"
            );
        }
        for pr in pulls {
            let preview = preview_fingerprint(client, repo, pr.number).await;
            let verdict = match preview {
                Some(p) if p == fingerprint => format!(
                    "The applied plan `{fingerprint}` matches the preview this pull request showed."
                ),
                Some(p) => format!(
                    "The applied plan `{fingerprint}` differs from the last preview on this pull request (`{p}`): the zone or the manifest changed after the preview. The live zone was re-read and re-planned before applying."
                ),
                None => "No edgeplan preview was found on this pull request to compare with."
                    .to_string(),
            };
            let full = format!("{body}\n{verdict}\n");
            comment::upsert(
                client,
                repo,
                pr.number,
                &comment::apply_marker(sha),
                &full,
                &Author::default(),
            )
            .await
            .map_err(github_failure)?;
        }
        Ok(())
    }
}

async fn preview_fingerprint(client: &Client, repo: &Repo, pr: u64) -> Option<String> {
    let found = comment::find(client, repo, pr, &comment::marker(None), &Author::default())
        .await
        .ok()?;
    found
        .first()
        .and_then(|c| c.body.as_deref())
        .and_then(comment::preview_fingerprint)
}

/// The step's output and summary files (absent outside Actions: then nothing is written).
struct Outputs {
    output: Option<PathBuf>,
    summary: Option<PathBuf>,
    plan_json: PathBuf,
}

impl Outputs {
    fn new(ctx: &Context) -> Outputs {
        let dir = std::env::var_os("RUNNER_TEMP")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(std::env::temp_dir);
        Outputs {
            output: ctx.output_path.clone(),
            summary: ctx.summary_path.clone(),
            plan_json: dir.join("edgeplan-plan.json"),
        }
    }

    fn set(&mut self, name: &str, value: &str) {
        if let Some(path) = &self.output
            && let Err(e) = files::set_output(path, name, value)
        {
            eprintln!(
                "warning: cannot write output `{name}` to {}: {e}",
                path.display()
            );
        }
    }

    fn summary(&mut self, markdown: &str) {
        if let Some(path) = &self.summary
            && let Err(e) = files::append_summary(path, markdown)
        {
            eprintln!(
                "warning: cannot write the step summary {}: {e}",
                path.display()
            );
        }
    }

    fn plan_outputs(&mut self, plan: &Plan) {
        self.set(
            "has-changes",
            if plan.has_changes() { "true" } else { "false" },
        );
        match std::fs::write(&self.plan_json, render::json::render(plan)) {
            Ok(()) => {
                let path = self.plan_json.to_string_lossy().into_owned();
                self.set("plan-json", &path);
            }
            Err(e) => eprintln!(
                "warning: cannot write the plan JSON to {}: {e}",
                self.plan_json.display()
            ),
        }
    }
}

fn markdown_context(ctx: &Context) -> render::markdown::Context {
    render::markdown::Context {
        run_url: ctx.run_url(),
        ..Default::default()
    }
}

fn append_notice(body: &mut String, notice: Option<&str>) {
    if let Some(n) = notice {
        body.push_str(&format!("\n> **Note:** {n}\n"));
    }
}

fn strip_marker(body: &str) -> &str {
    match body.split_once('\n') {
        Some((first, rest)) if first.starts_with("<!--") => rest,
        _ => body,
    }
}

fn validated_body(ctx: &Context, manifests: &[Desired]) -> String {
    let mut body = format!(
        "{}\n### edgeplan: manifest valid\n\n",
        comment::marker(None)
    );
    body.push_str("| manifest | zone | owner | endpoints |\n|---|---|---|---:|\n");
    for m in manifests {
        body.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            workflow::workspace_relative(&m.source, ctx.workspace.as_deref()),
            m.zone,
            m.owner,
            m.endpoints.len()
        ));
    }
    body.push_str("\nOnly offline validation ran; no DNS preview was computed.\n");
    if let Some(url) = ctx.run_url() {
        body.push_str(&format!("\n[Workflow run]({url})\n"));
    }
    body
}

fn applied_body(
    ctx: &Context,
    plan: &Plan,
    reports: &[ZoneReport],
    failure: Option<&Failure>,
    fingerprint: &str,
) -> String {
    let mut body = String::from("### edgeplan: apply\n\n");
    if !plan.has_changes() {
        body.push_str("Nothing to apply: every zone already matches the manifests.\n\n");
    }
    if !reports.is_empty() {
        body.push_str("| zone | created | updated | deleted | batches | time |\n|---|---:|---:|---:|---:|---:|\n");
        for r in reports {
            body.push_str(&format!(
                "| {} | {} | {} | {} | {} | {:.1} s |\n",
                r.zone,
                r.created,
                r.updated,
                r.deleted,
                r.batches,
                r.elapsed.as_secs_f64()
            ));
        }
        body.push_str("\nEach zone was re-read after applying: a fresh plan is empty.\n\n");
    }
    if let Some(f) = failure {
        body.push_str(&format!("**Apply failed:** {}\n\n", f.message));
        if let Some(h) = &f.help {
            body.push_str(&format!("{h}\n\n"));
        }
    }
    body.push_str(&format!("Plan fingerprint: `{fingerprint}`\n"));
    if let Some(url) = ctx.run_url() {
        body.push_str(&format!("\n[Workflow run]({url})\n"));
    }
    body
}

fn github_failure(e: crate::github::error::Error) -> Failure {
    let help = e.help().map(str::to_string);
    let mut f = Failure::new(Exit::Api, e.to_string());
    f.help = help;
    f
}

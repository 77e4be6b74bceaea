//! `edgeplan plan`: load manifests, read each zone, diff, render.

use std::io::{IsTerminal, Write};

use crate::cli::{Format, PlanArgs};
use crate::exit::Exit;
use crate::health;
use crate::plan::{self, Desired, Endpoint, Live, Plan, ZonePlan};
use crate::provider::{self, Provider};
use crate::render;

use super::target::{Target, with_provider};
use super::{Failure, load_or_report};

pub async fn run(args: &PlanArgs) -> Result<Exit, Failure> {
    let Some(manifests) = load_or_report(&args.manifests)? else {
        return Ok(Exit::Rejected);
    };
    let target = Target::from_args(&args.target)?;
    let mut plan = with_provider!(&target, p => build(p, &manifests).await)?;
    if !args.skip_health {
        preflight(&mut plan, &manifests).await?;
    }

    let output = match args.format {
        Format::Text => render::text::render(&plan, color_for(args.out.is_none())),
        Format::Markdown => render::markdown::render(&plan, &render::markdown::Context::default()),
        Format::Json => render::json::render(&plan),
    };
    match &args.out {
        Some(path) => std::fs::write(path, &output).map_err(|e| {
            Failure::new(
                Exit::Rejected,
                format!("cannot write {}: {e}", path.display()),
            )
        })?,
        None => {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(output.as_bytes());
            let _ = out.flush();
        }
    }
    Ok(verdict(
        &manifests,
        &plan,
        args.allow_deletes,
        args.detailed_exitcode,
    ))
}

/// Reads each manifest's zone and plans it, in manifest order. Targets on platforms known to
/// refuse a foreign `Host` header get a warning (see docs/origins.md).
pub async fn build<P: Provider>(
    provider: &P,
    manifests: &[Desired],
) -> Result<Plan, provider::Error> {
    let mut plan = Plan::default();
    for desired in manifests {
        let zone = provider
            .zone(&desired.zone, desired.zone_id.as_deref())
            .await?;
        let records = provider.records(&zone).await?;
        let mut zp = plan::diff(desired, &Live { zone, records });
        origin_hints(&mut zp);
        plan.zones.push(zp);
    }
    Ok(plan)
}

/// A warning for each created or repointed name whose target is on a platform that answers
/// requests for a foreign `Host` with an error.
fn origin_hints(zp: &mut ZonePlan) {
    for c in &zp.changes {
        let Some(after) = &c.after else { continue };
        let repointed = c.before.as_ref().is_none_or(|b| b.content != after.content);
        if !repointed || c.kind != "CNAME" {
            continue;
        }
        if let Some(hint) = health::origin_hint(&after.content) {
            zp.warnings
                .push(format!("{} -> {}: {hint}", c.name, after.content));
        }
    }
}

/// Probes the origins of created or repointed endpoints that name a `health` check and records
/// the results in the plan (shown by every renderer, outside the fingerprint).
pub async fn preflight(plan: &mut Plan, manifests: &[Desired]) -> Result<(), Failure> {
    let options = health::ProbeOptions::from_env().map_err(|e| Failure::new(Exit::Usage, e))?;
    let endpoints: Vec<&Endpoint> = plan
        .zones
        .iter()
        .zip(manifests)
        .flat_map(|(zp, desired)| health::endpoints_to_probe(desired, zp))
        .collect();
    if !endpoints.is_empty() {
        plan.probes = health::probe_all(&endpoints, &options).await;
    }
    Ok(())
}

/// Prints what blocks the plan (conflicts, safety refusals) and picks the exit code.
pub fn verdict(manifests: &[Desired], plan: &Plan, allow_deletes: bool, detailed: bool) -> Exit {
    if report_blockers(manifests, plan, allow_deletes) {
        return Exit::Rejected;
    }
    if detailed && plan.has_changes() {
        Exit::Changes
    } else {
        Exit::Success
    }
}

/// Prints conflicts and safety refusals on stderr; true when there was any.
pub fn report_blockers(manifests: &[Desired], plan: &Plan, allow_deletes: bool) -> bool {
    let mut blocked = false;
    let mut err = std::io::stderr().lock();
    for (zp, desired) in plan.zones.iter().zip(manifests) {
        for c in &zp.conflicts {
            blocked = true;
            let _ = writeln!(
                err,
                "error: {}:{}:1: {}",
                desired.source.display(),
                c.line,
                c.message()
            );
            let _ = writeln!(err, "  help: {}", c.help());
        }
        if let Err(why) = plan::check_safety(zp, allow_deletes) {
            blocked = true;
            let _ = writeln!(err, "error: {}: {why}", zp.zone.name);
            let _ = writeln!(
                err,
                "  help: check the manifest; if the deletes are intended, pass --allow-deletes"
            );
        }
    }
    blocked
}

/// Colour only on a terminal, and never with `NO_COLOR` set.
pub fn color_for(to_stdout: bool) -> bool {
    to_stdout
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

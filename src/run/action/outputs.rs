//! The step's outputs (`GITHUB_OUTPUT`) and summary (`GITHUB_STEP_SUMMARY`), and the plan JSON
//! file the `plan-json` output names. Their formats are in `github::files`; the comment and the
//! reports that fill them are `super::report`'s and `super::stale`'s.

use std::collections::BTreeSet;
use std::path::PathBuf;

use crate::github::files;
use crate::github::workflow::{Annotation, Level};
use crate::render::{self, inert};

use super::super::pipeline::Outcome;

/// The step's output and summary files (absent outside Actions: then nothing is written).
pub(super) struct Outputs {
    output: Option<PathBuf>,
    summary: Option<PathBuf>,
    plan_json: PathBuf,
    set: BTreeSet<String>,
    /// The summary already explains the failure being returned (the apply report does).
    pub failure_in_summary: bool,
}

impl Outputs {
    /// Writes to the `GITHUB_OUTPUT` and `GITHUB_STEP_SUMMARY` files, when given.
    /// The plan JSON goes into `runner_temp` (`RUNNER_TEMP`), else the system's temp directory.
    pub(super) fn new(
        output: Option<PathBuf>,
        summary: Option<PathBuf>,
        runner_temp: Option<PathBuf>,
    ) -> Outputs {
        let dir = runner_temp.unwrap_or_else(std::env::temp_dir);
        Outputs {
            output,
            summary,
            // A name of its own per run, so that two edgeplan steps in one job (RUNNER_TEMP is
            // per job) never overwrite each other's `plan-json`.
            plan_json: dir.join(format!("edgeplan-plan-{:016x}.json", fastrand::u64(..))),
            set: BTreeSet::new(),
            failure_in_summary: false,
        }
    }

    pub(super) fn set(&mut self, name: &str, value: &str) {
        self.set.insert(name.to_string());
        if let Some(path) = &self.output
            && let Err(e) = files::set_output(path, name, value)
        {
            errln!(
                "warning: cannot write output `{name}` to {}: {}",
                inert(&path.display().to_string()),
                inert(&e.to_string())
            );
        }
    }

    /// Sets `name` unless an earlier call already did.
    pub(super) fn set_once(&mut self, name: &str, value: &str) {
        if !self.set.contains(name) {
            self.set(name, value);
        }
    }

    /// Says `message` both ways: a workflow annotation of `level` in the log, and a quoted note
    /// in the step summary (escaped as Markdown).
    pub(super) fn note(&mut self, level: Level, message: &str) {
        outln!("{}", Annotation::new(level, message).command());
        self.summary(&format!(
            "\n> **Note:** {}\n",
            render::markdown::escape(message)
        ));
    }

    pub(super) fn summary(&mut self, markdown: &str) {
        if let Some(path) = &self.summary
            && let Err(e) = files::append_summary(path, markdown)
        {
            errln!(
                "warning: cannot write the step summary {}: {e}",
                path.display()
            );
        }
    }

    pub(super) fn plan_outputs(&mut self, outcome: &Outcome) {
        self.set(
            "has-changes",
            if outcome.has_changes() {
                "true"
            } else {
                "false"
            },
        );
        if self.write_plan_json(outcome) {
            let path = self.plan_json.to_string_lossy().into_owned();
            self.set("plan-json", &path);
        }
    }

    /// Writes the plan JSON file again after the verdict gained a reason of the run (the
    /// outputs are set once, by [`Outputs::plan_outputs`]).
    pub(super) fn refresh_plan_json(&self, outcome: &Outcome) {
        self.write_plan_json(outcome);
    }

    fn write_plan_json(&self, outcome: &Outcome) -> bool {
        let json = render::json::render(&outcome.plan, &outcome.probes, outcome.verdict());
        match std::fs::write(&self.plan_json, json) {
            Ok(()) => true,
            Err(e) => {
                errln!(
                    "warning: cannot write the plan JSON to {}: {e}",
                    self.plan_json.display()
                );
                false
            }
        }
    }
}

//! Workflow commands printed on stdout: annotations, `add-mask`, groups.
//!
//! Syntax and escaping follow
//! <https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands> and the
//! toolkit's `escapeData`/`escapeProperty` (`packages/core/src/command.ts`), which the runner
//! reverses: in the message `%`, CR and LF are escaped; in property values also `:` and `,`
//! (the runner splits properties on `,` and then on the first `=`). `%` goes first so that the
//! escapes themselves are not escaped again.
//!
//! The runner shows only about ten error and ten warning annotations per step
//! (<https://github.com/orgs/community/discussions/68471>), so [`limit`] keeps the most important
//! and ends with one notice counting what was left out; the full list belongs in the step summary.

use std::io::{self, Write};
use std::path::Path;

use crate::manifest::Problem;
use crate::secret::Secret;

/// Annotations of one level the runner displays per step.
pub(crate) const DISPLAY_LIMIT: usize = 10;

/// Escapes a command's message (after the second `::`).
pub(crate) fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (`file`, `title`, ...).
pub(crate) fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Level {
    // Declared in order of importance: sorting puts errors first.
    Error,
    Warning,
    Notice,
}

impl Level {
    fn command(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Notice => "notice",
        }
    }
}

/// One `::error|warning|notice ...::message` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Annotation {
    pub level: Level,
    /// Relative to `GITHUB_WORKSPACE` so that the annotation lands on the file in the diff.
    pub file: Option<String>,
    pub line: Option<usize>,
    pub col: Option<usize>,
    pub title: Option<String>,
    pub message: String,
}

impl Annotation {
    pub(crate) fn new(level: Level, message: impl Into<String>) -> Self {
        Annotation {
            level,
            file: None,
            line: None,
            col: None,
            title: None,
            message: message.into(),
        }
    }

    /// The workflow command, without the trailing newline.
    pub(crate) fn command(&self) -> String {
        let mut props = Vec::new();
        if let Some(file) = &self.file {
            props.push(format!("file={}", escape_property(file)));
        }
        if let Some(line) = self.line {
            props.push(format!("line={line}"));
        }
        if let Some(col) = self.col {
            props.push(format!("col={col}"));
        }
        if let Some(title) = &self.title {
            props.push(format!("title={}", escape_property(title)));
        }
        let props = if props.is_empty() {
            String::new()
        } else {
            format!(" {}", props.join(","))
        };
        let line = format!(
            "::{}{props}::{}",
            self.level.command(),
            escape_data(&self.message)
        );
        // The message and properties quote manifests, records and API answers: no `##[` for
        // the runner's legacy parser either (`render::inert`).
        crate::render::inert::break_legacy(&line)
    }
}

/// Makes `path` relative to the workspace when it lies inside it; otherwise keeps it as given
/// (already relative, or outside the checkout, where no annotation can land anyway).
pub(crate) fn workspace_relative(path: &Path, workspace: Option<&Path>) -> String {
    let relative = workspace
        .and_then(|ws| path.strip_prefix(ws).ok())
        .unwrap_or(path);
    let text = relative.to_string_lossy().replace('\\', "/");
    text.strip_prefix("./").unwrap_or(&text).to_string()
}

/// One error annotation per manifest problem, on its line; `help` joins the message.
pub(crate) fn problem_annotations(
    problems: &[Problem],
    workspace: Option<&Path>,
) -> Vec<Annotation> {
    problems
        .iter()
        .map(|p| Annotation {
            level: Level::Error,
            file: Some(workspace_relative(&p.file, workspace)),
            line: (p.line > 0).then_some(p.line),
            col: (p.line > 0).then_some(p.col),
            title: Some("edgeplan".into()),
            message: match &p.help {
                Some(help) => format!("{}\nhelp: {help}", p.message),
                None => p.message.clone(),
            },
        })
        .collect()
}

/// Orders by importance (errors, warnings, notices; stable within a level), keeps at most
/// `per_level` of each, and appends one notice saying how many were left out.
pub(crate) fn limit(mut annotations: Vec<Annotation>, per_level: usize) -> Vec<Annotation> {
    annotations.sort_by_key(|a| a.level);
    let mut kept = Vec::new();
    let mut dropped = 0;
    let mut seen = [0usize; 3];
    for a in annotations {
        let n = &mut seen[a.level as usize];
        if *n < per_level {
            *n += 1;
            kept.push(a);
        } else {
            dropped += 1;
        }
    }
    if dropped > 0 {
        kept.push(Annotation::new(
            Level::Notice,
            format!(
                "{dropped} more annotation{} not shown (GitHub displays about {per_level} per level and step); the step summary lists all of them",
                if dropped == 1 { "" } else { "s" }
            ),
        ));
    }
    kept
}

/// Prints workflow commands to a writer (stdout in the binary, a buffer in tests).
pub(crate) struct Commands<W: Write> {
    out: W,
}

impl<W: Write> Commands<W> {
    pub(crate) fn new(out: W) -> Self {
        Commands { out }
    }

    /// `::add-mask::` for each secret, every line of it: must come before anything else is
    /// printed, and before the value could be set as an output.
    pub(crate) fn mask(&mut self, secrets: &[&Secret]) -> io::Result<()> {
        for secret in secrets {
            for line in secret.expose().lines().filter(|l| !l.trim().is_empty()) {
                writeln!(self.out, "::add-mask::{}", escape_data(line))?;
            }
        }
        self.out.flush()
    }

    /// Prints the annotations after [`limit`].
    pub(crate) fn annotate(&mut self, annotations: Vec<Annotation>) -> io::Result<()> {
        for a in limit(annotations, DISPLAY_LIMIT) {
            writeln!(self.out, "{}", a.command())?;
        }
        self.out.flush()
    }

    pub(crate) fn notice(&mut self, message: &str) -> io::Result<()> {
        writeln!(
            self.out,
            "{}",
            Annotation::new(Level::Notice, message).command()
        )
    }

    /// Starts a collapsible log group; end it with [`Commands::end_group`].
    pub(crate) fn group(&mut self, title: &str) -> io::Result<()> {
        writeln!(
            self.out,
            "{}",
            crate::render::inert::break_legacy(&format!("::group::{}", escape_data(title)))
        )
    }

    pub(crate) fn end_group(&mut self) -> io::Result<()> {
        writeln!(self.out, "::endgroup::")?;
        self.out.flush()
    }

    /// Plain log text inside a group, every line guarded (`render::inert_lines`).
    pub(crate) fn write_log(&mut self, text: &str) -> io::Result<()> {
        let text = crate::render::inert::inert_lines(text);
        self.out.write_all(text.as_bytes())?;
        if !text.ends_with('\n') {
            self.out.write_all(b"\n")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn escaping_matches_the_toolkit() {
        // (text, as a message, as a property value): `%` first, so an existing escape sequence
        // is escaped, not kept; a property value also escapes `:` and `,`.
        for (text, message, property) in [
            (
                "100% done\r\nnext",
                "100%25 done%0D%0Anext",
                "100%25 done%0D%0Anext",
            ),
            ("%0A", "%250A", "%250A"),
            ("a:b,c", "a:b,c", "a%3Ab%2Cc"),
            ("C:\\dir,x%\n", "C:\\dir,x%25%0A", "C%3A\\dir%2Cx%25%0A"),
        ] {
            assert_eq!(escape_data(text), message, "{text:?}");
            assert_eq!(escape_property(text), property, "{text:?}");
        }
    }

    #[test]
    fn annotation_command_shape() {
        let a = Annotation {
            level: Level::Error,
            file: Some("dns/edge,plan.yaml".into()),
            line: Some(12),
            col: Some(5),
            title: Some("Unknown key: proxed".into()),
            message: "unknown field `proxed`\nhelp: did you mean `proxied`?".into(),
        };
        assert_eq!(
            a.command(),
            "::error file=dns/edge%2Cplan.yaml,line=12,col=5,title=Unknown key%3A proxed::unknown field `proxed`%0Ahelp: did you mean `proxied`?"
        );
        assert_eq!(
            Annotation::new(Level::Notice, "hi").command(),
            "::notice::hi"
        );
    }

    #[test]
    fn problems_become_workspace_relative_annotations() {
        let problems = vec![Problem {
            file: PathBuf::from("/home/runner/work/r/r/dns/edgeplan.yaml"),
            line: 3,
            col: 7,
            message: "bad".into(),
            help: Some("fix it".into()),
        }];
        let a = problem_annotations(&problems, Some(Path::new("/home/runner/work/r/r")));
        assert_eq!(a[0].file.as_deref(), Some("dns/edgeplan.yaml"));
        assert_eq!(a[0].message, "bad\nhelp: fix it");
        assert_eq!(
            workspace_relative(Path::new("./edgeplan.yaml"), None),
            "edgeplan.yaml"
        );
    }

    #[test]
    fn limit_keeps_errors_first_and_counts_the_rest() {
        let mut all = Vec::new();
        for i in 0..3 {
            all.push(Annotation::new(Level::Warning, format!("w{i}")));
        }
        for i in 0..12 {
            all.push(Annotation::new(Level::Error, format!("e{i}")));
        }
        let kept = limit(all, 10);
        assert_eq!(kept.len(), 14);
        assert_eq!(kept[0].message, "e0");
        assert_eq!(kept[9].message, "e9");
        assert_eq!(kept[10].message, "w0");
        let last = kept.last().expect("notice");
        assert_eq!(last.level, Level::Notice);
        assert!(
            last.message.starts_with("2 more annotations"),
            "{}",
            last.message
        );
        assert_eq!(limit(vec![Annotation::new(Level::Error, "x")], 10).len(), 1);
    }

    #[test]
    fn masks_come_per_line_and_groups_wrap_logs() {
        let token = Secret::new("tok-1");
        let mut c = Commands::new(Vec::new());
        c.mask(&[&token]).expect("mask");
        c.group("Plan: example.com").expect("group");
        c.write_log("line").expect("log");
        c.end_group().expect("end");
        let out = String::from_utf8(c.out).expect("utf8");
        assert_eq!(
            out,
            "::add-mask::tok-1\n::group::Plan: example.com\nline\n::endgroup::\n"
        );
    }
}

//! The per-step files: outputs (`GITHUB_OUTPUT`) and the job summary (`GITHUB_STEP_SUMMARY`).
//!
//! Formats per
//! <https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands#setting-an-output-parameter>
//! and the runner's `FileCommandManager.cs`: an output is `name=value` on one line, or
//! `name<<DELIMITER`, the lines, `DELIMITER` for anything with a newline. The delimiter must not
//! occur in the value, so it is `ghadelimiter_<random>` (the toolkit's shape) and re-drawn if it
//! ever does. The summary is dropped whole by the runner past 1 MiB, so [`append_summary`] cuts
//! its text at a line boundary to stay under [`SUMMARY_BUDGET`] bytes, counting what the file
//! already holds.

use std::fs::OpenOptions;
use std::io::{self, Write};
use std::path::Path;

/// The runner's limit: `AttachmentSizeLimit = 1024 * 1024` bytes.
pub(crate) const SUMMARY_LIMIT: usize = 1024 * 1024;
/// What edgeplan allows itself, leaving room for the truncation note and other steps' habits.
pub(crate) const SUMMARY_BUDGET: usize = SUMMARY_LIMIT - 16 * 1024;

fn append(path: &Path, text: &str) -> io::Result<()> {
    let mut file = OpenOptions::new().create(true).append(true).open(path)?;
    file.write_all(text.as_bytes())?;
    file.flush()
}

/// Formats one output entry (with its final newline).
pub(crate) fn output_entry(name: &str, value: &str) -> String {
    if !value.contains(['\n', '\r']) {
        return format!("{name}={value}\n");
    }
    let delimiter = loop {
        let d = format!("ghadelimiter_{:032x}", fastrand::u128(..));
        if !value.contains(&d) && !name.contains(&d) {
            break d;
        }
    };
    let newline = if value.ends_with('\n') { "" } else { "\n" };
    format!("{name}<<{delimiter}\n{value}{newline}{delimiter}\n")
}

/// Appends `name=value` to the `GITHUB_OUTPUT` file.
pub(crate) fn set_output(path: &Path, name: &str, value: &str) -> io::Result<()> {
    append(path, &output_entry(name, value))
}

/// Appends Markdown to the step summary, cut so the file stays under [`SUMMARY_BUDGET`] bytes.
/// Returns true when the text had to be cut.
pub(crate) fn append_summary(path: &Path, markdown: &str) -> io::Result<bool> {
    let existing = match std::fs::metadata(path) {
        Ok(m) => usize::try_from(m.len()).unwrap_or(usize::MAX),
        Err(e) if e.kind() == io::ErrorKind::NotFound => 0,
        Err(e) => return Err(e),
    };
    let room = SUMMARY_BUDGET.saturating_sub(existing);
    let (text, cut) = fit_summary(markdown, room);
    append(path, &text)?;
    Ok(cut)
}

const CUT_NOTE: &str = "\n\n> **Truncated**: the summary reached GitHub's 1 MiB step-summary limit; the rest is in the `plan-json` output file.\n";

/// Cuts `markdown` at a line boundary so that it, plus the note, fits in `room` bytes.
pub(crate) fn fit_summary(markdown: &str, room: usize) -> (String, bool) {
    let body = if markdown.ends_with('\n') {
        markdown.to_string()
    } else {
        format!("{markdown}\n")
    };
    if body.len() <= room {
        return (body, false);
    }
    let keep = room.saturating_sub(CUT_NOTE.len());
    let mut end = 0;
    for (i, _) in body.match_indices('\n') {
        if i + 1 > keep {
            break;
        }
        end = i + 1;
    }
    if keep < CUT_NOTE.len() {
        return (String::new(), true);
    }
    (format!("{}{CUT_NOTE}", &body[..end]), true)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses an output file the way the runner does (first of `=` / `<<` decides the form).
    fn parse_outputs(text: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut lines = text.split('\n');
        while let Some(line) = lines.next() {
            if line.is_empty() {
                continue;
            }
            let eq = line.find('=');
            let heredoc = line.find("<<");
            match (eq, heredoc) {
                (Some(e), h) if h.is_none_or(|h| e < h) => {
                    out.push((line[..e].to_string(), line[e + 1..].to_string()));
                }
                (_, Some(h)) => {
                    let name = &line[..h];
                    let delim = &line[h + 2..];
                    let mut value = Vec::new();
                    for l in lines.by_ref() {
                        if l == delim {
                            break;
                        }
                        value.push(l);
                    }
                    out.push((name.to_string(), value.join("\n")));
                }
                _ => panic!("bad line {line}"),
            }
        }
        out
    }

    #[test]
    fn simple_and_multiline_outputs_round_trip() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("out");
        set_output(&path, "has-changes", "true").expect("w");
        let tricky = "line 1\nghadelimiter_x\nEOF\nname=value";
        set_output(&path, "plan-json", tricky).expect("w");
        let text = std::fs::read_to_string(&path).expect("r");
        assert!(
            text.starts_with("has-changes=true\nplan-json<<ghadelimiter_"),
            "{text}"
        );
        assert_eq!(
            parse_outputs(&text),
            vec![
                ("has-changes".into(), "true".into()),
                ("plan-json".into(), tricky.into())
            ]
        );
    }

    #[test]
    fn delimiters_are_random() {
        let a = output_entry("x", "a\nb");
        let b = output_entry("x", "a\nb");
        assert_ne!(a, b);
    }

    #[test]
    fn summary_is_cut_at_a_line_under_the_budget() {
        let line = "| row | with | content |\n";
        let big = line.repeat(SUMMARY_LIMIT / line.len() + 100);
        let (text, cut) = fit_summary(&big, SUMMARY_BUDGET);
        assert!(cut);
        assert!(text.len() <= SUMMARY_BUDGET, "{}", text.len());
        assert!(text.ends_with(CUT_NOTE));
        let kept = &text[..text.len() - CUT_NOTE.len()];
        assert!(kept.ends_with(line), "cut at a line boundary");
        assert_eq!(fit_summary("small", 100), ("small\n".to_string(), false));
    }

    #[test]
    fn summary_counts_what_the_file_already_holds() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("summary.md");
        std::fs::write(&path, "x\n".repeat(SUMMARY_BUDGET / 2)).expect("w");
        let more = "y\n".repeat(SUMMARY_BUDGET / 2);
        let cut = append_summary(&path, &more).expect("append");
        assert!(cut);
        let len = std::fs::metadata(&path).expect("m").len() as usize;
        assert!(len <= SUMMARY_BUDGET, "{len}");
        assert!(!append_summary(&dir.path().join("new.md"), "ok").expect("a"));
    }
}

//! The comment and summary body for a manifest that did not validate: every problem, on its
//! line, with its help.

use std::fmt::Write;

use super::body::{CommentContext, assemble};
use super::escape::prose;
use super::plural;
use crate::manifest::Problem;

/// The comment body for manifests that failed validation: every problem, located.
pub(crate) fn render_problems(problems: &[Problem], ctx: &CommentContext) -> String {
    let mut head = String::new();
    let _ = writeln!(head, "{}", ctx.marker());
    let n = problems.len();
    // Read through the API, some problems are the preview's own (a link it does not follow, a
    // path it does not find), which the apply on the default branch may not meet: it promises
    // nothing about merge.
    let verdict = if ctx.source.is_some() {
        "The preview could not use the manifests of this commit"
    } else {
        "Merge will be refused: the manifest is invalid"
    };
    let _ = writeln!(
        head,
        "**{verdict} ({n} problem{})**{}\n",
        plural(n),
        ctx.commit_note()
    );
    if let Some(line) = &ctx.source {
        let _ = writeln!(head, "{line}\n");
    }
    // Read through the API, a problem may be the file itself (a link, a missing path), which a
    // local `edgeplan validate` would not show the same way.
    let local = if ctx.source.is_some() {
        ""
    } else {
        "; `edgeplan validate` shows the same locally"
    };
    let _ = writeln!(
        head,
        "Nothing was planned. Fix {} and push again{local}.",
        if n == 1 { "it" } else { "them" }
    );
    let mut detail = vec![
        "<details open><summary>Problems</summary>".to_owned(),
        String::new(),
    ];
    for p in problems {
        detail.push(format!(
            "- {} {}",
            ctx.file_link(&p.file, p.line, Some(p.col)),
            prose(&p.message)
        ));
        if let Some(help) = &p.help {
            detail.push(format!("  - help: {}", prose(help)));
        }
    }
    detail.push(String::new());
    detail.push("</details>".to_owned());
    assemble(head, detail, "", ctx)
}

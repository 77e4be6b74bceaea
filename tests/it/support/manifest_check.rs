//! The check that the manifest fuzz target (fuzz/fuzz_targets/manifest.rs, which includes this
//! file) and its deterministic companion `manifest_mutations` make on any input.

use std::path::Path;

/// Parses `text` as a manifest: it must give a `Desired` or problems, never a panic, and every
/// problem must be located inside the text.
pub fn check(text: &[u8]) {
    // YAML breaks lines at LF, CRLF and a lone CR alike (YAML 1.2, 5.4).
    let lines = text
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && text.get(i + 1) != Some(&b'\n')))
        .count()
        + 1;
    if let Err(problems) = edgeplan::manifest::parse(Path::new("m.yaml"), text) {
        assert!(!problems.is_empty());
        for p in problems {
            assert!(
                p.line >= 1 && p.line <= lines + 1 && p.col >= 1,
                "{}:{} outside the text ({lines} lines): {}\n{}",
                p.line,
                p.col,
                p.message,
                String::from_utf8_lossy(text)
            );
        }
    }
}

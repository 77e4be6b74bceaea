//! Fuzzes manifest parsing and validation: any bytes must give a `Desired` or problems, never a
//! panic, a hang or a located problem outside the text.
//!
//! Run: `cargo +nightly fuzz run manifest -- -max_total_time=600` (seeds: tests/corpus).
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(problems) = edgeplan::manifest::parse(Path::new("fuzz.yaml"), data) {
        assert!(!problems.is_empty());
        // YAML breaks lines at LF, CRLF and a lone CR alike (YAML 1.2, 5.4).
        let lines = data
            .iter()
            .enumerate()
            .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && data.get(i + 1) != Some(&b'\n')))
            .count()
            + 1;
        for p in &problems {
            assert!(
                p.line >= 1 && p.line <= lines + 1,
                "line {} of {lines}: {}",
                p.line,
                p.message
            );
            assert!(p.col >= 1);
        }
    }
});

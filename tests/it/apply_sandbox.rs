//! The core apply flows against the sandbox (`--sandbox DIR`), the try-it path: a temporary copy
//! of examples/sandbox with examples/edgeplan.yaml. Apply lands, a plan after it is empty, a second
//! apply changes nothing, records edgeplan does not own are byte-identical in the zone file, and
//! the confirmation rules are the same as against Cloudflare.

use std::path::{Path, PathBuf};

use crate::support::harness::{Run, edgeplan, sandbox_copy, sandbox_records};
use serde_json::Value;

const MANIFEST: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/edgeplan.yaml");

fn run(dir: &Path, args: &[&str], manifest: &Path) -> Run {
    // The example's origins do not exist and tests never leave 127.0.0.1: no probes.
    let out = edgeplan()
        .args(args)
        .arg("--skip-health")
        .arg("--sandbox")
        .arg(dir)
        .arg("-m")
        .arg(manifest)
        .output()
        .expect("run edgeplan");
    Run::from_output(out)
}

/// `plan --detailed-exitcode`, which must exit `code` (0: no changes, 2: changes).
fn assert_plan(dir: &Path, manifest: &Path, code: i32) {
    run(dir, &["plan", "--detailed-exitcode"], manifest).expect(code);
}

/// The zone file's bytes.
fn zone_file(dir: &Path) -> Vec<u8> {
    std::fs::read(dir.join("example.com.json")).expect("zone file")
}

/// Records whose comment is not edgeplan's, minus the adopted `llm` A, keyed by id.
fn unowned(dir: &Path) -> Vec<Value> {
    let mut recs: Vec<Value> = sandbox_records(dir, "example.com")
        .into_iter()
        .filter(|r| {
            !r["comment"].as_str().unwrap_or("").starts_with("edgeplan:")
                && r["name"] != "llm.example.com"
        })
        .collect();
    recs.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    recs
}

#[test]
fn the_example_applies_converges_and_leaves_unowned_records_alone() {
    let dir = sandbox_copy();
    let manifest = PathBuf::from(MANIFEST);
    let before = unowned(dir.path());
    assert_eq!(before.len(), 3, "MX, www, _dmarc");

    assert_plan(dir.path(), &manifest, 2);
    let applied = run(dir.path(), &["apply", "--yes"], &manifest).expect(0);
    applied.assert_stdout_has("4 created, 1 updated, 2 deleted in 1 batch request");
    assert_plan(dir.path(), &manifest, 0);
    assert_eq!(unowned(dir.path()), before);

    let recs = sandbox_records(dir.path(), "example.com");
    let llm: Vec<&Value> = recs
        .iter()
        .filter(|r| r["name"] == "llm.example.com")
        .collect();
    assert_eq!(llm.len(), 1, "adopted: the A replaced by the CNAME");
    assert_eq!(llm[0]["type"], "CNAME");
    assert_eq!(llm[0]["proxied"], true);

    let file = zone_file(dir.path());
    let again = run(dir.path(), &["apply", "--yes"], &manifest).expect(0);
    again.assert_stdout_has("Nothing to apply.");
    assert_eq!(
        zone_file(dir.path()),
        file,
        "a no-op apply does not rewrite the zone"
    );
}

#[test]
fn sandbox_apply_needs_confirmation_off_a_terminal() {
    let dir = sandbox_copy();
    let file = zone_file(dir.path());
    let refused = run(dir.path(), &["apply"], Path::new(MANIFEST)).expect(1);
    refused.assert_stderr_has("--yes");
    assert_eq!(zone_file(dir.path()), file);
}

#[test]
fn sandbox_chunks_past_the_free_limit_and_converges() {
    let dir = sandbox_copy();
    let manifest = dir.path().join("many.yaml");
    let mut text = String::from("version: 1\nzone: example.com\nowner: bulk\nendpoints:\n");
    for i in 0..450 {
        text.push_str(&format!(
            "  - name: m-{i:03}\n    target: origin-{i}.models.example.net\n"
        ));
    }
    std::fs::write(&manifest, text).expect("manifest");
    let applied = run(dir.path(), &["apply", "--yes"], &manifest).expect(0);
    applied.assert_stderr_has("applying chunk 3 of 3");
    applied.assert_stdout_has("450 created, 0 updated, 0 deleted in 3 batch requests");
    assert_plan(dir.path(), &manifest, 0);
    // The other owner's records were not touched either.
    assert_plan(dir.path(), Path::new(MANIFEST), 2);
}

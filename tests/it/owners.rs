//! Notes and owners (DESIGN section 2): the manifest is the only source of a record's note, so
//! an adoption that drops a note says so in every preview; `previous_owners` hands a renamed
//! owner's records over (taken over where wanted, deleted where not, counted in the mass-delete
//! base) and is checked against the set of manifests. Through the binary, against the local
//! Cloudflare (Free plan: 100-character comments).

use serde_json::{Value, json};

use crate::support::harness::{Run, World, edgeplan};

const NOTE: &str = "hand-made by ops, ticket 42";

/// A record marked with `owner`.
fn marked(w: &World, name: &str, target: &str, owner: &str) -> String {
    w.by_hand(
        json!({"type": "CNAME", "name": name, "content": target, "proxied": true,
                     "comment": format!("edgeplan:{owner}")}),
    )
}

fn comment_of(w: &World, name: &str) -> Option<String> {
    let recs: Vec<_> = w.records().into_iter().filter(|r| r.name == name).collect();
    assert_eq!(recs.len(), 1, "{name}: {recs:?}");
    recs[0].comment.clone()
}

/// Fails unless the record `name` holds the comment `want`.
fn assert_comment(w: &World, name: &str, want: &str) {
    assert_eq!(comment_of(w, name).as_deref(), Some(want), "{name}");
}

trait StdoutJson {
    fn stdout_json(&self) -> Value;
}

impl StdoutJson for crate::support::harness::Run {
    /// `plan --format json`'s stdout.
    fn stdout_json(&self) -> Value {
        serde_json::from_str(&self.stdout).expect("plan JSON on stdout")
    }
}

fn warnings(json: &Value) -> Vec<String> {
    json["zones"][0]["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .map(|w| w.as_str().unwrap_or_default().to_string())
        .collect()
}

/// `api.example.com`, made by hand, with a person's [`NOTE`] as its comment.
fn by_hand_with_a_note(w: &World) {
    w.by_hand(
        json!({"type": "CNAME", "name": "api.example.com", "content": "old.example.net",
                     "proxied": true, "comment": NOTE}),
    );
}

/// Regression: adopting a record used to replace its Cloudflare comment with the marker, and the
/// human's note was lost without a word. The manifest stays the only source of notes; every
/// preview says the note goes.
#[test]
fn adopting_a_record_without_comment_shows_its_note_removed_everywhere() {
    let w = World::free();
    by_hand_with_a_note(&w);
    w.by_hand(
        json!({"type": "A", "name": "vision.example.com", "content": "192.0.2.7",
                     "proxied": true, "comment": "gpu box <b>`x`</b>\u{202e}evil"}),
    );
    w.manifest(
        "  - name: api\n    target: new.example.net\n    adopt: true\n  - name: vision\n    target: gpu.example.net\n    adopt: true\n",
    );

    let text = w.run(&["plan"]).expect(0);
    text.assert_stdout_has(&format!("api.example.com: its note \"{NOTE}\" is removed"))
        .assert_stdout_has(
            "vision.example.com: its note \"gpu box <b>`x`</b>\\u{202e}evil\" is removed",
        );
    // A bidirectional override from the zone is shown escaped, never acted on.
    assert!(!text.stdout.contains('\u{202e}'), "{}", text.stdout);
    let md = w.run(&["plan", "--format", "markdown"]).expect(0);
    md.assert_stdout_has(&format!("`api.example.com`: its note `{NOTE}` is removed"));
    // Zone text stands in a code span, where markup is inert.
    md.assert_stdout_has("its note `gpu box <b>'x'</b>\\u{202e}evil` is removed");
    assert!(!md.stdout.contains('\u{202e}'), "{}", md.stdout);
    let json = w.run(&["plan", "--format", "json"]).expect(0).stdout_json();
    let warned = warnings(&json);
    assert!(
        warned
            .iter()
            .any(|w| w.contains(&format!("its note \"{NOTE}\" is removed"))),
        "{warned:?}"
    );
    // What the preview shows is what apply writes: the marker alone.
    w.apply().expect(0);
    assert_comment(&w, "api.example.com", "edgeplan:default");
    assert_comment(&w, "vision.example.com", "edgeplan:default");
    assert_eq!(w.plan_code(), 0);
}

/// The note kept in `comment:` is carried over, and then nothing warns.
#[test]
fn adopting_with_the_note_in_comment_keeps_it_and_warns_nothing() {
    let w = World::free();
    by_hand_with_a_note(&w);
    w.manifest(&format!(
        "  - name: api\n    target: old.example.net\n    adopt: true\n    comment: \"{NOTE}\"\n"
    ));
    let json = w.run(&["plan", "--format", "json"]).expect(0).stdout_json();
    assert!(
        !warnings(&json).iter().any(|w| w.contains("note")),
        "{json}"
    );
    w.apply().expect(0);
    assert_eq!(
        comment_of(&w, "api.example.com"),
        Some(format!("edgeplan:default | {NOTE}"))
    );
}

/// The comment an adoption writes is checked against the zone's limit like any other: a Free
/// zone refuses 101 characters, so the plan does, naming the line, and apply writes nothing.
#[test]
fn an_adoption_whose_comment_is_over_the_zone_limit_is_refused() {
    let w = World::free();
    by_hand_with_a_note(&w);
    // `edgeplan:default | ` is 19 characters: 82 more make 101.
    let long = "n".repeat(82);
    w.manifest(&format!(
        "  - name: api\n    target: old.example.net\n    adopt: true\n    comment: {long}\n"
    ));
    let plan = w.run(&["plan"]).expect(1);
    plan.assert_stderr_has("edgeplan.yaml:4:1: api.example.com")
        .assert_stderr_has("101 characters; this zone accepts at most 100");
    w.run(&["apply", "--yes"]).expect(1);
    assert_eq!(w.cf_writes(), 0);
    assert_eq!(comment_of(&w, "api.example.com").as_deref(), Some(NOTE));
}

/// `{label}.example.com`, to `{label}.example.net`, for each label, marked with `owner`.
fn mark(w: &World, owner: &str, labels: &[&str]) {
    for l in labels {
        marked(
            w,
            &format!("{l}.example.com"),
            &format!("{l}.example.net"),
            owner,
        );
    }
}

/// The manifest's endpoints for `labels`, each to `{label}.example.net`.
fn endpoints(labels: &[&str]) -> String {
    labels
        .iter()
        .map(|l| format!("  - name: {l}\n    target: {l}.example.net\n"))
        .collect()
}

fn renamed(w: &World, endpoints: &str, previous: &str) {
    w.write_manifest(&format!(
        "version: 1\nzone: example.com\nowner: ml\n{previous}endpoints:\n{endpoints}"
    ));
}

/// Regression: renaming an owner made every record a conflict. With `previous_owners` the old
/// owner's records are the manifest's own: taken over where wanted (the marker rewritten, the
/// note kept when the manifest carries it), deleted where not; the preview says "transfer".
#[test]
fn previous_owners_transfers_wanted_records_and_deletes_the_rest() {
    let w = World::free();
    w.by_hand(
        json!({"type": "CNAME", "name": "api.example.com", "content": "api.example.net",
                     "proxied": true, "comment": "edgeplan:ml-team | BERT v3"}),
    );
    mark(&w, "ml-team", &["web", "old"]);
    mark(&w, "search", &["search"]);
    let api = "  - name: api\n    target: api.example.net\n    comment: BERT v3\n";
    renamed(
        &w,
        &format!("{api}{}", endpoints(&["web"])),
        "previous_owners: [ml-team]\n",
    );

    let text = w.run(&["plan"]).expect(0);
    text.assert_stdout_has("transfer 2 records from ml-team to ml (previous_owners)")
        .assert_stdout_has("0 to create, 2 to update, 1 to delete");
    let md = w.run(&["plan", "--format", "markdown"]).expect(0);
    md.assert_stdout_has("Transfer 2 records from `ml-team` to `ml` (`previous_owners`).");
    let json = w.run(&["plan", "--format", "json"]).expect(0).stdout_json();
    assert_eq!(
        json["zones"][0]["transfers"],
        json!([{"from": "ml-team", "records": 2}])
    );

    w.apply().expect(0);
    assert_comment(&w, "api.example.com", "edgeplan:ml | BERT v3");
    assert_comment(&w, "web.example.com", "edgeplan:ml");
    assert!(w.records().iter().all(|r| r.name != "old.example.com"));
    assert_eq!(
        comment_of(&w, "search.example.com").as_deref(),
        Some("edgeplan:search"),
        "another owner is left alone"
    );
    assert_eq!(w.plan_code(), 0);
    // Once transferred there is nothing left to transfer: the field is gone.
    let json = w.run(&["plan", "--format", "json"]).expect(0).stdout_json();
    assert!(json["zones"][0].get("transfers").is_none(), "{json}");
}

/// A previous owner's records are in the mass-delete base, and its deletes count against it.
#[test]
fn a_previous_owners_records_count_in_the_mass_delete_limit() {
    let w = World::free();
    for name in ["a", "b", "c", "d"] {
        marked(
            &w,
            &format!("{name}.example.com"),
            "o.example.net",
            "ml-team",
        );
    }
    renamed(
        &w,
        "  - name: a\n    target: o.example.net\n",
        "previous_owners: [ml-team]\n",
    );
    let refused = w.run(&["plan"]).expect(1);
    refused.assert_stderr_has("refusing to delete 3 of the 4 records owned by ml");
    w.run(&["apply", "--yes"]).expect(1);
    assert_eq!(w.cf_writes(), 0);
    w.run(&["apply", "--yes", "--allow-deletes"]).expect(0);
    assert_eq!(w.records().len(), 1);
    assert_comment(&w, "a.example.com", "edgeplan:ml");
}

/// Another owner stays a conflict; when all its records are names this manifest wants (what a
/// rename looks like), the help names `previous_owners` instead of a manifest that does not exist.
#[test]
fn a_conflict_with_a_renamed_owner_names_previous_owners() {
    let w = World::free();
    mark(&w, "ml-team", &["api", "web"]);
    renamed(&w, &endpoints(&["api", "web"]), "");
    let plan = w.run(&["plan"]).expect(1);
    plan.assert_stderr_has("add `previous_owners: [ml-team]`");

    // ml-team keeps a record this manifest does not want: not a rename, no such advice.
    mark(&w, "ml-team", &["other"]);
    let plan = w.run(&["plan"]).expect(1);
    plan.assert_stderr_has("remove it from the manifest of owner `ml-team` first");
    assert!(!plan.stderr.contains("previous_owners"), "{}", plan.stderr);

    // Listing a different previous owner does not make ml-team's records ours.
    renamed(&w, &endpoints(&["api"]), "previous_owners: [ml-old]\n");
    w.run(&["plan"])
        .expect(1)
        .assert_stderr_has("owned by edgeplan:ml-team");
}

/// `edgeplan validate` of `manifests`, each after `-m`.
fn validate(manifests: &[&std::path::Path]) -> Run {
    let mut cmd = edgeplan();
    cmd.arg("validate");
    for m in manifests {
        cmd.arg("-m").arg(m);
    }
    Run::from_output(cmd.output().expect("run"))
}

/// The rules of `previous_owners`, each an error at its line with what to do.
#[test]
fn previous_owners_is_validated_alone_and_against_the_set() {
    let dir = tempfile::tempdir().expect("temp dir");
    // `version`, `zone` and `owner` on lines 1 to 3, then `rest`, then no endpoints.
    let write = |name: &str, zone: &str, owner: &str, rest: &str| {
        let path = dir.path().join(name);
        let text = format!("version: 1\nzone: {zone}\nowner: {owner}\n{rest}endpoints: []\n");
        std::fs::write(&path, text).expect("write");
        path
    };
    let bad = write(
        "bad.yaml",
        "example.com",
        "ml",
        "previous_owners:\n  - ml\n  - ML Team\n  - old\n  - old\n",
    );
    let err = validate(&[&bad]).expect(1).stderr;
    for (line, needle) in [
        (5, "previous owner `ml` is this manifest's own `owner`"),
        (6, "previous owner `ML Team` is not valid"),
        (8, "previous owner `old` is listed twice"),
    ] {
        assert!(
            err.lines()
                .any(|l| l.contains(&format!("bad.yaml:{line}:")) && l.contains(needle)),
            "{line} {needle}: {err}"
        );
    }
    assert!(err.contains("help: write `ml-team`"), "{err}");

    let new = write(
        "new.yaml",
        "example.com",
        "ml",
        "previous_owners: [search]\n",
    );
    let search = write("search.yaml", "example.com", "search", "");
    let other_zone = write("other.yaml", "example.org", "search", "");
    let err = validate(&[&new, &search]).expect(1).stderr;
    assert!(
        err.contains("new.yaml:4:1: previous owner `search` is the owner of")
            && err.contains("search.yaml"),
        "{err}"
    );
    // Two manifests of the zone taking over the same previous owner would each delete what the
    // other takes over.
    let a = write("a.yaml", "example.com", "a", "previous_owners: [old]\n");
    let b = write("b.yaml", "example.com", "b", "previous_owners:\n  - old\n");
    let err = validate(&[&a, &b]).expect(1).stderr;
    assert!(
        err.contains("b.yaml:5:1: previous owner `old` is also listed by"),
        "{err}"
    );
    // The same owner in another zone is no rename of this one.
    validate(&[&new, &other_zone]).expect(0);
}

//! `edgeplan import` through the binary: its manifest validates (read back with the manifest
//! validator), a plan with it shows only ownership taken over (no target, proxied, TTL or note
//! change), and import, apply, plan is empty; on the example sandbox, on a generated zone of
//! 1,000 mixed records (underscore names, YAML-trap names, wildcards, the apex, tagged records,
//! other owners' records, notes at the comment limit and just over it), in a sandbox and against
//! the local Cloudflare. What is left out is listed by type and name only, never by content.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use crate::support::cloudflare::Plan;
use crate::support::harness::{Run, World, edgeplan, sandbox_copy, sandbox_records};

const ZONE: &str = "example.com";
/// The owner every generated import is for; its marker `edgeplan:ml | ` is 14 characters.
const OWNER: &str = "ml";
/// Content of records that must be left out: none of it may appear in the output.
const SECRET: &str = "leftoutsecret";

fn sandbox(dir: &Path, args: &[&str]) -> Run {
    let out = edgeplan()
        .args(args)
        .arg("--sandbox")
        .arg(dir)
        .output()
        .expect("run edgeplan");
    Run::from_output(out)
}

fn import_args(out: &Path) -> Vec<String> {
    ["import", "--zone", ZONE, "--owner", OWNER, "-o"]
        .iter()
        .map(|s| s.to_string())
        .chain([out.display().to_string()])
        .collect()
}

/// A note of exactly `len` characters with YAML's and the runner's traps in it.
fn note(i: usize, len: usize) -> String {
    let mut n = format!("n{i} \"q\" \\b # x: y ##[g] 模型 ");
    while n.chars().count() < len {
        n.push('z');
    }
    n.chars().take(len).collect()
}

/// A zone of `n` records (at least 40) in Cloudflare's record shape, every kind import meets.
fn generated_zone(n: usize) -> Vec<Value> {
    let fqdn = |label: &str| match label {
        "@" => ZONE.to_string(),
        l => format!("{l}.{ZONE}"),
    };
    let cname = |name: &str, target: &str, comment: Option<&str>| {
        json!({"type": "CNAME", "name": fqdn(name), "content": target, "proxied": true,
               "ttl": 1, "comment": comment})
    };
    let mut zone = vec![
        cname("@", "apex-origin.example.net", Some("the apex")),
        cname("*", "wild-origin.example.net", None),
        cname("true", "t.example.net", None),
        cname("123", "n.example.net", Some("123")),
        cname("yes", "y.example.net", Some("true")),
        cname("null", "nu.example.net", Some("~")),
        cname("on", "on.example.net", Some("@")),
        cname("1e3", "e.example.net", Some("*")),
        cname(
            "bell",
            &format!("{SECRET}-bell.example.net"),
            Some(&format!("{SECRET} \u{7}")),
        ),
        cname(
            "bidi",
            &format!("{SECRET}-bidi.example.net"),
            Some(&format!("{SECRET} \u{202e}")),
        ),
    ];
    let mut i = 0;
    while zone.len() < n {
        i += 1;
        let r = match i % 20 {
            0 => cname(&format!("svc-{i}"), &format!("o{i}.example.net"), None),
            // At the Free plan's limit with the marker (100), and one over it.
            1 => cname(
                &format!("at-limit-{i}"),
                &format!("o{i}.example.net"),
                Some(&note(i, 86)),
            ),
            2 => cname(
                &format!("over-limit-{i}"),
                &format!("{SECRET}{i}.example.net"),
                Some(&format!("{SECRET}{}", note(i, 80))),
            ),
            3 => cname(
                &format!("mine-{i}"),
                &format!("o{i}.example.net"),
                Some(&format!("edgeplan:ml | owned {i}")),
            ),
            4 => cname(
                &format!("mine-bare-{i}"),
                &format!("o{i}.example.net"),
                Some("edgeplan:ml"),
            ),
            5 => cname(
                &format!("theirs-{i}"),
                &format!("o{i}.example.net"),
                Some("edgeplan:search | not ours"),
            ),
            6 => cname(
                &format!("_acme-challenge.h{i}"),
                &format!("{SECRET}{i}.acme.example.net"),
                None,
            ),
            7 => cname(
                &format!("selector1._domainkey.m{i}"),
                &format!("{SECRET}{i}.dkim.example.net"),
                None,
            ),
            8 => cname(
                &format!("*.w{i}"),
                &format!("w{i}.example.net"),
                Some("wildcard"),
            ),
            9 => {
                let mut r = cname(
                    &format!("tagged-{i}"),
                    &format!("o{i}.example.net"),
                    Some("tagged"),
                );
                r["tags"] = json!(["team:ml", format!("n:{i}")]);
                r
            }
            10 => json!({"type": "CNAME", "name": fqdn(&format!("dns-only-{i}")),
                          "content": format!("o{i}.example.net"), "proxied": false, "ttl": 300}),
            11 => json!({"type": "CNAME", "name": fqdn(&format!("fast-{i}")),
                          "content": format!("{SECRET}{i}.example.net"), "proxied": false, "ttl": 30}),
            12 => json!({"type": "CNAME", "name": fqdn(&format!("dns-auto-{i}")),
                          "content": format!("o{i}.example.net"), "proxied": false, "ttl": 1}),
            13 => json!({"type": "A", "name": fqdn(&format!("a-{i}")),
                          "content": format!("192.0.2.{}", i % 250), "proxied": true, "ttl": 1}),
            14 => json!({"type": "TXT", "name": fqdn(&format!("_txt-{i}")),
                          "content": format!("\"{SECRET}\""), "ttl": 3600}),
            15 => json!({"type": "MX", "name": fqdn(&format!("mx-{i}")),
                          "content": "mail.example.net", "priority": 10, "ttl": 3600}),
            16 => json!({"type": "A", "name": fqdn(&format!("their-a-{i}")),
                          "content": "192.0.2.7", "proxied": false, "ttl": 300,
                          "comment": "edgeplan:search"}),
            17 => cname(
                &format!("ticket-{i}"),
                &format!("o{i}.example.net"),
                Some("edgeplan: see ticket 7"),
            ),
            18 => cname(
                &format!("intl-{i}"),
                &format!("o{i}.example.net"),
                Some("モデル | v2"),
            ),
            _ => cname(&format!("deep.a.b-{i}"), &format!("o{i}.example.net"), None),
        };
        zone.push(r);
    }
    for (k, r) in zone.iter_mut().enumerate() {
        r["id"] = json!(format!("{k:032x}"));
    }
    zone
}

fn write_sandbox(records: &[Value]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join(format!("{ZONE}.json")),
        serde_json::to_vec_pretty(records).expect("json"),
    )
    .expect("zone file");
    dir
}

/// `edgeplan import` over a sandbox holding `records`, refused (exit 1) with no file written.
fn import_refused(records: &[Value]) -> Run {
    let dir = write_sandbox(records);
    let out = dir.path().join("imported.yaml");
    let args = import_args(&out);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = sandbox(dir.path(), &args).expect(1);
    assert!(!out.exists(), "a refused import wrote {}", out.display());
    run
}

/// The manifest read back with the manifest validator; panics with its problems.
fn validated(path: &Path) -> edgeplan::plan::Desired {
    let text = std::fs::read(path).expect("imported manifest");
    // `load_bytes`: the same size limit as a manifest file, then the same validation.
    match edgeplan::manifest::load_bytes(path, &text) {
        Ok(d) => d,
        Err(problems) => panic!(
            "the imported manifest does not validate: {problems:?}\n{}",
            String::from_utf8_lossy(&text)
        ),
    }
}

/// Asserts that the plan JSON holds only adoptions: updates whose after is the before with the
/// marker added to the note; returns how many.
fn only_ownership_taken_over(plan_json: &str) -> usize {
    let plan: Value = serde_json::from_str(plan_json).expect("plan JSON");
    let mut n = 0;
    for zone in plan["zones"].as_array().expect("zones") {
        assert_eq!(zone["summary"]["create"], 0, "{zone}");
        assert_eq!(zone["summary"]["delete"], 0, "{zone}");
        for c in zone["changes"].as_array().expect("changes") {
            assert_eq!(c["action"], "update", "{c}");
            let (before, after) = (&c["before"], &c["after"]);
            for key in ["content", "proxied", "ttl"] {
                assert_eq!(before[key], after[key], "{key} changed: {c}");
            }
            let wanted = match before["comment"].as_str() {
                Some(note) => format!("edgeplan:{OWNER} | {note}"),
                None => format!("edgeplan:{OWNER}"),
            };
            assert_eq!(after["comment"], json!(wanted), "{c}");
            n += 1;
        }
    }
    n
}

/// Records by id: (name, type, content, proxied, ttl, tags), what import must leave as it is.
fn kept(records: &[Value]) -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = records
        .iter()
        .map(|r| {
            let tags = r.get("tags").cloned().unwrap_or(json!([]));
            (
                r["id"].as_str().unwrap_or_default().to_string(),
                json!([
                    r["name"],
                    r["type"],
                    r["content"],
                    r["proxied"],
                    r["ttl"],
                    tags
                ]),
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn import_of_a_generated_zone_validates_plans_only_adoptions_and_applies_to_an_empty_plan() {
    let records = generated_zone(1000);
    let dir = write_sandbox(&records);
    let out = dir.path().join("imported.yaml");
    let args = import_args(&out);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = sandbox(dir.path(), &args).expect(0);
    assert!(
        run.stdout.is_empty(),
        "the manifest went to the file: {}",
        run.stdout
    );
    let text = std::fs::read_to_string(&out).expect("manifest");
    let desired = validated(&out);
    let adopt_lines = text.lines().filter(|l| *l == "    adopt: true").count();
    assert_eq!(
        desired.endpoints.iter().filter(|e| e.adopt).count(),
        adopt_lines
    );
    assert!(desired.endpoints.len() > 500, "{}", desired.endpoints.len());

    // Every string quoted; the YAML traps are strings; apex first, then names bytewise.
    let names: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("  - name: "))
        .collect();
    assert!(names.iter().all(|n| n.starts_with('"') && n.ends_with('"')));
    assert_eq!(names[0], "\"@\"");
    assert!(
        names[1..]
            .windows(2)
            .all(|w| w[0].as_bytes() < w[1].as_bytes())
    );
    for trap in ["*", "true", "123", "yes", "null", "on", "1e3"] {
        assert!(
            names.contains(&format!("\"{trap}\"").as_str()),
            "{trap} missing"
        );
    }
    // Left out, by type and name with a reason; never their content.
    for line in [
        "#   CNAME _acme-challenge.h6.example.com: its name is not one a manifest accepts",
        "#   CNAME selector1._domainkey.m7.example.com: its name",
        "#   CNAME fast-11.example.com: its TTL",
        "#   CNAME over-limit-2.example.com: its note with the ownership marker would be 107 characters, over the zone's limit of 100",
        "#   CNAME bell.example.com: its note does not validate",
        "#   CNAME bidi.example.com: its note does not validate",
    ] {
        assert!(
            text.contains(line),
            "missing {line:?} in the trailing comment"
        );
    }
    assert!(
        !text.contains(SECRET) && !run.stderr.contains(SECRET),
        "content leaked:\n{text}"
    );
    let count = |f: &dyn Fn(&Value) -> bool| records.iter().filter(|r| f(r)).count();
    let theirs = count(&|r| {
        r["comment"]
            .as_str()
            .is_some_and(|c| c.starts_with("edgeplan:search"))
    });
    let of_type = |t: &str| count(&|r| r["type"] == t && r["comment"].is_null());
    let counts = format!(
        "\n# Not imported: {theirs} records of other owners; records of types edgeplan does not manage ({} A, {} MX, {} TXT).\n",
        of_type("A"),
        of_type("MX"),
        of_type("TXT")
    );
    assert!(text.ends_with(&counts), "{counts}");
    assert!(
        run.stderr.contains(&format!(
            "Imported {} CNAME records of example.com ({adopt_lines} to adopt)",
            desired.endpoints.len()
        )),
        "{}",
        run.stderr
    );

    let plan = sandbox(
        dir.path(),
        &[
            "plan",
            "--skip-health",
            "--format",
            "json",
            "-m",
            &out.display().to_string(),
        ],
    )
    .expect(0);
    assert_eq!(only_ownership_taken_over(&plan.stdout), adopt_lines);

    let before = kept(&sandbox_records(dir.path(), ZONE));
    sandbox(
        dir.path(),
        &[
            "apply",
            "--yes",
            "--skip-health",
            "-m",
            &out.display().to_string(),
        ],
    )
    .expect(0);
    sandbox(
        dir.path(),
        &[
            "plan",
            "--skip-health",
            "--detailed-exitcode",
            "-m",
            &out.display().to_string(),
        ],
    )
    .expect(0);
    // Targets, proxy status, TTLs and tags as they were; only comments changed.
    assert_eq!(kept(&sandbox_records(dir.path(), ZONE)), before);
}

#[test]
fn import_against_cloudflare_plans_only_adoptions_and_applies_to_an_empty_plan() {
    // Pro: record tags need a paid plan (a Free zone's quota of tags is 0).
    let w = World::new(Plan::Pro);
    for r in generated_zone(300) {
        w.by_hand(r);
    }
    let out = w.workspace().join("imported.yaml");
    let cf = |args: &[&str]| -> Run {
        let mut cmd: Command = edgeplan();
        cmd.args(args)
            .env("CLOUDFLARE_API_TOKEN", &w.token)
            .env("CLOUDFLARE_BASE_URL", w.cf.url())
            .env("EDGEPLAN_HTTP_TIMEOUT_MS", "5000")
            .env("EDGEPLAN_RETRY_BUDGET_MS", "8000");
        Run::from_output(cmd.output().expect("run edgeplan"))
    };
    let args = import_args(&out);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    cf(&args).expect(0);
    let adopted = validated(&out).endpoints.iter().filter(|e| e.adopt).count();
    let m = out.display().to_string();
    let plan = cf(&["plan", "--skip-health", "--format", "json", "-m", &m]).expect(0);
    assert_eq!(only_ownership_taken_over(&plan.stdout), adopted);
    assert!(adopted > 100);
    cf(&["apply", "--yes", "--skip-health", "-m", &m]).expect(0);
    cf(&["plan", "--skip-health", "--detailed-exitcode", "-m", &m]).expect(0);
}

#[test]
fn import_of_the_example_sandbox_plans_nothing_for_its_owner_and_leaves_other_owners_alone() {
    let dir = sandbox_copy();
    let m = dir.path().join("mine.yaml");
    let mine = ["import", "--zone", ZONE, "--owner", "ml-platform", "-o"];
    let run = sandbox(
        dir.path(),
        &[&mine[..], &[m.to_str().expect("utf-8")]].concat(),
    )
    .expect(0);
    assert!(
        run.stderr.starts_with("Sandbox, not Cloudflare"),
        "{}",
        run.stderr
    );
    assert_eq!(validated(&m).endpoints.len(), 3);
    let ms = m.display().to_string();
    sandbox(
        dir.path(),
        &["plan", "--skip-health", "--detailed-exitcode", "-m", &ms],
    )
    .expect(0);

    // To stdout, the same text; a new owner finds every CNAME owned by ml-platform.
    let printed = sandbox(
        dir.path(),
        &["import", "--zone", ZONE, "--owner", "ml-platform"],
    )
    .expect(0);
    assert_eq!(
        printed.stdout,
        std::fs::read_to_string(&m).expect("manifest")
    );
    let other = sandbox(dir.path(), &["import", "--zone", "Example.COM."]).expect(0);
    assert!(other.stdout.contains("endpoints: []"), "{}", other.stdout);
    assert!(
        other
            .stdout
            .contains("# Not imported: 3 records of other owners;"),
        "{}",
        other.stdout
    );
}

#[test]
fn import_refuses_when_the_owner_holds_records_a_manifest_cannot_hold_and_writes_nothing() {
    let records = vec![
        json!({"id": "1", "type": "CNAME", "name": "_acme-challenge.example.com",
               "content": "x.example.net", "comment": "edgeplan:ml"}),
        json!({"id": "2", "type": "TXT", "name": "owned-txt.example.com",
               "content": "\"hello\"", "comment": "edgeplan:ml | mine"}),
        json!({"id": "3", "type": "CNAME", "name": "fine.example.com",
               "content": "f.example.net", "proxied": true, "comment": "edgeplan:ml"}),
    ];
    let run = import_refused(&records);
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr.contains("error: 2 records that owner `ml` already holds in example.com cannot be written in a manifest, and a plan with the manifest would delete them: CNAME _acme-challenge.example.com (its name is not one a manifest accepts"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("TXT owned-txt.example.com (edgeplan manages CNAME records only)")
    );
}

#[test]
fn import_never_replaces_an_existing_file_without_force() {
    let dir = sandbox_copy();
    let out: PathBuf = dir.path().join("edgeplan.yaml");
    std::fs::write(&out, "keep me\n").expect("existing");
    let args = [
        "import",
        "--zone",
        ZONE,
        "--owner",
        "ml-platform",
        "-o",
        out.to_str().expect("utf-8"),
    ];
    let run = sandbox(dir.path(), &args).expect(64);
    assert!(
        run.stderr
            .contains("exists; import does not replace a file"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--force"));
    assert_eq!(std::fs::read_to_string(&out).expect("file"), "keep me\n");
    sandbox(dir.path(), &[&args[..], &["--force"]].concat()).expect(0);
    validated(&out);
    // No temporary file left beside it.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().all(|n| !n.contains("edgeplan-import")),
        "{names:?}"
    );
}

#[test]
fn import_shows_a_hostile_record_name_escaped_on_one_line_and_checks_its_flags() {
    let records = vec![json!({"id": "1", "type": "CNAME", "proxied": true,
        "name": "x\n::warning::pwned\u{1b}[31m.example.com", "content": format!("{SECRET}.example.net")})];
    let dir = write_sandbox(&records);
    let run = sandbox(dir.path(), &["import", "--zone", ZONE]).expect(0);
    let left: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("#   CNAME"))
        .collect();
    assert_eq!(left.len(), 1, "{}", run.stdout);
    assert!(
        left[0].starts_with("#   CNAME x\\u{a}\\u{3a}\\u{3a}warning"),
        "{}",
        left[0]
    );
    assert!(!run.stdout.contains(SECRET) && !run.stdout.contains('\u{1b}'));

    sandbox(dir.path(), &["import", "--zone", "https://example.com/"]).expect(64);
    sandbox(
        dir.path(),
        &["import", "--zone", ZONE, "--owner", "Bad Owner"],
    )
    .expect(64);
    let no_target = Run::from_output(
        edgeplan()
            .args(["import", "--zone", ZONE])
            .output()
            .expect("run"),
    );
    no_target.assert_code(64);
    assert!(
        no_target.stderr.contains("CLOUDFLARE_API_TOKEN") && no_target.stderr.contains("--sandbox")
    );
}

#[test]
fn import_refuses_a_manifest_over_the_size_limit_rather_than_write_one_that_does_not_validate() {
    let records: Vec<Value> = (0..6000)
        .map(|i| {
            json!({"id": format!("{i:032x}"), "type": "CNAME", "name": format!("svc-{i}.example.com"),
                   "content": format!("origin-{i}.models.example.net"), "proxied": true,
                   "comment": note(i, 80)})
        })
        .collect();
    let run = import_refused(&records);
    assert!(
        run.stderr
            .contains("error: the manifest for the 6000 CNAME records of example.com would be")
            && run
                .stderr
                .contains("over the 1024 KiB a manifest may hold; nothing was written"),
        "{}",
        run.stderr
    );
}

/// A manifest cut short may still validate, and a plan with it would delete what was left out:
/// an import whose standard output cannot be written (a full disk) fails and says so.
#[cfg(target_os = "linux")]
#[test]
fn import_to_a_full_disk_fails_and_says_the_output_is_incomplete() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        return;
    };
    let dir = sandbox_copy();
    let out = edgeplan()
        .args([
            "import",
            "--zone",
            ZONE,
            "--owner",
            "ml-platform",
            "--sandbox",
        ])
        .arg(dir.path())
        .stdout(full)
        .output()
        .expect("run edgeplan");
    let run = Run::from_output(out);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("could not write the manifest")
            && run.stderr.contains("incomplete")
            && !run.stderr.contains("Imported"),
        "{}",
        run.stderr
    );
}

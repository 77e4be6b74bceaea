//! The JSON Schema printed by `edgeplan schema` agrees with the validator: every valid manifest
//! passes it, several invalid ones fail it, and the committed copy editors fetch is current.

use std::path::Path;

use serde_json::Value;

/// The manifest as JSON data, read by edgeplan's own YAML loader (so the schema sees the values
/// typed exactly as `edgeplan validate` types them).
fn yaml(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).expect("read");
    edgeplan::manifest::to_json(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn corpus(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(name)
}

fn validator() -> jsonschema::Validator {
    jsonschema::draft202012::new(&edgeplan::manifest::schema())
        .expect("a valid draft 2020-12 schema")
}

#[test]
fn every_valid_example_validates_against_the_schema() {
    let v = validator();
    let mut paths: Vec<_> = std::fs::read_dir(corpus("valid"))
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .collect();
    paths.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/edgeplan.yaml"));
    assert!(paths.len() >= 4);
    for path in paths {
        let doc = yaml(&path);
        let errors: Vec<String> = v.iter_errors(&doc).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{}: {errors:?}", path.display());
    }
}

#[test]
fn invalid_manifests_fail_the_schema() {
    let v = validator();
    for name in [
        "unknown_key_top",
        "unknown_key_defaults",
        "unknown_key_endpoint",
        "wrong_type_proxied_quoted",
        "wrong_type_endpoints_mapping",
        "missing_zone",
        "missing_target",
        "version_2",
        "ttl_too_high",
        "owner_uppercase",
        "zone_id_bad",
        "target_url",
        "target_port",
        "health_not_a_path",
        "comment_newline",
        "previous_owners_uppercase",
        "previous_owners_twice",
    ] {
        let doc = yaml(&corpus(&format!("invalid/{name}.yaml")));
        assert!(!v.is_valid(&doc), "{name} passed the schema");
    }
}

#[test]
fn the_committed_schema_file_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/manifest.schema.json");
    let committed: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
    assert_eq!(
        committed,
        edgeplan::manifest::schema(),
        "docs/manifest.schema.json is stale: run `cargo run -- schema > docs/manifest.schema.json`"
    );
}

//! The Action's inputs are named in three places that must agree: `action.yml` (what a workflow
//! may set, and the variable each input is mapped to), the table [`ALL`] (through which the
//! binary reads those variables) and docs/action.md's inputs table (what users read). Each input
//! is in all three, with the same variable, and none is extra; an input only `action.yml` uses
//! (`version`) says why in the table.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use super::*;

const ACTION_YML: &str = include_str!("../../action.yml");
const ACTION_MD: &str = include_str!("../../docs/action.md");

/// One input as `action.yml` declares it.
#[derive(Debug)]
struct Declared {
    name: String,
    default: String,
}

/// The `inputs:` of `action.yml`, in order, with their defaults (unquoted).
fn declared() -> Vec<Declared> {
    let mut inputs: Vec<Declared> = Vec::new();
    let block = ACTION_YML
        .lines()
        .skip_while(|l| *l != "inputs:")
        .skip(1)
        .take_while(|l| l.is_empty() || l.starts_with(' '));
    for line in block {
        if let Some(name) = line.strip_prefix("  ").and_then(|l| l.strip_suffix(':'))
            && !name.starts_with(' ')
        {
            inputs.push(Declared {
                name: name.to_string(),
                default: String::new(),
            });
        } else if let Some(default) = line.strip_prefix("    default: ")
            && let Some(last) = inputs.last_mut()
        {
            last.default = default.trim_matches('"').to_string();
        }
    }
    inputs
}

/// Each `VAR: ${{ inputs.NAME }}` of `action.yml`'s steps: (input name, variable, step id).
fn mappings() -> Vec<(String, String, String)> {
    let mut step = String::new();
    let mut found = Vec::new();
    for line in ACTION_YML.lines().map(str::trim) {
        if let Some(id) = line.strip_prefix("- id: ") {
            step = id.to_string();
        } else if let Some((var, value)) = line.split_once(": ")
            && let Some(name) = value
                .strip_prefix("${{ inputs.")
                .and_then(|v| v.strip_suffix(" }}"))
        {
            found.push((name.to_string(), var.to_string(), step.clone()));
        }
    }
    found
}

/// docs/action.md's inputs table: (input, default, variable), each as written, without the
/// backticks of a code span.
fn documented() -> Vec<(String, String, String)> {
    let code = |cell: &str| {
        let cell = cell.trim();
        match cell.strip_prefix('`').and_then(|c| c.split_once('`')) {
            Some((inner, _)) => inner.to_string(),
            None => cell.to_string(),
        }
    };
    ACTION_MD
        .lines()
        .skip_while(|l| *l != "## Inputs")
        .skip_while(|l| !l.starts_with("| input |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|row| {
            let cells: Vec<&str> = row.split(" | ").collect();
            let name = code(cells[0].trim_start_matches('|'));
            (name, code(cells[1]), code(cells[2]))
        })
        .collect()
}

/// The variables `read` asks for, set or not.
fn asked(read: impl FnOnce(&dyn Fn(&str) -> Option<String>)) -> BTreeSet<String> {
    asked_in(&[], read)
}

/// [`asked`] with the variables of `env` set, so that reads which depend on a value are seen.
fn asked_in(
    env: &[(&str, &str)],
    read: impl FnOnce(&dyn Fn(&str) -> Option<String>),
) -> BTreeSet<String> {
    let names = RefCell::new(BTreeSet::new());
    read(&|name: &str| {
        names.borrow_mut().insert(name.to_string());
        (env.iter())
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    });
    names.into_inner()
}

fn vars_read_by(read_by: fn(&ReadBy) -> bool) -> BTreeSet<String> {
    ALL.iter()
        .filter(|i| read_by(&i.read_by))
        .map(|i| i.var.to_string())
        .collect()
}

#[test]
fn action_yml_declares_exactly_the_inputs_of_the_table_in_its_order() {
    let names: Vec<String> = declared().into_iter().map(|d| d.name).collect();
    let table: Vec<&str> = ALL.iter().map(|i| i.name).collect();
    assert_eq!(names, table);
}

#[test]
fn action_yml_maps_each_input_once_to_the_variable_the_table_names() {
    let mut seen = BTreeMap::new();
    for (name, var, step) in mappings() {
        let input = ALL
            .iter()
            .find(|i| i.name == name)
            .unwrap_or_else(|| panic!("action.yml maps `{name}`, which is not in the table"));
        assert_eq!(var, input.var, "the variable of `{name}`");
        // The binary runs in the step `run`; an input only `action.yml` uses goes elsewhere.
        let in_binary = !matches!(input.read_by, ReadBy::ActionYml { .. });
        assert_eq!(
            step == "run",
            in_binary,
            "`{name}` is mapped in step `{step}`"
        );
        assert!(seen.insert(name.clone(), var).is_none(), "`{name}` twice");
    }
    let table: BTreeSet<&str> = ALL.iter().map(|i| i.name).collect();
    let mapped: BTreeSet<&str> = seen.keys().map(String::as_str).collect();
    assert_eq!(mapped, table, "every input reaches its reader");
    for input in ALL {
        if let ReadBy::ActionYml { reason } = input.read_by {
            assert!(!reason.is_empty(), "`{}` says why", input.name);
        }
    }
}

#[test]
fn docs_list_each_input_once_with_its_variable_and_action_yml_default() {
    let docs = documented();
    let names: BTreeSet<&str> = docs.iter().map(|(name, _, _)| name.as_str()).collect();
    assert_eq!(names.len(), docs.len(), "an input listed twice: {docs:?}");
    let table: BTreeSet<&str> = ALL.iter().map(|i| i.name).collect();
    assert_eq!(names, table);
    let declared = declared();
    for (name, default, var) in &docs {
        let input = ALL.iter().find(|i| i.name == name).expect("in the table");
        assert_eq!(var, input.var, "docs/action.md's variable of `{name}`");
        let yml = declared.iter().find(|d| d.name == *name).expect("declared");
        let default = if default == "empty" { "" } else { default };
        assert_eq!(default, yml.default, "docs/action.md's default of `{name}`");
    }
}

/// The binary reads, of the variables `action.yml` sets, exactly those the table says it reads:
/// [`Inputs::from_vars`] (also inside [`super::super::event::Context::from_vars`]) the
/// `INPUT_*` ones, `run::Settings` the tokens; neither reads a variable only `action.yml` uses,
/// and no variable is read by both.
#[test]
fn the_binary_reads_the_variables_of_the_table_and_no_other_input() {
    let inputs = asked(|get| {
        let _ = Inputs::from_vars(get);
    });
    assert_eq!(inputs, vars_read_by(|r| *r == ReadBy::Inputs));
    let context = asked(|get| {
        let _ = super::super::event::Context::from_vars(get, None);
    });
    let settings = asked(|get| {
        let _ = crate::run::Settings::from_vars(get);
    });
    let tokens = vars_read_by(|r| *r == ReadBy::Settings);
    assert!(settings.is_superset(&tokens), "{settings:?}");
    let own = vars_read_by(|r| matches!(r, ReadBy::ActionYml { .. }));
    for var in context.iter().chain(&settings) {
        assert!(!own.contains(var), "{var} is action.yml's own");
        if var.starts_with("INPUT_") {
            assert!(inputs.contains(var), "{var} is read outside the table");
        }
    }
    assert!(context.is_superset(&inputs), "{context:?}");
    // Configuration at the edge: each variable has one reader, the context or the settings, in
    // an empty environment and in one set as a runner sets it.
    let runner = [
        ("GITHUB_ACTIONS", "true"),
        ("CI", "true"),
        ("GITHUB_WORKSPACE", "/w"),
        ("GITHUB_EVENT_NAME", "pull_request"),
        ("GITHUB_REF", "refs/pull/2/merge"),
        ("GITHUB_REPOSITORY", "o/r"),
        ("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567"),
        ("GITHUB_API_URL", "https://api.github.com"),
        ("GITHUB_SERVER_URL", "https://github.com"),
        ("GITHUB_RUN_ID", "1"),
        ("GITHUB_OUTPUT", "/o"),
        ("GITHUB_STEP_SUMMARY", "/s"),
        ("RUNNER_TEMP", "/t"),
    ];
    for env in [&[][..], &runner[..]] {
        let context = asked_in(env, |get| {
            let _ = super::super::event::Context::from_vars(get, None);
        });
        let settings = asked_in(env, |get| {
            let _ = crate::run::Settings::from_vars(get);
        });
        let both: Vec<_> = context.intersection(&settings).collect();
        assert!(
            both.is_empty(),
            "read by both the context and the settings: {both:?}"
        );
    }
}

/// No code but the table names an `INPUT_*` variable, so no input can be read around it.
#[test]
fn no_input_variable_is_named_outside_the_table() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = vec![src];
    let mut offenders = Vec::new();
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(
                std::fs::read_dir(&path)
                    .expect("src")
                    .flatten()
                    .map(|e| e.path()),
            );
            continue;
        }
        let name = path.to_string_lossy().replace('\\', "/");
        if !name.ends_with(".rs")
            || name.ends_with("tests.rs")
            || name.ends_with("/github/inputs.rs")
        {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read");
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        if code.contains("\"INPUT_") {
            offenders.push(name);
        }
    }
    assert!(offenders.is_empty(), "{offenders:?}");
}

/// `action.yml`'s defaults are the binary's: every input set to its declared default parses as
/// every input left empty, but for `public-check-timeout`, whose default is the public check's
/// own bound.
#[test]
fn action_yml_defaults_parse_as_the_binary_defaults() {
    let declared = declared();
    let defaults = Inputs::from_vars(|var| {
        let input = ALL.iter().find(|i| i.var == var)?;
        let d = declared.iter().find(|d| d.name == input.name)?;
        Some(d.default.clone()).filter(|v| !v.is_empty())
    })
    .expect("the defaults parse");
    let empty = Inputs::from_vars(|_| None).expect("empty parses");
    assert_eq!(empty, Inputs::default());
    assert_eq!(
        defaults.public_check_timeout,
        Some(crate::health::public::DEFAULT_TOTAL)
    );
    assert_eq!(empty.public_check_timeout, None);
    let defaults = Inputs {
        public_check_timeout: None,
        ..defaults
    };
    assert_eq!(defaults, empty);
}

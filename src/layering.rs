//! The module graph stays a ladder: each top-level module of `src/` names (in `use`, paths or
//! doc links) only modules below it, so there is no import circle, and the pure core (`plan`)
//! names no other module at all. Read from the source text, so it holds for every build.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Every top-level module and the top-level modules its non-test code names as `crate::x`.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut modules = BTreeSet::new();
    for entry in std::fs::read_dir(&src).expect("src").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let name = name.strip_suffix(".rs").unwrap_or(&name).to_string();
        if !matches!(name.as_str(), "lib" | "main") {
            modules.insert(name);
        }
    }
    let mut graph = BTreeMap::new();
    for module in &modules {
        let mut uses = BTreeSet::new();
        let file = src.join(format!("{module}.rs"));
        let dir = src.join(module);
        let mut files = Vec::new();
        if file.is_file() {
            files.push(file);
        }
        collect(&dir, &mut files);
        for path in files {
            let text = std::fs::read_to_string(&path).expect("read");
            for name in named_modules(production_part(&text)) {
                if &name != module && modules.contains(&name) {
                    uses.insert(name);
                }
            }
        }
        graph.insert(module.clone(), uses);
    }
    graph
}

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        // Test modules may reach anywhere.
        let name = name.to_string_lossy();
        if name == "tests" || name.ends_with("tests.rs") || name == "test_support.rs" {
            continue;
        }
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The text before an inline `#[cfg(test)] mod tests {`.
fn production_part(text: &str) -> &str {
    match text.find("#[cfg(test)]\nmod tests {") {
        Some(i) => &text[..i],
        None => text,
    }
}

fn named_modules(text: &str) -> BTreeSet<String> {
    text.match_indices("crate::")
        .map(|(i, m)| {
            text[i + m.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect()
        })
        .collect()
}

/// The modules `from` reaches by following imports.
fn reach(graph: &BTreeMap<String, BTreeSet<String>>, from: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![from.to_string()];
    while let Some(m) = todo.pop() {
        for next in graph.get(&m).into_iter().flatten() {
            if seen.insert(next.clone()) {
                todo.push(next.clone());
            }
        }
    }
    seen
}

#[test]
fn no_module_reaches_itself() {
    let graph = graph();
    assert!(graph.len() > 5, "modules found: {graph:?}");
    let circles: Vec<String> = graph
        .keys()
        .filter(|m| reach(&graph, m).contains(*m))
        .cloned()
        .collect();
    assert!(
        circles.is_empty(),
        "import circles through {circles:?}: {graph:#?}"
    );
}

#[test]
fn the_core_names_nothing_above_it() {
    let graph = graph();
    assert_eq!(
        graph["plan"],
        BTreeSet::new(),
        "plan is pure and at the bottom"
    );
    for lower in ["plan", "manifest", "health", "render", "apply", "provider"] {
        let up = &graph[lower];
        for upper in ["run", "cli", "github"] {
            assert!(!up.contains(upper), "{lower} names {upper}: {up:?}");
        }
    }
}

#[test]
fn the_check_sees_an_import() {
    assert_eq!(
        named_modules("use crate::plan::{Desired};\n/// [`crate::render::json`]"),
        BTreeSet::from(["plan".to_string(), "render".to_string()])
    );
    let graph = BTreeMap::from([
        ("a".to_string(), BTreeSet::from(["b".to_string()])),
        ("b".to_string(), BTreeSet::from(["a".to_string()])),
    ]);
    assert!(reach(&graph, "a").contains("a"));
}

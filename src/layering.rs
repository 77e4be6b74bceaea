//! The module graph stays a ladder, and ARCHITECTURE.md says where each rung is.
//!
//! Two checks read the source text, so they hold for every build:
//!
//! - Each top-level module of `src/` names (in `use`, paths or doc links) only what its row of
//!   ARCHITECTURE.md's module table allows in the "may name" column: `nothing`, `everything`, or
//!   a list of modules (`plan`) and submodules (`render::inert`, which allows that file and
//!   nothing else of `render`). The table is read from the file itself, so the doc and the test
//!   cannot drift, and every module must have a row.
//! - No file reaches itself through the files its code names (comments left out): a file that
//!   uses another which uses it back, however far round, is a circle even inside one module. A
//!   file and the files of the modules that contain it (`render/mod.rs` for `render/text.rs`)
//!   are one facade and are not counted: the parent declares and re-exports its children, the
//!   children use what the parent defines. There is no list of circles allowed: none is left.
//!
//! Test code (`tests` folders, `*tests.rs`, `test_support.rs` and the inline `#[cfg(test)] mod`
//! at a file's end) may reach anywhere and is not read.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The document whose module table the code must follow.
const ARCHITECTURE: &str = include_str!("../ARCHITECTURE.md");

/// A module path inside the crate, `["render", "markdown"]` for `crate::render::markdown`.
type ModPath = Vec<String>;

/// One source file of shipped code: its module path and the paths its text names, resolved from
/// the crate root.
#[derive(Debug)]
struct File {
    path: PathBuf,
    module: ModPath,
    /// Everything named, doc links included: what the module table rules.
    names: BTreeSet<ModPath>,
    /// What the code names, comments left out: what makes a circle of files.
    uses: BTreeSet<ModPath>,
}

/// What a row's "may name" column allows.
#[derive(Debug, Clone, PartialEq)]
enum Allowed {
    Everything,
    /// Modules or submodules: a path is allowed when one of these is its prefix.
    Only(Vec<ModPath>),
}

fn split(path: &str) -> ModPath {
    path.split("::").map(str::to_string).collect()
}

/// Every file of shipped code under `src/` (not `lib.rs`, `main.rs` or this test).
fn files() -> Vec<File> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut paths = Vec::new();
    collect(&src, &mut paths);
    paths
        .into_iter()
        .filter_map(|path| {
            let relative = path.strip_prefix(&src).ok()?.with_extension("");
            let mut module: ModPath = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if module.last().is_some_and(|m| m == "mod") {
                module.pop();
            }
            if matches!(module.as_slice(), [m] if m == "lib" || m == "main" || m == "layering") {
                return None;
            }
            let text = std::fs::read_to_string(&path).expect("read a source file");
            let text = production_part(&text);
            let names = named_paths(&module, text);
            let uses = named_paths(&module, &without_comments(text));
            Some(File {
                path,
                module,
                names,
                uses,
            })
        })
        .collect()
}

pub(super) fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("list a source folder")
        .flatten()
        .collect();
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        // Test modules may reach anywhere.
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

/// The text before an inline test module at the end of a file (`#[cfg(test)]` and `mod x {`).
pub(super) fn production_part(text: &str) -> &str {
    let mut from = 0;
    while let Some(at) = text[from..].find("#[cfg(test)]\nmod ") {
        let at = from + at;
        let line = text[at..].lines().nth(1).unwrap_or_default();
        if line.trim_end().ends_with('{') {
            return &text[..at];
        }
        from = at + 1;
    }
    text
}

/// `text` with each `//` comment cut from its line.
fn without_comments(text: &str) -> String {
    text.lines()
        .map(|line| line.find("//").map_or(line, |at| &line[..at]))
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The paths `text`, the source of `module`, names through `crate::`, `super::`, `self::` or one
/// of its own submodules (`mod x;`), with `use` groups (`a::{b, c::d}`) spread out.
fn named_paths(module: &[String], text: &str) -> BTreeSet<ModPath> {
    let children: BTreeSet<&str> = text
        .lines()
        .filter_map(|line| {
            let line = line.trim();
            let line = line.strip_prefix("pub ").unwrap_or(line);
            let line = line.strip_prefix("pub(crate) ").unwrap_or(line);
            line.strip_prefix("mod ")?.strip_suffix(';')
        })
        .collect();
    let mut found = BTreeSet::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let starts =
            is_ident(chars[i]) && (i == 0 || !(is_ident(chars[i - 1]) || chars[i - 1] == ':'));
        if !starts {
            i += 1;
            continue;
        }
        let word: String = chars[i..].iter().take_while(|c| is_ident(**c)).collect();
        let after = i + word.chars().count();
        i = after;
        if chars.get(after) != Some(&':') || chars.get(after + 1) != Some(&':') {
            continue;
        }
        let base: ModPath = match word.as_str() {
            "crate" => Vec::new(),
            "super" => module[..module.len().saturating_sub(1)].to_vec(),
            "self" => module.to_vec(),
            w if children.contains(w) => [module, &[w.to_string()]].concat(),
            _ => continue,
        };
        i = tree(&chars, after + 2, base, &mut found);
    }
    found
}

/// Reads a use tree (`a::b`, `a::{b, c::{d}}`, `a::*`) at `at`, adding each full path to
/// `found`; returns where it ended.
fn tree(chars: &[char], mut at: usize, mut path: ModPath, found: &mut BTreeSet<ModPath>) -> usize {
    loop {
        while chars.get(at).is_some_and(|c| c.is_whitespace()) {
            at += 1;
        }
        match chars.get(at) {
            Some('{') => {
                at += 1;
                loop {
                    at = tree(chars, at, path.clone(), found);
                    while chars
                        .get(at)
                        .is_some_and(|c| c.is_whitespace() || *c == ',')
                    {
                        at += 1;
                    }
                    match chars.get(at) {
                        Some('}') => return at + 1,
                        None => return at,
                        _ => {}
                    }
                }
            }
            Some(c) if is_ident(*c) => {
                let word: String = chars[at..].iter().take_while(|c| is_ident(**c)).collect();
                at += word.chars().count();
                match word.as_str() {
                    "self" => {}
                    "super" => {
                        path.pop();
                    }
                    _ => path.push(word),
                }
                if chars.get(at) == Some(&':') && chars.get(at + 1) == Some(&':') {
                    at += 2;
                    continue;
                }
                found.insert(path);
                return at;
            }
            _ => {
                found.insert(path);
                return at;
            }
        }
    }
}

/// The rows of ARCHITECTURE.md's module table: each module and what it may name.
fn table(doc: &str) -> BTreeMap<String, Allowed> {
    let mut lines = doc
        .lines()
        .skip_while(|l| !l.starts_with("| module | owns | may name |"));
    assert!(
        lines.next().is_some(),
        "ARCHITECTURE.md has no module table"
    );
    let mut rows = BTreeMap::new();
    for line in lines.skip(1).take_while(|l| l.starts_with('|')) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let [_, modules, _, may_name, _] = cells.as_slice() else {
            panic!("a row of the module table has other than three columns: {line}");
        };
        let allowed = match *may_name {
            "nothing" => Allowed::Only(Vec::new()),
            "everything" => Allowed::Everything,
            text => {
                let paths: Vec<ModPath> = quoted(text).map(split).collect();
                assert!(!paths.is_empty(), "a row names nothing it may name: {line}");
                Allowed::Only(paths)
            }
        };
        let modules: Vec<&str> = quoted(modules).collect();
        assert!(!modules.is_empty(), "a row names no module: {line}");
        for module in modules {
            let again = rows.insert(module.to_string(), allowed.clone());
            assert!(again.is_none(), "two rows for {module}");
        }
    }
    rows
}

/// The `code spans` of a cell.
fn quoted(text: &str) -> impl Iterator<Item = &str> {
    text.split('`').skip(1).step_by(2)
}

/// Each name a top-level module's files make that its row does not allow, as
/// `src/x.rs: names a::b`.
fn violations(files: &[File], rows: &BTreeMap<String, Allowed>) -> Vec<String> {
    let tops: BTreeSet<&str> = files.iter().map(|f| f.module[0].as_str()).collect();
    let mut found = Vec::new();
    for file in files {
        let own = &file.module[0];
        let allowed = rows.get(own);
        for name in &file.names {
            let Some(top) = name.first() else { continue };
            if top == own || !tops.contains(top.as_str()) {
                continue;
            }
            let ok = match allowed {
                Some(Allowed::Everything) => true,
                Some(Allowed::Only(paths)) => paths.iter().any(|p| name.starts_with(p)),
                None => false,
            };
            if !ok {
                found.push(format!(
                    "{}: names {}",
                    file.path.display(),
                    name.join("::")
                ));
            }
        }
    }
    found
}

/// Which file each file names: the longest module path of a file that begins the name.
fn file_graph(files: &[File]) -> BTreeMap<ModPath, BTreeSet<ModPath>> {
    let known: BTreeSet<&ModPath> = files.iter().map(|f| &f.module).collect();
    files
        .iter()
        .map(|file| {
            let targets = file
                .uses
                .iter()
                .filter_map(|name| {
                    (1..=name.len())
                        .rev()
                        .map(|n| name[..n].to_vec())
                        .find(|prefix| known.contains(prefix))
                })
                // A file and its ancestors are one facade: the parent declares and re-exports
                // its children, the children use what the parent defines.
                .filter(|target| {
                    !file.module.starts_with(target) && !target.starts_with(&file.module)
                })
                .collect();
            (file.module.clone(), targets)
        })
        .collect()
}

/// A shortest way from `from` back to itself, if there is one.
fn circle(graph: &BTreeMap<ModPath, BTreeSet<ModPath>>, from: &ModPath) -> Option<Vec<ModPath>> {
    let mut came_from: BTreeMap<&ModPath, &ModPath> = BTreeMap::new();
    let mut todo = std::collections::VecDeque::from([from]);
    while let Some(m) = todo.pop_front() {
        for next in graph.get(m).into_iter().flatten() {
            if next == from {
                let mut way = vec![from.clone()];
                let mut at = m;
                while at != from {
                    way.push(at.clone());
                    at = came_from[at];
                }
                way.push(from.clone());
                way.reverse();
                return Some(way);
            }
            if !came_from.contains_key(next) {
                came_from.insert(next, m);
                todo.push_back(next);
            }
        }
    }
    None
}

#[test]
fn every_module_has_one_row_in_the_table() {
    let rows = table(ARCHITECTURE);
    let tops: BTreeSet<String> = files().into_iter().map(|f| f.module[0].clone()).collect();
    assert!(tops.len() > 5, "modules found: {tops:?}");
    let documented: BTreeSet<String> = rows.keys().cloned().collect();
    assert_eq!(
        tops, documented,
        "the modules of src/ and the rows of ARCHITECTURE.md's module table"
    );
    for (module, allowed) in &rows {
        if let Allowed::Only(paths) = allowed {
            for path in paths {
                assert!(
                    tops.contains(&path[0]),
                    "{module}'s row may name `{}`, which is no module",
                    path.join("::")
                );
            }
        }
    }
}

#[test]
fn each_module_names_only_what_its_row_allows() {
    let found = violations(&files(), &table(ARCHITECTURE));
    assert!(
        found.is_empty(),
        "names that ARCHITECTURE.md's module table does not allow:\n{}",
        found.join("\n")
    );
}

#[test]
fn no_file_reaches_itself() {
    let graph = file_graph(&files());
    assert!(graph.len() > 50, "files found: {}", graph.len());
    let circles: BTreeSet<String> = graph
        .keys()
        .filter_map(|m| circle(&graph, m))
        .map(|way| {
            let names: Vec<String> = way.iter().map(|m| m.join("::")).collect();
            names.join(" -> ")
        })
        .collect();
    assert!(
        circles.is_empty(),
        "files that reach themselves:\n{}",
        circles.into_iter().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn the_check_reads_every_kind_of_path() {
    let module = split("render::markdown");
    let text = "use crate::plan::{self, Desired, verdict::{Counts, edits}};\n\
                use super::escape::*;\n/// [`crate::render::json`]\n\
                fn f() { self::helper(); $crate::output::x; std::crate::no; }\n";
    let names: BTreeSet<String> = named_paths(&module, text)
        .into_iter()
        .map(|p| p.join("::"))
        .collect();
    assert_eq!(
        names,
        BTreeSet::from(
            [
                "plan",
                "plan::Desired",
                "plan::verdict::Counts",
                "plan::verdict::edits",
                "render::escape",
                "render::json",
                "render::markdown::helper",
                "output::x",
            ]
            .map(String::from)
        )
    );
    // A `mod.rs` names its own submodules without a prefix.
    let names = named_paths(
        &split("run"),
        "mod action;\npub use action::run;\nuse actions::x;",
    );
    assert_eq!(names, BTreeSet::from([split("run::action::run")]));
}

#[test]
fn the_check_reads_the_table_and_finds_what_it_forbids() {
    let doc = "intro\n\n| module | owns | may name |\n| --- | --- | --- |\n\
               | `plan` | the core | nothing |\n\
               | `a`, `b` | two | `plan`, `render::inert` (for words) |\n\
               | `run` | all | everything |\n\nafter\n";
    let rows = table(doc);
    assert_eq!(rows["plan"], Allowed::Only(Vec::new()));
    assert_eq!(
        rows["b"],
        Allowed::Only(vec![split("plan"), split("render::inert")])
    );
    assert_eq!(rows["run"], Allowed::Everything);
    let file = |module: &str, names: &[&str]| File {
        path: PathBuf::from(module),
        module: split(module),
        names: names.iter().map(|n| split(n)).collect(),
        uses: names.iter().map(|n| split(n)).collect(),
    };
    let files = [
        file(
            "a::x",
            &["plan::Desired", "render::inert::inert", "render::markdown"],
        ),
        file("plan", &["a::x"]),
        file("render::inert", &[]),
        file("render::markdown", &[]),
    ];
    assert_eq!(
        violations(&files, &rows),
        ["a::x: names render::markdown", "plan: names a::x"]
    );
    let graph = file_graph(&files);
    assert_eq!(
        circle(&graph, &split("plan")),
        Some(vec![split("plan"), split("a::x"), split("plan")])
    );
    assert_eq!(circle(&graph, &split("render::inert")), None);
}

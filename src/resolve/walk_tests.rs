//! The walker over in-memory trees: a path -> kind table stands for a directory or a commit.

use super::*;

/// A tree from `(path, kind)` rows; directories on the way are implied.
fn tree(rows: &[(&str, EntryKind)]) -> BTreeMap<String, Vec<DirEntry>> {
    let mut dirs: BTreeMap<String, Vec<DirEntry>> = BTreeMap::new();
    let mut seen = BTreeSet::new();
    dirs.entry(String::new()).or_default();
    for (path, kind) in rows {
        let parts: Vec<&str> = path.split('/').collect();
        for i in 0..parts.len() {
            let parent = parts[..i].join("/");
            let kind = if i + 1 == parts.len() {
                *kind
            } else {
                EntryKind::Dir
            };
            if seen.insert(parts[..=i].join("/")) {
                dirs.entry(parent)
                    .or_default()
                    .push(DirEntry::new(parts[i], kind));
            }
        }
    }
    dirs
}

fn run(rows: &[(&str, EntryKind)], value: &str, side: Side) -> NamedPaths {
    let dirs = tree(rows);
    let wanted = Wanted::parse(value).expect(value);
    let mut calls = 0;
    let out = walk(&wanted, side, |dir| {
        calls += 1;
        Ok(dirs.get(dir).cloned().unwrap_or_default())
    });
    assert!(
        calls <= dirs.len() + wanted.literal.len(),
        "each directory listed once"
    );
    out
}

fn paths(out: &NamedPaths) -> Vec<&str> {
    out.files.iter().map(String::as_str).collect()
}

fn refused(out: &NamedPaths) -> Vec<&str> {
    out.refused.iter().map(|r| r.path.as_str()).collect()
}

/// The walk's first notice names `link` as a symbolic link it did not search through.
fn assert_names_link(out: &NamedPaths, link: &str) {
    assert!(
        out.notices[0].starts_with(&format!("`{link}` is a symbolic link")),
        "{out:?}"
    );
}

use EntryKind::*;

#[test]
fn star_stays_in_its_directory_and_doublestar_crosses_them() {
    let rows = [
        ("dns/b.yaml", File),
        ("dns/a.yaml", File),
        ("dns/deep/c.yaml", File),
        ("dns/deep/notes.txt", File),
        ("edgeplan.yaml", File),
    ];
    assert_eq!(
        paths(&run(&rows, "dns/*.yaml", Side::Api)),
        ["dns/a.yaml", "dns/b.yaml"]
    );
    assert_eq!(
        paths(&run(&rows, "dns/**/*.yaml", Side::Disk)),
        ["dns/a.yaml", "dns/b.yaml", "dns/deep/c.yaml"]
    );
    assert_eq!(
        paths(&run(&rows, "**/c.yaml", Side::Disk)),
        ["dns/deep/c.yaml"]
    );
    assert_eq!(paths(&run(&rows, "dns/**", Side::Disk)).len(), 4);
    assert!(run(&rows, "*.yml", Side::Disk).is_empty());
}

#[test]
fn sorting_is_bytewise_on_the_joined_path() {
    let rows = [
        ("dns/b.yaml", File),
        ("dns/B.yaml", File),
        ("dns/a-b/x.yaml", File),
        ("dns/a.yaml", File),
        ("dns/a/x.yaml", File),
    ];
    assert_eq!(
        paths(&run(&rows, "dns/**/*.yaml", Side::Api)),
        [
            "dns/B.yaml",
            "dns/a-b/x.yaml",
            "dns/a.yaml",
            "dns/a/x.yaml",
            "dns/b.yaml"
        ]
    );
}

#[test]
fn a_pattern_refuses_a_link_it_matches_and_names_one_it_does_not_enter() {
    let rows = [
        ("dns/a.yaml", File),
        ("dns/team", Link),
        ("dns/l.yaml", Link),
        ("dns/fifo.yaml", Other),
    ];
    for side in [Side::Disk, Side::Api] {
        let out = run(&rows, "dns/**/*.yaml", side);
        assert_eq!(paths(&out), ["dns/a.yaml"]);
        assert_eq!(refused(&out), ["dns/fifo.yaml", "dns/l.yaml"]);
        assert!(out.refused[1].message.contains("symbolic link"), "{out:?}");
        assert_eq!(out.notices.len(), 1, "{out:?}");
        assert_names_link(&out, "dns/team");
    }
}

#[test]
fn a_file_named_like_the_pattern_does_not_switch_it_off() {
    let rows = [("dns/*.yaml", File), ("dns/a.yaml", File)];
    assert_eq!(
        paths(&run(&rows, "dns/*.yaml", Side::Disk)),
        ["dns/*.yaml", "dns/a.yaml"]
    );
    assert_eq!(
        paths(&run(&rows, "dns/[*].yaml", Side::Disk)),
        ["dns/*.yaml"]
    );
}

#[test]
fn git_and_submodules_are_never_searched() {
    let rows = [
        (".git/x.yaml", File),
        ("vendored", Submodule),
        ("a/.git", File),
        ("a/b.yaml", File),
    ];
    let out = run(&rows, "**/*.yaml", Side::Disk);
    assert_eq!(paths(&out), ["a/b.yaml"]);
    assert!(
        out.notices[0].contains("`vendored` is a submodule"),
        "{out:?}"
    );
    assert!(run(&rows, "*/x.yaml", Side::Api).is_empty());
}

#[test]
fn a_link_named_directly_is_followed_on_disk_and_refused_through_the_api() {
    let rows = [("dns/team", Link), ("edgeplan.yaml", Link)];
    let disk = run(&rows, "dns/team/a.yaml", Side::Disk);
    // The in-memory link lists nothing; on disk the listing goes through it.
    assert!(
        disk.refused
            .iter()
            .all(|r| !r.message.contains("symbolic link")),
        "{disk:?}"
    );
    let api = run(&rows, "dns/team/a.yaml", Side::Api);
    assert_eq!(refused(&api), ["dns/team"]);
    assert!(
        api.refused[0]
            .message
            .contains("the symbolic link `dns/team`"),
        "{api:?}"
    );
    // A literal link is handed to the caller on both sides (the API side refuses it by kind).
    assert_eq!(
        paths(&run(&rows, "edgeplan.yaml", Side::Api)),
        ["edgeplan.yaml"]
    );
    // A pattern's own directory through a link: not searched, named, on both sides.
    for side in [Side::Disk, Side::Api] {
        let out = run(&rows, "dns/team/*.yaml", side);
        assert!(out.is_empty(), "{out:?}");
        assert_names_link(&out, "dns/team");
    }
}

#[test]
fn literal_names_compare_byte_exact() {
    let rows = [("Edgeplan.yaml", File), ("DNS/a.yaml", File)];
    for value in ["edgeplan.yaml", "dns/a.yaml", "dns/*.yaml"] {
        let out = run(&rows, value, Side::Disk);
        assert!(out.files.is_empty(), "{value}: {out:?}");
        assert!(!out.refused[0].found, "{value}");
        assert!(
            out.refused[0].message.contains("byte-exact"),
            "{value}: {out:?}"
        );
    }
}

#[test]
fn walks_are_bounded() {
    // A self-similar tree as deep as the bound allows, then one level more.
    let deep = vec!["d"; MAX_DEPTH + 2].join("/") + "/x.yaml";
    let out = run(&[(&deep, File)], "**/*.yaml", Side::Api);
    assert!(out.files.is_empty());
    assert!(out.refused[0].message.contains("deeper than"), "{out:?}");
    let wide: Vec<(String, EntryKind)> = (0..MAX_LISTED + 1)
        .map(|i| (format!("w/{i}.txt"), File))
        .collect();
    let rows: Vec<(&str, EntryKind)> = wide.iter().map(|(p, k)| (p.as_str(), *k)).collect();
    let out = run(&rows, "w/*.yaml", Side::Disk);
    assert!(out.refused[0].message.contains("more than"), "{out:?}");
    // `**/**` visits each directory once per part, not once per path to it.
    let rows = [("a/b/c/d/e/f.yaml", File)];
    assert_eq!(
        paths(&run(&rows, "**/**/**/*.yaml", Side::Disk)),
        ["a/b/c/d/e/f.yaml"]
    );
}

#[test]
fn paths_outside_keep_their_root() {
    let wanted = Wanted::parse("../x/*.yaml").expect("parse");
    let out = walk(&wanted, Side::Disk, |dir| {
        assert_eq!(dir, "", "listed from the root");
        Ok(vec![DirEntry::new("a.yaml", File)])
    });
    assert_eq!(out.files, ["../x/a.yaml"]);
    let wanted = Wanted::parse("/etc/edgeplan.yaml").expect("parse");
    let out = walk(&wanted, Side::Disk, |_| {
        Ok(vec![DirEntry::new("edgeplan.yaml", File)])
    });
    assert_eq!(out.files, ["/etc/edgeplan.yaml"]);
}

#[test]
fn a_pattern_through_git_in_its_literal_part_is_not_searched_on_either_side() {
    // On disk `.git` is there; through the API it never is: both give a notice and no match.
    let disk = [
        (".git/x.yaml", File),
        ("x/.git/y.yaml", File),
        ("z.yaml", File),
    ];
    for value in [".git/*.yaml", "x/.git/**", ".git/**/*.yaml"] {
        for (side, rows) in [
            (Side::Disk, &disk[..]),
            (Side::Api, &[("z.yaml", File)][..]),
        ] {
            let out = run(rows, value, side);
            assert!(out.is_empty(), "{value} {side:?}: {out:?}");
            assert_eq!(out.notices.len(), 1, "{value} {side:?}: {out:?}");
            assert!(
                out.notices[0].contains("is git's own directory"),
                "{value} {side:?}: {out:?}"
            );
        }
    }
}

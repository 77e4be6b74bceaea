//! The disk side of the walker: a directory's listing read with `lstat` semantics.
//!
//! [`std::fs::DirEntry::file_type`] does not follow a symbolic link (on Unix it is `d_type` or
//! `lstat`), so a link to a directory is a [`EntryKind::Link`] and the walker never lists through
//! it while matching a pattern. A directory holding `.git` (a file or a directory: a submodule's
//! checkout, a nested repository) is a [`EntryKind::Submodule`], as the API's mode 160000 is.
//! Listing a path named directly goes through [`std::fs::read_dir`], which follows a link there:
//! that is the "link named directly" of DESIGN section 1, read on disk.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use super::walk::{self, DirEntry, EntryKind, NamedPaths, Side};
use super::wanted::Wanted;

/// Resolves `wanted` against the directory `base` (the current directory: the empty path).
pub(crate) fn resolve(wanted: &Wanted, base: &Path) -> NamedPaths {
    let root = if wanted.root.is_empty() {
        base.to_path_buf()
    } else if Path::new(&wanted.root).is_absolute() {
        PathBuf::from(&wanted.root)
    } else {
        base.join(&wanted.root)
    };
    walk::walk(wanted, Side::Disk, |dir| {
        let path = if dir.is_empty() {
            root.clone()
        } else {
            root.join(dir)
        };
        if path.as_os_str().is_empty() {
            return list(Path::new("."));
        }
        list(&path)
    })
}

/// The entries of `dir`, unsorted; a directory that does not exist (or is not one) lists empty.
pub(crate) fn list(dir: &Path) -> Result<Vec<DirEntry>, String> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => {
            return Ok(Vec::new());
        }
        Err(e) => return Err(e.to_string()),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| e.to_string())?;
        let file_type = entry.file_type().map_err(|e| e.to_string())?;
        let name = entry.file_name();
        let (name, utf8) = match name.to_str() {
            Some(n) => (n.to_string(), true),
            None => (name.to_string_lossy().into_owned(), false),
        };
        let kind = if !utf8 {
            EntryKind::Other
        } else if file_type.is_symlink() {
            EntryKind::Link
        } else if file_type.is_dir() {
            // A submodule or a nested repository: `.git` itself, never followed.
            if std::fs::symlink_metadata(entry.path().join(".git")).is_ok() {
                EntryKind::Submodule
            } else {
                EntryKind::Dir
            }
        } else if file_type.is_file() {
            EntryKind::File
        } else {
            EntryKind::Other
        };
        out.push(DirEntry { name, kind });
    }
    Ok(out)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn parse(v: &str) -> Wanted {
        Wanted::parse(v).expect(v)
    }

    /// A temporary directory holding `files` (path, text), their directories made on the way.
    fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
        let tmp = tempfile::tempdir().expect("tmp");
        for (path, text) in files {
            let path = tmp.path().join(path);
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).expect("mkdir");
            }
            std::fs::write(path, text).expect("w");
        }
        tmp
    }

    #[test]
    fn a_directory_link_loop_is_named_not_followed() {
        let tmp = tree(&[("dns/a.yaml", "a"), ("dns/deep/b.yaml", "b")]);
        let root = tmp.path();
        std::os::unix::fs::symlink(".", root.join("dns/x")).expect("link");
        std::os::unix::fs::symlink("a.yaml", root.join("dns/l.yaml")).expect("link");
        let started = std::time::Instant::now();
        let out = resolve(&parse("dns/**/*.yaml"), root);
        assert!(started.elapsed().as_secs() < 2);
        assert_eq!(out.files, ["dns/a.yaml", "dns/deep/b.yaml"]);
        assert_eq!(out.refused.len(), 1, "{out:?}");
        assert_eq!(out.refused[0].path, "dns/l.yaml");
        assert_eq!(out.notices.len(), 1, "{out:?}");
        assert!(
            out.notices[0].contains("`dns/x` is a symbolic link"),
            "{out:?}"
        );
        // Named directly, the link is followed (the loader confines where it leads).
        let out = resolve(&parse("dns/x/x/a.yaml"), root);
        assert_eq!(out.files, ["dns/x/x/a.yaml"]);
    }

    #[test]
    fn git_and_submodules_are_not_searched() {
        let tmp = tree(&[
            (".git/x.yaml", "x"),
            ("sub/.git", "gitdir: ../.git/modules/sub"),
            ("sub/y.yaml", "y"),
            ("z.yaml", "z"),
        ]);
        let out = resolve(&parse("**/*.yaml"), tmp.path());
        assert_eq!(out.files, ["z.yaml"]);
        assert!(out.notices[0].contains("`sub` is a submodule"), "{out:?}");
    }

    #[test]
    fn a_literal_name_is_byte_exact() {
        let tmp = tree(&[("Edgeplan.yaml", "x")]);
        let out = resolve(&parse("edgeplan.yaml"), tmp.path());
        assert!(out.files.is_empty());
        assert!(
            out.refused[0].message.contains("`Edgeplan.yaml`"),
            "{out:?}"
        );
        assert!(!out.refused[0].found);
    }
}

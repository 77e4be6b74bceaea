//! Which files are manifests (DESIGN section 1, docs/manifest.md "Which files are manifests"):
//! one rule, whether the files come from disk or from a commit read through the GitHub API, so
//! that for the same commit both sides find the same files or refuse the same one by name.
//!
//! Before this module the two sides disagreed: the disk used `glob::glob()`, which follows
//! directory links (into other teams' directories, and in loops: `dns/x -> .` made `**` grow
//! without bound) and read a file literally named `dns/*.yaml` instead of the pattern, while the
//! API matched the commit's tree its own way. Now there is one parser ([`wanted`]: pattern or
//! path, normalised), one walker ([`walk`]: pure, given directory listings one at a time) and one
//! matcher (`glob::Pattern`, per path component, matching only). The two edges only list
//! directories: [`disk`] with `lstat`, `github::paths` from git tree entries.

pub(crate) mod disk;
pub(crate) mod walk;
pub(crate) mod wanted;

pub(crate) use walk::{DirEntry, EntryKind, Side};
pub(crate) use wanted::{Wanted, escape};

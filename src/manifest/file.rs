//! Opening a manifest: regular files only, checked before anything is opened (a device or a
//! FIFO would block or never end), and under GitHub Actions no symbolic link out of the workspace
//! or into its `.git`.

use std::path::{Path, PathBuf};

/// Where manifests may come from, decided once by the caller from its settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Sources {
    /// Under GitHub Actions, `GITHUB_WORKSPACE`. A manifest reached through a symbolic link (its
    /// own name or any directory on its path) must then resolve inside this directory and outside
    /// its `.git`: a pull request can commit a link, and the runner's files (`~/.git-credentials`,
    /// the checkout's `.git/config`) must not be read and echoed. A path that involves no link (a
    /// file the workflow wrote under `RUNNER_TEMP`) is read wherever it is. `None`: links are
    /// followed anywhere, as on a developer's machine.
    pub confine_links_to: Option<PathBuf>,
}

const CANNOT_READ: &str = "check the path and its permissions";

/// Opens the manifest after checking, without opening anything, that it is a regular file (a
/// device or a FIFO would block or never end) and that [`Sources`] allows where it leads.
pub(super) fn open(
    path: &Path,
    sources: &Sources,
) -> Result<std::fs::File, (String, &'static str)> {
    if let Some(workspace) = &sources.confine_links_to {
        confine(path, workspace)?;
    }
    let cannot = |e: std::io::Error| (format!("cannot read the manifest: {e}"), CANNOT_READ);
    // Follows links: what matters is what would be read.
    let meta = std::fs::metadata(path).map_err(cannot)?;
    if !meta.is_file() {
        return Err((
            format!(
                "the manifest is not a regular file (it is {}); refused",
                file_kind(&meta.file_type())
            ),
            "pass the YAML file itself: edgeplan never reads devices, pipes, sockets or directories",
        ));
    }
    let file = std::fs::File::open(path).map_err(cannot)?;
    // The file opened must be the one checked (a swap in between is refused, not read).
    let opened = file.metadata().map_err(cannot)?;
    if !opened.is_file() || !same_file(&meta, &opened) {
        return Err((
            "the manifest changed while it was being opened; refused".into(),
            "run again; nothing else should be writing the manifest",
        ));
    }
    Ok(file)
}

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    (a.dev(), a.ino()) == (b.dev(), b.ino())
}

#[cfg(not(unix))]
fn same_file(_: &std::fs::Metadata, _: &std::fs::Metadata) -> bool {
    true
}

fn file_kind(kind: &std::fs::FileType) -> &'static str {
    if kind.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_char_device() {
            return "a character device";
        }
        if kind.is_block_device() {
            return "a block device";
        }
        if kind.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    "not a file"
}

/// The [`Sources`] rule: a manifest reached through a symbolic link must lead inside `workspace`
/// and outside its `.git`.
fn confine(path: &Path, workspace: &Path) -> Result<(), (String, &'static str)> {
    let cannot = |e: std::io::Error| (format!("cannot read the manifest: {e}"), CANNOT_READ);
    let written = absolute(path).map_err(cannot)?;
    let workspace_written = absolute(workspace).map_err(cannot)?;
    if !through_link(&written, &workspace_written) {
        return Ok(());
    }
    let resolved = std::fs::canonicalize(path).map_err(cannot)?;
    let workspace = std::fs::canonicalize(workspace).unwrap_or(workspace_written);
    let help = "commit the manifest itself rather than a link to it; a link may only lead to another file of the repository";
    match resolved.strip_prefix(&workspace) {
        Err(_) => Err((
            "the manifest is reached through a symbolic link that leads outside the workspace (GITHUB_WORKSPACE); refused, so that a pull request cannot make edgeplan read the runner's files".into(),
            help,
        )),
        Ok(inside) if inside.components().any(|c| c.as_os_str() == ".git") => Err((
            "the manifest is reached through a symbolic link into the checkout's `.git` directory; refused, because `.git` holds the checkout's credentials".into(),
            help,
        )),
        Ok(_) => Ok(()),
    }
}

/// Whether the file or a directory on the way to it, as written, is a symbolic link. Links on the
/// way to the workspace itself (macOS's `/var -> /private/var`, a workspace that is a link) are
/// the machine's, not the repository's, and do not count. `..` is not folded: `dir/..` goes
/// through `dir`, link or not.
fn through_link(written: &Path, workspace: &Path) -> bool {
    let mut prefix = PathBuf::new();
    for component in written.components() {
        prefix.push(component);
        let link = std::fs::symlink_metadata(&prefix).is_ok_and(|m| m.file_type().is_symlink());
        if link && !workspace.starts_with(&prefix) {
            return true;
        }
    }
    false
}

/// `path` made absolute against the current directory, without resolving anything.
fn absolute(path: &Path) -> std::io::Result<PathBuf> {
    Ok(if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()?.join(path)
    })
}

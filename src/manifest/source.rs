//! Where a manifest's bytes come from: a file on disk ([`super::load`]) or a blob read through
//! the GitHub API (`edgeplan action` under `pull_request_target`, [`load_bytes`]). Both go
//! through the same bounded read and the same [`super::MAX_BYTES`] limit before a byte is
//! parsed, then the same validation, so a manifest is judged by its content wherever it lives.

use std::io::Read;
use std::path::Path;

use super::{MAX_BYTES, Problem, Problems, START, parse_capped};
use crate::plan::Desired;

/// Reads at most one byte past [`MAX_BYTES`] from `reader`; more than the limit is refused.
/// `Err` holds the message and its help.
pub(super) fn read_bounded(reader: impl Read) -> Result<Vec<u8>, (String, &'static str)> {
    // NOTE: one byte past the limit instead of trusting metadata, which lies for special files.
    let mut bytes = Vec::new();
    if let Err(e) = reader.take(MAX_BYTES + 1).read_to_end(&mut bytes) {
        return Err((
            format!("cannot read the manifest: {e}"),
            "check the path and its permissions",
        ));
    }
    if bytes.len() as u64 > MAX_BYTES {
        return Err(too_large());
    }
    Ok(bytes)
}

/// The refusal of a manifest over [`MAX_BYTES`], whatever it is read from.
pub(crate) fn too_large() -> (String, &'static str) {
    (
        format!(
            "the manifest is larger than {} KiB; refused",
            MAX_BYTES / 1024
        ),
        "split it into one manifest per zone, or check that this is the right file",
    )
}

/// Validates manifest bytes that did not come from a file (a blob read through the GitHub API):
/// the same limit as a file, then the same parse and validation. `name` names the manifest in
/// problems (its path in the repository).
pub fn load_bytes(name: &Path, bytes: &[u8]) -> Result<Desired, Problems> {
    match read_bounded(bytes) {
        Ok(bytes) => parse_capped(name, &bytes),
        Err((message, help)) => Err(Problems::one(Problem::new(
            name,
            START,
            message,
            Some(help.into()),
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_are_held_to_the_file_limit_and_validated_the_same() {
        let name = Path::new("zones/a.yaml");
        let ok = load_bytes(name, b"version: 1\nzone: example.com\nendpoints: []\n").expect("ok");
        assert_eq!(
            (ok.zone.as_str(), ok.source.as_path()),
            ("example.com", name)
        );

        let mut big = b"version: 1\nzone: example.com\nendpoints: []\n".to_vec();
        big.resize(MAX_BYTES as usize + 1, b'#');
        let err = load_bytes(name, &big).expect_err("too large");
        assert!(
            err.shown[0].message.contains("larger than 1024 KiB"),
            "{err:?}"
        );

        let exact = vec![b'#'; MAX_BYTES as usize];
        let err = load_bytes(name, &exact).expect_err("empty document");
        assert!(!err.shown[0].message.contains("larger"), "{err:?}");

        let err = load_bytes(
            name,
            b"version: 1\nzone: example.com\nendpoints: []\nproxed: 1\n",
        )
        .expect_err("unknown key");
        assert_eq!(err.shown[0].file, name);
        assert_eq!(err.shown[0].line, 4);
    }
}

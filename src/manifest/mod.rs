//! The manifest (`edgeplan.yaml`, schema version 1): load, validate, locate errors.
//!
//! PLACEHOLDER: the real loader replaces this file.

use std::path::{Path, PathBuf};

use crate::plan::Desired;

/// One thing wrong with a manifest, located in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: PathBuf,
    /// 1-based.
    pub line: usize,
    /// 1-based.
    pub col: usize,
    pub message: String,
    pub help: Option<String>,
}

/// Reads, parses and validates one manifest file. All problems in the file are returned, sorted
/// by line.
pub fn load(path: &Path) -> Result<Desired, Vec<Problem>> {
    Err(vec![Problem {
        file: path.to_path_buf(),
        line: 1,
        col: 1,
        message: "manifest loading is not implemented yet".into(),
        help: None,
    }])
}

/// Checks a set of valid manifests together: two manifests for the same zone and owner are an
/// error.
pub fn check_set(_manifests: &[Desired]) -> Vec<Problem> {
    Vec::new()
}

/// The manifest's JSON Schema (draft 2020-12).
pub fn schema() -> serde_json::Value {
    serde_json::json!({})
}

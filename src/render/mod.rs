//! Renderers of a plan: text for terminals, Markdown for the pull request comment, JSON for
//! machines (docs/plan-json.md).
//!
//! Each renderer is a pure function from a [`crate::plan::Plan`] to a `String`, so the same plan
//! always gives byte-identical output and every format is snapshot-tested.

mod body;
mod changes;
pub mod comment;
mod escape;
pub mod inert;
pub mod json;
pub mod markdown;
pub mod problems;
pub mod public;
pub mod text;
pub mod verdict;
pub mod zones;

pub use inert::{inert, inert_lines};

/// The plural ending of a count in English: `s`, except for one. The one definition, for every
/// presenter (`import` writes its notes with it too).
pub fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests;

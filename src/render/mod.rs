//! Renderers of a plan: text for terminals, Markdown for the pull request comment, JSON for
//! machines (docs/plan-json.md).
//!
//! Each renderer is a pure function from a [`crate::plan::Plan`] to a `String`, so the same plan
//! always gives byte-identical output and every format is snapshot-tested.

mod body;
mod changes;
pub mod comment;
mod escape;
pub(crate) mod inert;
pub mod json;
pub mod markdown;
pub(crate) mod problems;
pub(crate) mod public;
pub mod text;
pub(crate) mod verdict;
pub(crate) mod zones;

pub(crate) use inert::{inert, inert_lines};

/// The plural ending of a count in English: `s`, except for one. The one definition, for every
/// presenter (`import` writes its notes with it too).
pub(crate) fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests;

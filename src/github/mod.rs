//! GitHub: the Actions environment and event, the dispatch table, workflow commands and files,
//! and the REST client behind the sticky PR comment.
//!
//! The pieces are small and separately tested; the `edgeplan action` command in `run` sequences
//! them: [`event::Context::from_env`], then [`dispatch::decide`], then the plan, then
//! [`workflow`] output and the [`comment`] upsert through [`client::GitHubClient`].
//! Behaviour follows <https://docs.github.com/en/actions> as summarised in
//! docs/action.md.

pub mod client;
pub mod comment;
pub mod deployments;
pub(crate) mod dispatch;
pub(crate) mod error;
pub mod event;
pub(crate) mod files;
pub(crate) mod inputs;
pub mod marker;
pub(crate) mod paths;
mod transport;
pub mod tree;
pub(crate) mod workflow;

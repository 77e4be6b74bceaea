//! edgeplan: GitOps for Cloudflare-proxied model endpoints.
//!
//! The data flows one way:
//!
//! ```text
//! manifest file ─► manifest::load ─► Desired ──┐
//!                                               ├─► plan::diff ─► render (text | markdown | json)
//! Cloudflare / sandbox ─► Provider::records ─► Live ┘          └─► apply (batch) ─► verify
//! ```
//!
//! `run::pipeline` runs these stages once for every command (plan, probe, review, apply,
//! verify) and the commands only present its result; `manifest`, `plan` and `render` are pure.
//! ARCHITECTURE.md has the module map.

#![cfg_attr(not(test), warn(unreachable_pub))]

// First, so its print macros (`out!`, `outln!`, `err!`, `errln!`) are in scope everywhere.
#[macro_use]
pub(crate) mod output;

pub(crate) mod address;
pub mod apply;
pub(crate) mod chain;
pub(crate) mod cli;
pub mod cloudflare;
pub mod exit;
pub mod github;
pub mod health;
pub(crate) mod import;
pub mod manifest;
pub mod plan;
pub mod provider;
pub mod render;
pub(crate) mod resolve;
pub mod retry;
pub mod run;
pub mod sandbox;
pub mod secret;
pub(crate) mod time;
pub mod tls;

#[cfg(test)]
mod layering;
#[cfg(test)]
mod names_tests;

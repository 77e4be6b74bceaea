//! The integration tests, in one binary: one module per area, sharing the local Cloudflare,
//! GitHub and origin servers of [`support`] and the harness that runs the real `edgeplan` binary
//! against them ([`support::harness`]).
//!
//! Tests run in parallel threads of one process: none may change process-wide state (the
//! environment, the current directory); children get their environment from the harness.

// Tests and examples may print; shipped code prints only through src/output.rs.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod support;

mod action_canary;
mod action_comments;
mod action_drift;
mod action_fork_preview;
mod action_gate;
mod action_hostile;
mod action_label;
mod action_multi;
mod action_names_nothing;
mod action_pr;
mod action_pr_activity;
mod action_pr_edges;
mod action_public;
mod action_push;
mod action_round_trips;
mod action_stale;
mod apply_chunks;
mod apply_confirm;
mod apply_faults;
mod apply_gated_replan;
mod apply_happy;
mod apply_health;
mod apply_landed_counts;
mod apply_public;
mod apply_retry;
mod apply_sandbox;
#[cfg(unix)]
mod apply_signals;
mod burst_pace;
mod cli_line;
mod cli_terminal;
mod client_trust;
#[cfg(unix)]
mod closed_pipes;
mod cloudflare_bench_endpoints;
mod cloudflare_client;
mod cloudflare_faults;
mod cloudflare_fixtures;
mod cloudflare_rules;
mod cloudflare_server;
mod docs_import;
mod docs_reference;
mod docs_scopes;
mod docs_trust;
mod github_bounds;
mod github_comment;
mod gzip_answers;
mod health;
mod import;
#[cfg(unix)]
mod install_script;
mod listing_complete;
mod manifest_corpus;
#[cfg(unix)]
mod manifest_hardening;
mod manifest_hints;
mod manifest_mutations;
mod manifest_schema;
mod many_zones;
mod owners;
mod plan_long_comments;
mod plan_patches;
mod plan_props;
mod plan_sandbox;
mod public_check;
mod rate_limit_waits;
mod resolver_table;
mod rules_agree;
mod sandbox_concurrent;
mod self_contained;
mod support_smoke;
mod verdict;
mod where_it_talks;

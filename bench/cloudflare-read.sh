#!/usr/bin/env bash
# Reads a 10,000-record zone from the local Cloudflare with 20 ms injected latency per request and
# reports the number of requests and the time taken (goal: <= 3 list requests after the zone
# lookup, < 150 ms in total). See examples/cloudflare-read-bench.rs.
set -euo pipefail
cd "$(dirname "$0")/.."
# Release optimisation without fat LTO: the same code speed for what is measured, minutes less
# to build. Both examples and the client are opt-level 3.
export CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
exec cargo run --quiet --release --example cloudflare-read-bench -- \
    --records "${RECORDS:-10000}" --latency-ms "${LATENCY_MS:-20}" --runs "${RUNS:-5}" "$@"

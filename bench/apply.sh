#!/usr/bin/env bash
# Applies 1,000 creates to a Free zone on the local Cloudflare with 20 ms injected latency per
# request, with the release binary, and reports the requests made and the wall time (median of
# 5 runs, each from an empty zone). See examples/apply-bench.rs.
set -euo pipefail
cd "$(dirname "$0")/.."
# Release optimisation without fat LTO: the same code speed for what is measured, minutes less
# to build.
export CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
cargo build --quiet --release --bin edgeplan --example apply-bench
target_dir=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
exec "$target_dir/release/examples/apply-bench" --bin "$target_dir/release/edgeplan" \
    --endpoints "${ENDPOINTS:-1000}" --latency-ms "${LATENCY_MS:-20}" --runs "${RUNS:-5}" "$@"

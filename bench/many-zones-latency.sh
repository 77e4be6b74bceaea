#!/usr/bin/env bash
# The many-zones plan under latency: 100 zones x 1,000 records on the local Cloudflare, planned
# with 0 ms and with 20 ms added per request, side by side in one run, with the release binary.
# Goal: the 20 ms run takes at most 1.25x the 0 ms run. See examples/many-zones-latency-bench.rs.
set -euo pipefail
cd "$(dirname "$0")/.."
# Release optimisation without fat LTO: the same code speed for what is measured, minutes less
# to build.
export CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
cargo build --quiet --locked --release --bin edgeplan --example many-zones-latency-bench
target_dir=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
exec "$target_dir/release/examples/many-zones-latency-bench" --bin "$target_dir/release/edgeplan" \
    --zones "${ZONES:-100}" --records "${RECORDS:-1000}" --managed "${MANAGED:-60}" \
    --latency-ms "${LATENCY_MS:-20}" --runs "${RUNS:-3}" "$@"

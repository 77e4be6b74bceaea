#!/bin/sh
# Benchmark of the pure plan: diff of a 10,000-record zone against a 1,000-endpoint manifest
# (target: under 50 ms), plus batching and rendering, in a release build. Not part of the tests.
set -eu
cd "$(dirname "$0")/.."
exec cargo run --quiet --release --locked --example plan_bench

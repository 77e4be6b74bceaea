#!/usr/bin/env bash
# Times `edgeplan validate` (whole process, release build) on a generated manifest of 10,000
# endpoints. The target is under 100 ms. Not a test: machines differ; run it and read the figure.
# On a loaded machine wall time includes waiting for a core: compare hyperfine's User + System.
#
#   bash bench/validate.sh            # 10,000 endpoints
#   N=2000 bash bench/validate.sh     # another size
#   BIN=path/to/edgeplan bash bench/validate.sh
set -euo pipefail
cd "$(dirname "$0")/.."
n="${N:-10000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
manifest="$work/edgeplan.yaml"

awk -v n="$n" 'BEGIN {
  print "version: 1\nzone: example.com\nowner: bench\ndefaults:\n  proxied: true\nendpoints:"
  for (i = 0; i < n; i++) {
    printf "  - name: model-%05d\n    target: model-%05d.us-east-1.elb.amazonaws.com\n", i, i
    if (i % 10 == 0) printf "    comment: model %d\n    health: /healthz\n", i
    if (i % 25 == 0) printf "    proxied: false\n    ttl: 300\n"
  }
}' > "$manifest"
echo "manifest: $n endpoints, $(wc -c < "$manifest") bytes"

bin="${BIN:-}"
if [ -z "$bin" ]; then
  cargo build --release --locked --quiet
  bin=target/release/edgeplan
fi
"$bin" validate -m "$manifest"

if command -v hyperfine >/dev/null; then
  hyperfine --warmup 3 --runs 30 --shell=none "$bin validate -m $manifest"
else
  runs=30 total=0 best=999999999
  for _ in $(seq "$runs"); do
    start=$(date +%s%N)
    "$bin" validate -m "$manifest" >/dev/null
    took=$(( ($(date +%s%N) - start) / 1000 ))
    total=$((total + took)); (( took < best )) && best=$took
  done
  echo "mean $((total / runs / 1000)) ms, best $((best / 1000)) ms over $runs runs"
fi

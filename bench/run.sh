#!/usr/bin/env bash
# edgeplan vs octoDNS on the same local Cloudflare: see BENCHMARKS.md.
#
#   bench/run.sh [--runs 5] [--sizes 1000,10000,50000] [--latencies 0,20] [--ops plan,apply]
#                [--cell-budget 600]
#
# Builds edgeplan (release profile, as shipped) and the local Cloudflare server, installs
# octodns==1.22.0 and octodns-cloudflare==1.2.0 into bench/.venv if missing, generates the zones
# into bench/out/, runs bench/run.py and prints one table (also bench/out/table.md); then the
# plan-10,000-at-20-ms row again with octoDNS tuned (bench/out/tuned/table.md; SKIP_TUNED=1 skips
# it); then the many-zones row, 100 zones of 1,000 records at 20 ms, side by side with octoDNS at
# max_workers 8 (bench/many.py, bench/out/many-{plan,apply}/table.md; SKIP_MANY=1 skips it); then
# bench/install-time.sh measures the time from nothing to a runnable tool (SKIP_INSTALL_TIME=1
# skips it).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v /usr/bin/time >/dev/null || { echo "error: /usr/bin/time is needed for peak RSS (apt-get install -y time)" >&2; exit 1; }
cargo build --release --locked --bin edgeplan --example cloudflare-server
if [ ! -x bench/.venv/bin/octodns-sync ]; then
  python3 -m venv bench/.venv
  bench/.venv/bin/pip install -q octodns==1.22.0 octodns-cloudflare==1.2.0
fi
python3 bench/run.py "$@"
if [ "${SKIP_TUNED:-}" != 1 ]; then
  # The plan target row again, with octoDNS told to read 5,000 records per page (its default is
  # 100): what octoDNS does when tuned for big zones, so the ratio is not only about a default.
  echo "octoDNS with records_per_page: 5000:"
  python3 bench/run.py --sizes 10000 --latencies 20 --ops plan --octodns-records-per-page 5000 \
    --out bench/out/tuned
fi
if [ "${SKIP_MANY:-}" != 1 ]; then
  echo "Many zones (100 zones of 1,000 records, 60 managed each, 20 ms):"
  python3 bench/many.py --runs 5 --ops plan --out bench/out/many-plan
  # octoDNS's apply of 6,000 records takes about three minutes a run.
  python3 bench/many.py --runs 1 --ops apply --out bench/out/many-apply
fi
if [ "${SKIP_INSTALL_TIME:-}" != 1 ]; then
  bench/install-time.sh
fi

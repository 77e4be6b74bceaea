#!/usr/bin/env bash
# Time from nothing to a runnable tool, both from local copies (no registry, no internet):
# - edgeplan: download the release binary from a local HTTP server (python3 -m http.server on
#   127.0.0.1 serving target/release), chmod +x, run `edgeplan --version`.
# - octoDNS: `python3 -m venv`, then `pip install --no-index --find-links WHEELHOUSE
#   octodns==1.22.0 octodns-cloudflare==1.2.0` (the wheels were fetched once beforehand, untimed,
#   with `pip download`), then run `octodns-sync --version`.
# Each is timed RUNS times (default 3) and the median, min and max printed, with the sizes:
# the binary's bytes, and the bytes the pip install added to a fresh venv.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-3}"
OUT=bench/out/install
BIN=target/release/edgeplan
PY=${PYTHON:-python3}
mkdir -p "$OUT"
[ -x "$BIN" ] || { echo "error: $BIN is missing; run bench/run.sh (it builds it) first" >&2; exit 1; }
if [ ! -d "$OUT/wheelhouse" ]; then
  bench/.venv/bin/pip download -q -d "$OUT/wheelhouse" octodns==1.22.0 octodns-cloudflare==1.2.0
fi

port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
$PY -m http.server "$port" --bind 127.0.0.1 --directory target/release >/dev/null 2>&1 &
http_pid=$!
trap 'kill "$http_pid" 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -fsI "http://127.0.0.1:$port/edgeplan" >/dev/null 2>&1 && break; sleep 0.1; done

now() { date +%s.%N; }
ep=() oc=()
for i in $(seq "$RUNS"); do
  d="$OUT/run-$i"; rm -rf "$d"; mkdir -p "$d"
  t0=$(now)
  curl -fsSo "$d/edgeplan" "http://127.0.0.1:$port/edgeplan"
  chmod +x "$d/edgeplan"
  "$d/edgeplan" --version >/dev/null
  t1=$(now)
  $PY -m venv "$d/venv"
  "$d/venv/bin/pip" install -q --no-index --find-links "$OUT/wheelhouse" \
    octodns==1.22.0 octodns-cloudflare==1.2.0
  "$d/venv/bin/octodns-sync" --version >/dev/null
  t2=$(now)
  ep+=("$(echo "$t1 - $t0" | bc)") oc+=("$(echo "$t2 - $t1" | bc)")
done
stats() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {printf "median %.3f s (min %.3f, max %.3f, n=%d)", a[int((NR+1)/2)], a[1], a[NR], NR}'; }
$PY -m venv "$OUT/empty-venv"
empty=$(du -sb "$OUT/empty-venv" | cut -f1)
full=$(du -sb "$OUT/run-1/venv" | cut -f1)
echo "edgeplan: $(stats "${ep[@]}"); binary $(stat -c %s "$BIN") bytes"
echo "octoDNS:  $(stats "${oc[@]}"); pip install added $((full - empty)) bytes to a fresh venv ($full in all)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

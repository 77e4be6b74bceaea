#!/usr/bin/env bash
# Times a whole `edgeplan plan --sandbox` process (read the zone file, validate the manifest,
# diff, render text and JSON) on a 10,000-record zone and a 1,000-endpoint manifest. The issue's
# target is under 300 ms. Not a test: run it and read the figure.
#
#   bash bench/plan-sandbox.sh                  # builds target/release/edgeplan
#   BIN=path/to/edgeplan bash bench/plan-sandbox.sh
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

python3 - "$work" <<'PY'
import json, sys, os
work = sys.argv[1]
records = []
def rid(i): return "%032x" % (0xabc000000 + i)
# 9,000 records nobody owns (A, TXT, MX, CNAME), then 1,000 owned by `bench`:
# 800 already right, 100 drifted (target edited by hand), 100 no longer wanted.
for i in range(9000):
    kind = ["A", "TXT", "MX", "CNAME"][i % 4]
    content = {"A": "192.0.2.%d" % (i % 250 + 1), "TXT": "\"v=spf1 -all\"",
               "MX": "mail.example.com", "CNAME": "legacy-%d.example.net" % i}[kind]
    records.append({"id": rid(i), "type": kind, "name": "host-%05d.example.com" % i,
                    "content": content, "proxied": kind in ("A", "CNAME") and i % 3 == 0,
                    "ttl": 1 if kind in ("A", "CNAME") and i % 3 == 0 else 300,
                    "comment": None})
for j in range(1000):
    target = "model-%04d.us-east-1.elb.amazonaws.com" % j
    if 800 <= j < 900: target = "old-" + target
    name = "model-%04d.example.com" % (j if j < 900 else j + 5000)
    records.append({"id": rid(10000 + j), "type": "CNAME", "name": name, "content": target,
                    "proxied": True, "ttl": 1, "comment": "edgeplan:bench"})
os.makedirs(os.path.join(work, "sandbox"))
with open(os.path.join(work, "sandbox", "example.com.json"), "w") as f:
    json.dump({"result": records, "success": True, "errors": [], "messages": []}, f)
with open(os.path.join(work, "edgeplan.yaml"), "w") as f:
    f.write("version: 1\nzone: example.com\nowner: bench\nendpoints:\n")
    for j in range(1000):
        # 900 existing names (800 right, 100 drifted) and 100 new ones.
        name = "model-%04d" % (j if j < 900 else j + 1000)
        f.write("  - name: %s\n    target: model-%04d.us-east-1.elb.amazonaws.com\n" % (name, j))
PY
echo "zone: 10,000 records (1,000 owned); manifest: 1,000 endpoints"

bin="${BIN:-}"
if [ -z "$bin" ]; then
  cargo build --release --locked --quiet
  bin=target/release/edgeplan
fi
plan=("$bin" plan --sandbox "$work/sandbox" -m "$work/edgeplan.yaml" --skip-health)
"${plan[@]}" | tail -n 1
if command -v hyperfine >/dev/null; then
  hyperfine --warmup 3 --runs 20 -N "${plan[*]}" "${plan[*]} --format json"
else
  for fmt in text json; do
    best=999999; all=()
    for _ in $(seq 20); do
      s=$(date +%s%N); "${plan[@]}" --format "$fmt" >/dev/null; t=$(( ($(date +%s%N) - s) / 1000000 ))
      all+=("$t"); (( t < best )) && best=$t
    done
    echo "$fmt: best ${best} ms; all: ${all[*]}"
  done
fi

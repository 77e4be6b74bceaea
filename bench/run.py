"""edgeplan vs octoDNS, side by side, against one local Cloudflare (bench/run.sh runs this).

For each zone size and injected latency, and for `plan` then `apply`, it runs edgeplan and
octoDNS alternately (e, o, e, o, ...) so both see the same machine load, each run against a
freshly started local Cloudflare (examples/cloudflare-server.rs) seeded with the same records.
Per run it takes: the requests the server served (its `GET /__stats` counter), the wall time of
the tool's process (fork to exit, process start and interpreter start included), and its peak
RSS (`/usr/bin/time -v`, "Maximum resident set size"). After each plan it checks that the tool
reported exactly the managed creates and no other change, and after each apply, through the API,
that the zone holds the expected records, so a tool that did less work cannot look faster.

Stdlib only. The table goes to stdout and bench/out/table.md, raw figures to
bench/out/results.json.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOKEN = "bench-token"


def server_cmd(args, scenario, latency):
    size, managed, plan = scenario
    cmd = [args.server, "--port", "0", "--zone", f"{gen.ZONE}:{plan}", "--token", TOKEN,
           "--latency-ms", str(latency), "--seed", os.path.join(scenario_dir(args, scenario),
                                                               "seed.json")]
    if plan != "free":
        # A 10,000+ record zone is an Enterprise zone with a raised quota.
        cmd += ["--record-quota", str(size * 2)]
    return cmd


def scenario_dir(args, scenario):
    return os.path.join(args.out, f"zone-{scenario[0]}")


class Server:
    """One local Cloudflare process; the URL is the first line it prints."""

    def __init__(self, cmd):
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)
        line = self.proc.stdout.readline().strip()
        if not line.startswith("http://"):
            err = self.proc.stderr.read()
            raise SystemExit(f"error: the local Cloudflare did not start: {line} {err}")
        self.url = line
        self.root = line.rsplit("/client/v4", 1)[0]

    def get(self, path):
        req = urllib.request.Request(self.root + path,
                                     headers={"Authorization": f"Bearer {TOKEN}"})
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.load(r)

    def stats(self):
        return self.get("/__stats")

    def count(self, query):
        zones = self.get(f"/client/v4/zones?name={gen.ZONE}")["result"]
        zid = zones[0]["id"]
        return self.get(f"/client/v4/zones/{zid}/dns_records?per_page=1&{query}")[
            "result_info"]["total_count"]

    def stop(self):
        self.proc.kill()
        self.proc.wait()


def tool_cmd(args, tool, op, sdir):
    if tool == "edgeplan":
        cmd = [args.edgeplan, op, "-m", os.path.join(sdir, "edgeplan.yaml")]
        return cmd + (["--yes"] if op == "apply" else []), sdir
    cmd = [os.path.join(args.venv, "bin", "octodns-sync"), "--config-file", "config.yaml"]
    return cmd + (["--doit"] if op == "apply" else []), os.path.join(sdir, "octodns")


def one_run(args, tool, op, scenario, latency):
    size, managed, _ = scenario
    sdir = scenario_dir(args, scenario)
    server = Server(server_cmd(args, scenario, latency))
    try:
        server.get("/__stats?reset=1")
        cmd, cwd = tool_cmd(args, tool, op, sdir)
        env = dict(os.environ, CLOUDFLARE_API_TOKEN=TOKEN, CLOUDFLARE_BASE_URL=server.url,
                   NO_COLOR="1")
        timefile = os.path.join(args.out, "time.txt")
        log = os.path.join(args.out, f"last-{tool}-{op}.log")
        start = time.perf_counter()
        with open(log, "w") as out:
            rc = subprocess.call(["/usr/bin/time", "-v", "-o", timefile] + cmd, cwd=cwd, env=env,
                                 stdout=out, stderr=subprocess.STDOUT)
        wall = time.perf_counter() - start
        if rc != 0:
            raise SystemExit(f"error: {tool} {op} exited {rc}; see {log}")
        requests = server.stats()["requests"]
        if op == "plan":
            # Both tools must have planned exactly the managed creates and nothing else.
            want = (f"{managed} to create, 0 to update, 0 to delete" if tool == "edgeplan"
                    else f"Creates={managed}, Updates=0, Deletes=0")
            with open(log) as f:
                if want not in f.read():
                    raise SystemExit(f"error: {tool} plan did not say `{want}`; see {log}")
        if op == "apply":
            proxied = server.count("type=CNAME&proxied=true")
            total = server.count("")
            if proxied != managed or total != size:
                raise SystemExit(f"error: after {tool} apply the zone holds {total} records, "
                                 f"{proxied} proxied CNAMEs; expected {size} and {managed}")
    finally:
        server.stop()
    return {"wall": wall, "requests": requests, "rss_kb": peak_rss_kb(timefile)}


def peak_rss_kb(timefile):
    """"Maximum resident set size" from `/usr/bin/time -v`'s report, in KiB."""
    with open(timefile) as f:
        for line in f:
            if "Maximum resident set size" in line:
                return int(line.rsplit(":", 1)[1])
    return 0


def cell(args, op, scenario, latency):
    """Alternating runs of both tools; octoDNS stops early when over the cell budget."""
    runs = {"edgeplan": [], "octodns": []}
    note = ""
    started = time.perf_counter()
    for i in range(args.runs):
        runs["edgeplan"].append(one_run(args, "edgeplan", op, scenario, latency))
        if note:
            continue
        runs["octodns"].append(one_run(args, "octodns", op, scenario, latency))
        spent = time.perf_counter() - started
        if i + 1 < args.runs and spent / (i + 1) * args.runs > args.cell_budget:
            note = (f"octoDNS stopped after {i + 1} run(s): {args.runs} would take "
                    f"~{spent / (i + 1) * args.runs / 60:.0f} min (budget "
                    f"{args.cell_budget / 60:.0f} min)")
        print(f"  {op} {scenario[0]} records {latency} ms: run {i + 1} done", file=sys.stderr)
    return {"op": op, "size": scenario[0], "managed": scenario[1], "plan": scenario[2],
            "latency_ms": latency, "runs": runs, "note": note}


def summary(samples):
    walls = [s["wall"] for s in samples]
    return {"n": len(walls), "median": statistics.median(walls), "min": min(walls),
            "max": max(walls), "requests": statistics.median(s["requests"] for s in samples),
            "rss_mb": max(s["rss_kb"] for s in samples) / 1024}


def fmt_time(s):
    return f"{s['median']:.3f} s ({s['min']:.3f}-{s['max']:.3f}, n={s['n']})"


def table(cells):
    head = ("| op | zone records (managed, plan) | latency | requests edgeplan / octoDNS (ratio) "
            "| wall median (min-max) edgeplan | wall median (min-max) octoDNS | time ratio "
            "| peak RSS edgeplan / octoDNS (ratio) |")
    lines = [head, "|" + " --- |" * 8]
    notes = []
    for c in cells:
        e, o = summary(c["runs"]["edgeplan"]), summary(c["runs"]["octodns"])
        lines.append(
            f"| {c['op']} | {c['size']:,} ({c['managed']:,}, {c['plan']}) | {c['latency_ms']} ms "
            f"| {e['requests']:,.0f} / {o['requests']:,.0f} "
            f"({o['requests'] / max(e['requests'], 1):.0f}x) "
            f"| {fmt_time(e)} | {fmt_time(o)} | {o['median'] / e['median']:.1f}x "
            f"| {e['rss_mb']:.1f} / {o['rss_mb']:.1f} MiB ({o['rss_mb'] / e['rss_mb']:.1f}x) |")
        if c["note"]:
            notes.append(f"- {c['op']} {c['size']:,} at {c['latency_ms']} ms: {c['note']}")
    return "\n".join(lines + ([""] + notes if notes else [])) + "\n"


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--sizes", default="1000,10000,50000")
    p.add_argument("--managed", type=int, default=1000,
                   help="endpoints under management (created by apply) in every zone")
    p.add_argument("--latencies", default="0,20")
    p.add_argument("--ops", default="plan,apply")
    p.add_argument("--cell-budget", type=float, default=600,
                   help="seconds one (op, size, latency) cell may take before octoDNS stops")
    p.add_argument("--octodns-records-per-page", type=int, default=None,
                   help="octoDNS's records_per_page (its default, 100, when not given)")
    p.add_argument("--out", default=os.path.join(ROOT, "bench", "out"))
    p.add_argument("--edgeplan", default=os.path.join(ROOT, "target", "release", "edgeplan"))
    p.add_argument("--server", default=os.path.join(ROOT, "target", "release", "examples",
                                                    "cloudflare-server"))
    p.add_argument("--venv", default=os.path.join(ROOT, "bench", ".venv"))
    args = p.parse_args()
    # The tools run in the scenario directories, so every path handed to them is absolute.
    args.out = os.path.abspath(args.out)
    os.makedirs(args.out, exist_ok=True)
    scenarios = []
    for size in (int(s) for s in args.sizes.split(",")):
        # The 1,000-record zone is a Free zone (quota 1,000, batches of 200): empty before the
        # apply, so it is the "1,000 creates on a Free zone" case. Larger zones are Enterprise.
        plan = "free" if size <= 1000 else "enterprise"
        scenarios.append((size, min(args.managed, size), plan))
        gen.write(scenario_dir(args, scenarios[-1]), size, min(args.managed, size),
                  args.octodns_records_per_page)
    info = {"load_before": loadavg(), "started": time.strftime("%Y-%m-%d %H:%M:%S %Z")}
    cells = []
    for op in args.ops.split(","):
        for scenario in scenarios:
            for latency in (int(x) for x in args.latencies.split(",")):
                cells.append(cell(args, op, scenario, latency))
                with open(os.path.join(args.out, "results.json"), "w") as f:
                    json.dump({"info": info, "cells": cells}, f, indent=1)
    finish(args.out, info, cells, table(cells))


def finish(out, info, cells, text):
    """Notes the load after the runs; writes results.json and table.md into `out`, prints."""
    info["load_after"] = loadavg()
    info["finished"] = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    text += (f"\nload average (1, 5, 15 min): {info['load_before']} before, "
             f"{info['load_after']} after; {info['started']} to {info['finished']}\n")
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump({"info": info, "cells": cells}, f, indent=1)
    with open(os.path.join(out, "table.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()

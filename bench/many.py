"""Many zones: edgeplan vs octoDNS side by side, one token, 100 zones (bench/run.sh --many).

The repository of issue "many zones": ZONES zones `zNNN.example`, each holding RECORDS records
once applied, MANAGED of which are model endpoints (proxied CNAMEs). Before the apply each zone
holds the RECORDS - MANAGED other records (as bench/gen.py: A, TXT, unproxied CNAME). So `plan`
computes MANAGED creates per zone and `apply` makes them, one batch per zone.

- edgeplan: one manifest per zone, `edgeplan plan -m 'dns/*.yaml'` (eight zones in flight, the
  token's zones listed once); `apply --yes` the same.
- octoDNS: every zone in one config, `octodns-sync` with `manager: max_workers` set to the same
  bound, 8 (octoDNS plans zones in a thread pool of that size).

Runs alternate (edgeplan, octoDNS, ...) against a fresh local Cloudflare each, seeded alike,
with the injected latency. Checks: each plan reports ZONES x MANAGED creates and nothing else;
each apply leaves MANAGED proxied CNAMEs in every zone; edgeplan's apply sent one batch per zone;
and edgeplan's plan JSON equals the one of the zones planned one at a time (a run per manifest),
zone by zone. Stdlib only; reuses bench/run.py's server and table helpers.
"""

import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen  # noqa: E402
import run  # noqa: E402

TOKEN = run.TOKEN
WORKERS = 8


def zone(i):
    return f"z{i:03d}.example"


def write(out, zones, records, managed):
    """The seed (every zone's other records), the manifests, and octoDNS's config and zones."""
    os.makedirs(os.path.join(out, "dns"), exist_ok=True)
    os.makedirs(os.path.join(out, "octodns", "zones"), exist_ok=True)
    seed = []
    config = ["---\nmanager:\n  max_workers: %d\n" % WORKERS,
              run_octodns_providers(), "zones:\n"]
    for z in range(zones):
        name = zone(z)
        zone_yaml = []
        for i in range(records - managed):
            host, kind, content = gen.unrelated(i)
            seed.append({"type": kind, "name": f"{host}.{name}", "content": content,
                         "proxied": False, "ttl": gen.TTL})
            value = content + "." if kind == "CNAME" else content
            zone_yaml.append(f"{host}:\n  type: {kind}\n  ttl: {gen.TTL}\n  value: {value}\n")
        manifest = [f"version: 1\nzone: {name}\nendpoints:\n"]
        for j in range(managed):
            host, target = gen.endpoint(j)
            manifest.append(f"  - name: {host}\n    target: {target}\n")
            zone_yaml.append(f"{host}:\n  type: CNAME\n  ttl: {gen.TTL}\n  value: {target}.\n"
                             "  octodns:\n    cloudflare:\n      proxied: true\n")
        with open(os.path.join(out, "dns", f"{name}.yaml"), "w") as f:
            f.write("".join(manifest))
        with open(os.path.join(out, "octodns", "zones", f"{name}.yaml"), "w") as f:
            f.write("---\n" + "".join(zone_yaml))
        config.append(f"  {name}.:\n    sources:\n      - config\n    targets:\n"
                      "      - cloudflare\n")
    with open(os.path.join(out, "seed.json"), "w") as f:
        json.dump({"result": seed}, f)
    with open(os.path.join(out, "octodns", "config.yaml"), "w") as f:
        f.write("".join(config))


def run_octodns_providers():
    text = gen.OCTODNS_CONFIG
    return text[text.index("providers:"):text.index("zones:")]


def server_cmd(args, latency):
    cmd = [args.server, "--port", "0", "--token", TOKEN, "--latency-ms", str(latency)]
    for z in range(args.zones):
        cmd += ["--zone", f"{zone(z)}:pro"]
    return cmd + ["--seed", os.path.join(args.out, "seed.json")]


def tool_cmd(args, tool, op, extra=()):
    if tool == "edgeplan":
        cmd = [args.edgeplan, op, "-m", os.path.join(args.out, "dns", "*.yaml"), *extra]
        return cmd + (["--yes"] if op == "apply" else []), args.out
    cmd = [os.path.join(args.venv, "bin", "octodns-sync"), "--config-file", "config.yaml"]
    return cmd + (["--doit"] if op == "apply" else []), os.path.join(args.out, "octodns")


def env(server):
    return dict(os.environ, CLOUDFLARE_API_TOKEN=TOKEN, CLOUDFLARE_BASE_URL=server.url,
                NO_COLOR="1", CI="true")


def one_run(args, tool, op, latency):
    server = run.Server(server_cmd(args, latency))
    try:
        server.get("/__stats?reset=1")
        cmd, cwd = tool_cmd(args, tool, op)
        timefile = os.path.join(args.out, "time.txt")
        log = os.path.join(args.out, f"last-{tool}-{op}.log")
        start = time.perf_counter()
        with open(log, "w") as out:
            rc = subprocess.call(["/usr/bin/time", "-v", "-o", timefile] + cmd, cwd=cwd,
                                 env=env(server), stdout=out, stderr=subprocess.STDOUT)
        wall = time.perf_counter() - start
        if rc != 0:
            raise SystemExit(f"error: {tool} {op} exited {rc}; see {log}")
        stats = server.stats()
        check(args, tool, op, server, stats, log)
    finally:
        server.stop()
    return {"wall": wall, "requests": stats["requests"], "rss_kb": run.peak_rss_kb(timefile)}


def check(args, tool, op, server, stats, log):
    with open(log) as f:
        text = f.read()
    if op == "plan":
        if tool == "edgeplan":
            want = f"{args.managed} to create, 0 to update, 0 to delete"
            ok = text.count(want) == args.zones
        else:
            # octoDNS says it twice per zone (its log and its plan output), and never otherwise.
            want = f"Creates={args.managed}, Updates=0, Deletes=0"
            ok = text.count(want) >= args.zones and text.count("Creates=") == text.count(want)
        if not ok:
            raise SystemExit(f"error: {tool} plan did not say `{want}` for every zone; see {log}")
        return
    for z in range(args.zones):
        zid = server.get(f"/client/v4/zones?name={zone(z)}")["result"][0]["id"]
        info = server.get(f"/client/v4/zones/{zid}/dns_records?per_page=1&type=CNAME"
                          "&proxied=true")["result_info"]
        if info["total_count"] != args.managed:
            raise SystemExit(f"error: after {tool} apply {zone(z)} holds {info['total_count']} "
                             f"proxied CNAMEs, expected {args.managed}")
    if tool == "edgeplan":
        posts = stats["by_method"].get("POST", 0)
        if posts != args.zones:
            raise SystemExit(f"error: edgeplan apply sent {posts} POSTs, expected one batch "
                             f"per zone ({args.zones})")


def same_as_one_at_a_time(args, latency):
    """edgeplan's plan JSON of all zones equals, zone by zone, the plans of each manifest alone."""
    server = run.Server(server_cmd(args, latency))
    try:
        cmd, cwd = tool_cmd(args, "edgeplan", "plan", ["--format", "json"])
        together = json.loads(subprocess.check_output(cmd, cwd=cwd, env=env(server)))
        alone = []
        for z in range(args.zones):
            m = os.path.join(args.out, "dns", f"{zone(z)}.yaml")
            out = subprocess.check_output([args.edgeplan, "plan", "-m", m, "--format", "json"],
                                          cwd=cwd, env=env(server))
            alone += json.loads(out)["zones"]
    finally:
        server.stop()
    if together["zones"] != alone:
        raise SystemExit("error: the plan JSON of all zones differs from the zones one at a time")
    return True


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--zones", type=int, default=100)
    p.add_argument("--records", type=int, default=1000)
    p.add_argument("--managed", type=int, default=60)
    p.add_argument("--latency", type=int, default=20)
    p.add_argument("--ops", default="plan,apply")
    p.add_argument("--out", default=os.path.join(run.ROOT, "bench", "out", "many"))
    p.add_argument("--edgeplan", default=os.path.join(run.ROOT, "target", "release", "edgeplan"))
    p.add_argument("--server", default=os.path.join(run.ROOT, "target", "release", "examples",
                                                    "cloudflare-server"))
    p.add_argument("--venv", default=os.path.join(run.ROOT, "bench", ".venv"))
    args = p.parse_args()
    args.out = os.path.abspath(args.out)
    write(args.out, args.zones, args.records, args.managed)
    info = {"load_before": run.loadavg(), "started": time.strftime("%Y-%m-%d %H:%M:%S %Z")}
    same_as_one_at_a_time(args, args.latency)
    cells = []
    for op in args.ops.split(","):
        runs = {"edgeplan": [], "octodns": []}
        for i in range(args.runs):
            runs["edgeplan"].append(one_run(args, "edgeplan", op, args.latency))
            runs["octodns"].append(one_run(args, "octodns", op, args.latency))
            print(f"  {op} {args.zones} zones: run {i + 1} done", file=sys.stderr)
        cells.append({"op": op, "size": args.records, "managed": args.managed,
                      "plan": f"pro, {args.zones} zones", "latency_ms": args.latency,
                      "runs": runs, "note": ""})
    text = (run.table(cells).replace("zone records (managed, plan)",
                                     "records per zone (managed, plan, zones)")
            + "\nedgeplan's plan JSON equals the zones planned one at a time: checked.\n")
    run.finish(args.out, info, cells, text)


if __name__ == "__main__":
    main()

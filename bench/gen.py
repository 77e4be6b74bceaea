"""Test data for bench/run.py: one zone, the same records for edgeplan and octoDNS.

A scenario is a zone that holds `size` records once applied, `managed` of which are the model
endpoints (proxied CNAMEs `model-N` -> `model-N.origin.example.net`). Before the apply the zone
holds the other `size - managed` records: A (80 %), TXT (10 %) and unproxied CNAME (10 %)
records, none owned by edgeplan. So `plan` computes `managed` creates, and `apply` makes them.

Written per scenario, in DIR:
- seed.json       the live zone before apply, in Cloudflare's record JSON (the server's --seed)
- edgeplan.yaml   the edgeplan manifest: the managed endpoints only (edgeplan owns what it makes)
- octodns/config.yaml, octodns/zones/ZONE.yaml
                  the octoDNS config and the whole zone: octoDNS manages every record of a zone,
                  so its source must list the unrelated records too or it would delete them.

Stdlib only. <https://github.com/octodns/octodns-cloudflare> for the `proxied` flag.
"""

import json
import os

ZONE = "example.com"
TTL = 300


def unrelated(i):
    """The i-th record that is not a model endpoint: (name, type, content)."""
    name = f"host-{i}"
    if i % 10 == 8:
        return name, "TXT", f"bench-{i}"
    if i % 10 == 9:
        return name, "CNAME", f"alias-{i}.other.example.net"
    return name, "A", f"198.51.{(i // 250) % 250}.{i % 250 + 1}"


def endpoint(j):
    return f"model-{j}", f"model-{j}.origin.example.net"


def write(dirname, size, managed, records_per_page=None):
    os.makedirs(os.path.join(dirname, "octodns", "zones"), exist_ok=True)
    seed = []
    zone_yaml = []
    for i in range(size - managed):
        name, kind, content = unrelated(i)
        seed.append({"type": kind, "name": f"{name}.{ZONE}", "content": content,
                     "proxied": False, "ttl": TTL})
        value = content + "." if kind == "CNAME" else content
        zone_yaml.append(f"{name}:\n  type: {kind}\n  ttl: {TTL}\n  value: {value}\n")
    manifest = [f"version: 1\nzone: {ZONE}\ndefaults:\n  proxied: true\nendpoints:\n"]
    for j in range(managed):
        name, target = endpoint(j)
        manifest.append(f"  - name: {name}\n    target: {target}\n")
        zone_yaml.append(
            f"{name}:\n  type: CNAME\n  ttl: {TTL}\n  value: {target}.\n"
            "  octodns:\n    cloudflare:\n      proxied: true\n")
    with open(os.path.join(dirname, "seed.json"), "w") as f:
        json.dump({"result": seed}, f)
    with open(os.path.join(dirname, "edgeplan.yaml"), "w") as f:
        f.write("".join(manifest))
    with open(os.path.join(dirname, "octodns", "zones", f"{ZONE}.yaml"), "w") as f:
        f.write("---\n" + "".join(zone_yaml))
    with open(os.path.join(dirname, "octodns", "config.yaml"), "w") as f:
        config = OCTODNS_CONFIG
        if records_per_page:
            # octoDNS's default is 100; Cloudflare accepts up to 5,000 for DNS records.
            config = config.replace("    retry_period: 1\n",
                                    f"    retry_period: 1\n    records_per_page: {records_per_page}\n")
        f.write(config)


# `api_url` and `retry_period` are options of octodns-cloudflare 1.2.0's CloudflareProvider;
# `env/NAME` values are read from the environment by octoDNS's manager. retry_period is 1 s
# instead of 300 s so that a 429 could not stall a run (the local server sends none unless told).
# enforce_order: false because the generated zone is not in octoDNS's sort order; sorting it
# would not change what is measured.
OCTODNS_CONFIG = """---
providers:
  config:
    class: octodns.provider.yaml.YamlProvider
    directory: ./zones
    default_ttl: 300
    enforce_order: false
  cloudflare:
    class: octodns_cloudflare.CloudflareProvider
    token: env/CLOUDFLARE_API_TOKEN
    api_url: env/CLOUDFLARE_BASE_URL
    retry_period: 1
zones:
  example.com.:
    sources:
      - config
    targets:
      - cloudflare
"""

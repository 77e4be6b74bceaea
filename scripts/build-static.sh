#!/usr/bin/env bash
# Builds a statically linked Linux edgeplan on this machine, and with --check proves it.
#
#   scripts/build-static.sh            build; print the binary's path and size
#   scripts/build-static.sh --check    build, then check: static (file, ldd), at most 12 MB,
#                                      `--version`, `validate` (a good and a bad manifest), a
#                                      sandbox plan when examples/sandbox exists, and that a
#                                      Cloudflare request never reaches glibc's NSS (strace)
#   scripts/build-static.sh --bench    also time `--version` and the sandbox plan (hyperfine)
#
# Why the gnu target with +crt-static and not musl: there is no musl standard library on this
# machine (no internet for `rustup target add`), while glibc's libc.a is here. Releases are built
# for *-unknown-linux-musl (.github/workflows/release.yml); this script is the local stand-in.
# The target is given explicitly so that RUSTFLAGS reach only the target crates, not build
# scripts and proc macros (which must stay dynamic to be loaded by rustc).
#
# Static glibc and name resolution: glibc's getaddrinfo in a static binary still loads the NSS
# modules named by /etc/nsswitch.conf at run time, and they must come from the very glibc
# version it was linked against. edgeplan's HTTP clients resolve names with hickory-dns (a
# pure-Rust resolver reading /etc/resolv.conf and /etc/hosts itself), so --check asserts with
# strace that a Cloudflare request opens neither nsswitch.conf nor an NSS module. docs/release.md
# explains the choice.
set -euo pipefail
cd "$(dirname "$0")/.."

check=false
bench=false
for arg in "$@"; do
  case "$arg" in
    --check) check=true ;;
    --bench) check=true bench=true ;;
    -h | --help)
      sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "error: unknown argument '$arg'" >&2
      echo "  help: scripts/build-static.sh [--check] [--bench]" >&2
      exit 64
      ;;
  esac
done

max_bytes=12000000 # the project's 12 MB size budget, in decimal megabytes

host=$(rustc -vV | sed -n 's/^host: //p')
case "$host" in
  *-unknown-linux-gnu) target=$host ;;
  *)
    echo "error: scripts/build-static.sh builds a static glibc binary and needs a *-linux-gnu host, not '$host'" >&2
    echo "  help: on other systems use the release workflow's targets (docs/release.md)" >&2
    exit 1
    ;;
esac

target_dir=${CARGO_TARGET_DIR:-target}
out_dir="$target_dir/$target/release"
mkdir -p "$out_dir"
map="$(cd "$out_dir" && pwd)/edgeplan.map"
# The link map records which libc.a members were pulled in and by which symbol: the only way to
# see that in a stripped binary.
export RUSTFLAGS="-C target-feature=+crt-static -C link-arg=-Wl,-Map=$map"
# The commit `--version` names on its second line (build.rs); "unknown" outside a git checkout.
EDGEPLAN_BUILD_COMMIT=${EDGEPLAN_BUILD_COMMIT:-$(git rev-parse HEAD 2>/dev/null || true)}
export EDGEPLAN_BUILD_COMMIT

echo "::group::cargo build --release --locked --target $target (static)"
cargo build --release --locked --target "$target" --bin edgeplan
echo "::endgroup::"

bin="$out_dir/edgeplan"
[[ -x "$bin" ]] || {
  echo "error: cargo finished but $bin is missing" >&2
  exit 1
}
size=$(stat -c %s "$bin")
echo "built $bin"
awk -v s="$size" 'BEGIN { printf "size: %d bytes (%.2f MB, %.2f MiB)\n", s, s / 1e6, s / 1048576 }'

# Informational: which NSS-dependent libc functions are linked, and who asked for them. They are
# linked (std, and the getaddrinfo fallback inside reqwest and hyper-util), but linked is not
# called: the strace check below is the one that counts.
if [[ -f "$map" ]]; then
  nss=$(grep -oE 'libc\.a\((getaddrinfo|nsswitch|nss_[a-z_]+|getpwuid_r|getpwnam_r|gethstbyad_r|gethstbynm2_r)\.o\)' "$map" | sort -u | tr '\n' ' ' || true)
  echo "libc.a NSS-related members linked: ${nss:-none}"
fi

$check || exit 0

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
pass() { echo "ok: $*"; }

# 1. Static: `file` says so and the dynamic loader refuses it.
desc=$(file -b "$bin")
if [[ "$desc" =~ (statically|static-pie)\ linked ]]; then
  pass "file: ${desc%%, BuildID*}"
else
  fail "file does not report a static binary: $desc"
fi
if ldd_out=$(ldd "$bin" 2>&1); then
  # ldd exits 0 for dynamic executables, and for static-pie ones it prints "statically linked".
  if [[ "$ldd_out" == *"statically linked"* ]]; then
    pass "ldd: statically linked"
  else
    fail "ldd lists shared libraries: $ldd_out"
  fi
else
  if [[ "$ldd_out" == *"not a dynamic executable"* ]]; then
    pass "ldd: not a dynamic executable"
  else
    fail "ldd failed unexpectedly: $ldd_out"
  fi
fi

# 2. Size budget.
if ((size <= max_bytes)); then
  pass "size $size bytes <= $max_bytes"
else
  fail "the binary is $size bytes, over the $max_bytes-byte budget: check new dependencies (cargo bloat) and the release profile"
fi

# 3. It runs. The first line of --version is exactly `edgeplan X.Y.Z`; the second names the
#    commit and the target.
version_out=$("$bin" --version 2>&1) || fail "--version exited non-zero: $version_out"
expected_version=$(sed -n 's/^version = "\([^"]*\)".*/\1/p' Cargo.toml | head -n 1)
version_line=${version_out%%$'\n'*}
if [[ "$version_line" == "edgeplan $expected_version" ]]; then
  pass "--version: $version_line"
else
  fail "--version printed '$version_line' first, expected 'edgeplan $expected_version'"
fi
if [[ "$version_out" == *$'\n'"commit "*", target $target" ]]; then
  pass "--version: ${version_out#*$'\n'}"
else
  fail "--version's second line should be 'commit <sha|unknown>, target $target': $version_out"
fi
for shell in bash zsh fish powershell; do
  if [[ -n "$("$bin" completions "$shell" 2>&1)" ]]; then
    pass "completions $shell"
  else
    fail "completions $shell printed nothing"
  fi
done
if "$bin" completions bash | bash -n; then
  pass "bash -n accepts the bash completion"
else
  fail "bash -n refuses the bash completion"
fi

work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT

# 4. validate: a manifest that is valid must pass, one with a typo must be rejected (exit 1)
#    with a located error.
good=examples/edgeplan.yaml
if [[ ! -f "$good" ]]; then
  good="$work/edgeplan.yaml"
  cat >"$good" <<'YAML'
version: 1
zone: example.com
endpoints:
  - name: sentiment
    target: sentiment-prod.us-east-1.elb.amazonaws.com
YAML
fi
if out=$("$bin" validate -m "$good" 2>&1); then
  pass "validate $good: $out"
else
  fail "validate $good exited $?: $out"
fi
bad="$work/bad.yaml"
printf 'version: 1\nzone: example.com\nendpoints:\n  - name: api\n    target: api.origin.example.net\n    proxed: true\n' >"$bad"
set +e
out=$("$bin" validate -m "$bad" 2>&1)
code=$?
set -e
if ((code == 1)) && [[ "$out" == *"error: $bad:"* ]]; then
  pass "validate rejects a bad manifest (exit 1, located error)"
else
  fail "validate of a manifest with an unknown key exited $code (expected 1 and 'error: $bad:LINE:COL'): $out"
fi

# 5. A sandbox plan, once plan and the example sandbox exist. It runs on a copy: plan must not
#    write, and the copy keeps the checkout clean if it ever did.
if [[ -d examples/sandbox && -f examples/edgeplan.yaml ]]; then
  cp -r examples/sandbox "$work/sandbox"
  if out=$("$bin" plan --sandbox "$work/sandbox" -m examples/edgeplan.yaml --skip-health 2>&1); then
    pass "sandbox plan ($(printf '%s\n' "$out" | wc -l) lines of output)"
  else
    fail "plan --sandbox examples/sandbox -m examples/edgeplan.yaml exited $?: $out"
  fi

  # 6. Name resolution without NSS: a Cloudflare request to `localhost` (answered from
  #    /etc/hosts by the pure-Rust resolver, so no DNS packet leaves the machine) to a closed port
  #    must fail as an API error (exit 3), after reading /etc/resolv.conf itself, without opening
  #    nsswitch.conf or an NSS module, and without connecting anywhere but loopback.
  if command -v strace >/dev/null 2>&1; then
    set +e
    env -i PATH=/usr/bin:/bin HOME="$work" CLOUDFLARE_API_TOKEN=build-static-probe \
      CLOUDFLARE_BASE_URL=https://localhost:9/client/v4 EDGEPLAN_RETRY_BUDGET_MS=300 \
      strace -f -qq -e trace=open,openat,connect -o "$work/strace.log" \
      "$bin" plan --skip-health -m examples/edgeplan.yaml >"$work/probe.out" 2>&1
    code=$?
    set -e
    if grep -qE 'nsswitch\.conf|libnss_' "$work/strace.log"; then
      fail "a Cloudflare request went through glibc NSS: $(grep -E 'nsswitch\.conf|libnss_' "$work/strace.log" | head -n 3)"
    elif ! grep -q 'resolv\.conf' "$work/strace.log"; then
      fail "the probe never read /etc/resolv.conf: did it resolve a name at all? (exit $code: $(head -c 400 "$work/probe.out"))"
    elif grep 'connect(' "$work/strace.log" | grep -vqE '127\.0\.0\.1|::1|sa_family=AF_UNIX'; then
      fail "the probe connected beyond loopback: $(grep 'connect(' "$work/strace.log" | grep -vE '127\.0\.0\.1|::1' | head -n 2)"
    elif ((code != 3)); then
      fail "an unreachable Cloudflare API should exit 3 (API failure), got $code: $(head -c 400 "$work/probe.out")"
    else
      pass "name resolution reads /etc/resolv.conf and /etc/hosts itself, never glibc NSS (exit 3, loopback only)"
    fi
  else
    echo "skipped: NSS probe (strace is not installed)"
  fi
else
  echo "skipped: sandbox plan and NSS probe (examples/sandbox or examples/edgeplan.yaml not present yet)"
fi

# 7. Timings, whole process, median of several runs.
if $bench; then
  if command -v hyperfine >/dev/null 2>&1; then
    hyperfine --warmup 3 --runs 30 -N --export-json "$work/version.json" "$bin --version"
    if [[ -d examples/sandbox && -f examples/edgeplan.yaml ]]; then
      hyperfine --warmup 3 --runs 20 -N --export-json "$work/plan.json" \
        "$bin plan --sandbox $work/sandbox -m examples/edgeplan.yaml --skip-health"
    fi
  else
    echo "skipped: timings (hyperfine is not installed)"
  fi
fi

if ((failures)); then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "all static-binary checks passed"

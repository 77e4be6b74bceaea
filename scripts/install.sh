#!/usr/bin/env bash
# Installs the edgeplan binary for this runner and writes `path=<binary>` to $GITHUB_OUTPUT.
#
# 1. Pick the release asset for RUNNER_OS / RUNNER_ARCH (table in docs/action.md).
# 2. Look up its sha256 in checksums/<version>.sha256, committed in this action's repository
#    (sha256sum format: "<64 hex>  <asset file name>", one asset per line).
# 3. Download it over HTTPS with retries from the action's own GitHub release, verify the
#    sha256 (a mismatch fails the step: the file is never run), extract under RUNNER_TEMP.
# 4. No asset for this platform, or no checksum for this version: build this action's own
#    source with `cargo build --release --locked` instead.
#
# Environment: EDGEPLAN_VERSION (empty: the version in Cargo.toml), RUNNER_OS, RUNNER_ARCH,
# RUNNER_TEMP, GITHUB_ACTION_PATH, GITHUB_OUTPUT; EDGEPLAN_DOWNLOAD_BASE overrides the release
# download base URL (plain http is accepted only on loopback, for tests).
set -euo pipefail

escape_data() {
  local s=$1
  s=${s//'%'/'%25'}
  s=${s//$'\r'/'%0D'}
  s=${s//$'\n'/'%0A'}
  printf '%s' "$s"
}
fail() {
  printf '::error title=edgeplan install::%s\n' "$(escape_data "$*")"
  exit 1
}
warn() {
  printf '::warning title=edgeplan install::%s\n' "$(escape_data "$*")"
}

# Exported shell functions are a code-injection path into every bash this script starts.
if env | grep '^BASH_FUNC_' >/dev/null; then
  fail "refusing to run with exported bash functions (BASH_FUNC_*) in the environment"
fi

action_path=${GITHUB_ACTION_PATH:-$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)}
temp=${RUNNER_TEMP:-}
if [[ -z "$temp" ]]; then
  temp=$(mktemp -d)
fi

version=${EDGEPLAN_VERSION:-}
version=${version#v}
if [[ -z "$version" ]]; then
  # The first `version = "..."` of the [package] table.
  version=$(sed -n '/^\[package\]/,/^\[/s/^version = "\([^"]*\)".*/\1/p' "$action_path/Cargo.toml")
  version=${version%%$'\n'*}
fi
if [[ ! "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+([.+-][0-9A-Za-z.+-]+)?$ ]]; then
  fail "version '$version' is not a release version like 1.2.3; set the 'version' input or leave it empty"
fi

os=${RUNNER_OS:-$(uname -s)}
arch=${RUNNER_ARCH:-$(uname -m)}
target=""
ext="tar.gz"
case "$os" in
  Linux)
    case "$arch" in
      X64 | x86_64) target=x86_64-unknown-linux-musl ;;
      ARM64 | aarch64 | arm64) target=aarch64-unknown-linux-musl ;;
    esac
    ;;
  macOS | Darwin)
    case "$arch" in
      X64 | x86_64) target=x86_64-apple-darwin ;;
      ARM64 | arm64 | aarch64) target=aarch64-apple-darwin ;;
    esac
    ;;
  Windows | MINGW* | MSYS* | CYGWIN*)
    ext=zip
    case "$arch" in
      X64 | x86_64) target=x86_64-pc-windows-msvc ;;
      ARM64 | arm64 | aarch64) target=aarch64-pc-windows-msvc ;;
    esac
    ;;
esac

checksums="$action_path/checksums/$version.sha256"
expected=""
asset=""
lookup() {
  # Prints the sha256 committed for asset $1, or nothing.
  [[ -f "$checksums" ]] || return 0
  awk -v a="$1" '$2 == a || $2 == "*" a { print $1; exit }' "$checksums"
}
if [[ -n "$target" ]]; then
  asset="edgeplan-$version-$target.$ext"
  expected=$(lookup "$asset")
  # Windows on ARM64 runs x64 binaries under emulation; use that build when there is no native one.
  if [[ -z "$expected" && "$target" == aarch64-pc-windows-msvc ]]; then
    asset="edgeplan-$version-x86_64-pc-windows-msvc.zip"
    expected=$(lookup "$asset")
  fi
fi

build_from_source() {
  echo "edgeplan: $1; building version $version from the action's source"
  command -v cargo >/dev/null 2>&1 ||
    fail "$1, and cargo is not installed to build from source: install a Rust toolchain before this step (for example with rustup), or use a runner with a published binary (docs/action.md)"
  local target_dir="$temp/edgeplan-build"
  echo "::group::cargo build --release --locked"
  cargo build --release --locked --manifest-path "$action_path/Cargo.toml" --target-dir "$target_dir"
  echo "::endgroup::"
  local bin="$target_dir/release/edgeplan"
  [[ -f "$bin.exe" ]] && bin="$bin.exe"
  [[ -f "$bin" ]] || fail "cargo build finished but $bin is missing"
  publish "$bin"
}

publish() {
  if [[ -n "${GITHUB_OUTPUT:-}" ]]; then
    printf 'path=%s\n' "$1" >>"$GITHUB_OUTPUT"
  fi
  echo "edgeplan: installed $1"
  exit 0
}

if [[ -z "$target" ]]; then
  build_from_source "no prebuilt binary for $os/$arch"
fi
if [[ -z "$expected" ]]; then
  build_from_source "no committed sha256 for $asset (checksums/$version.sha256)"
fi
if [[ ! "$expected" =~ ^[0-9a-f]{64}$ ]]; then
  fail "checksums/$version.sha256 holds '$expected' for $asset, not a sha256"
fi

base=${EDGEPLAN_DOWNLOAD_BASE:-https://github.com/edgeplan/edgeplan/releases/download}
base=${base%/}
proto='=https'
case "$base" in
  https://*) ;;
  http://127.0.0.1:* | http://127.0.0.1/* | http://localhost:* | http://localhost/*) proto='=http,https' ;;
  *) fail "EDGEPLAN_DOWNLOAD_BASE must be an https:// URL (got '$base')" ;;
esac
url="$base/v$version/$asset"

dest="$temp/edgeplan-$version-$target"
rm -rf -- "$dest"
mkdir -p -- "$dest"
archive="$dest/$asset"
echo "edgeplan: downloading $url"
if ! curl --proto "$proto" --tlsv1.2 -fsSL --retry 5 --retry-connrefused --connect-timeout 20 -o "$archive" "$url"; then
  warn "download of $url failed; building from source instead"
  rm -rf -- "$dest"
  build_from_source "the release asset could not be downloaded"
fi

if command -v sha256sum >/dev/null 2>&1; then
  actual=$(sha256sum "$archive" | awk '{print $1}')
else
  actual=$(shasum -a 256 "$archive" | awk '{print $1}')
fi
if [[ "$actual" != "$expected" ]]; then
  rm -rf -- "$dest"
  fail "sha256 mismatch for $asset: expected $expected (checksums/$version.sha256), got $actual; the download was discarded"
fi

case "$ext" in
  tar.gz) tar -xzf "$archive" -C "$dest" ;;
  zip)
    if command -v unzip >/dev/null 2>&1; then
      unzip -q -o "$archive" -d "$dest"
    else
      powershell -NoProfile -Command "Expand-Archive -Force -LiteralPath '$archive' -DestinationPath '$dest'"
    fi
    ;;
esac
rm -f -- "$archive"

bin=$(find "$dest" -maxdepth 2 -type f \( -name edgeplan -o -name edgeplan.exe \) -print -quit)
[[ -n "$bin" ]] || fail "$asset holds no edgeplan binary"
chmod +x "$bin"
publish "$bin"

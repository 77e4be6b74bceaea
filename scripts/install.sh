#!/usr/bin/env bash
# shellcheck disable=SC2016 # awk programs run through `command -p`, which shellcheck reads as text
# Installs the edgeplan binary for this runner and writes `path=<binary>` to $GITHUB_OUTPUT.
#
# 1. Pick the release asset for RUNNER_OS / RUNNER_ARCH (table in docs/install.md).
# 2. Look up its sha256 in checksums/<version>.sha256, committed in this action's repository
#    (sha256sum format: "<64 hex>  <asset file name>", one asset per line).
# 3. Download it over HTTPS with retries from the GitHub release of the repository this action
#    was taken from, verify the sha256 (a mismatch fails the step: the file is never run), and
#    extract it under RUNNER_TEMP.
# 4. No asset for this platform, or no checksum for this version: build this action's own source
#    instead, in the action's own directory, with the toolchain its rust-toolchain.toml names,
#    `--locked`, in the `fallback` profile. Nothing in the caller's workspace (a pull request's
#    .cargo/config.toml or rust-toolchain.toml) can change that build; what the workflow author
#    sets (environment variables, ~/.cargo/config.toml) is trusted. The built binary is not cached.
#
#    A build installs the version of this action's source only: an explicit version that differs
#    from the source's Cargo.toml is refused, since building would install something else.
# 5. Log the first line of `edgeplan --version` of what was installed.
#
# Environment: EDGEPLAN_VERSION (empty: the version in Cargo.toml), RUNNER_OS, RUNNER_ARCH,
# RUNNER_TEMP, GITHUB_ACTION_PATH, GITHUB_WORKSPACE, GITHUB_REPOSITORY, GITHUB_SERVER_URL,
# GITHUB_OUTPUT; EDGEPLAN_DOWNLOAD_BASE overrides the release download base URL (plain http is
# accepted only on loopback, for tests).
#
# action.yml starts this script as `/bin/bash --noprofile --norc` with BASH_ENV empty, so no
# startup file runs first. Exported shell functions (BASH_FUNC_*) are imported all the same, and
# one named like a command (`env`, `sha256sum`, `command`) would run in its place: the first lines
# below remove every function using only special builtins, which POSIX mode finds before
# functions, and refuse to go on if there were any. Tools are then called through `command -p`
# (the system's standard PATH); only cargo, and curl or powershell where the standard PATH has
# none (Git Bash on Windows), come from PATH. The threat model is SECURITY.md's: a step that can
# set this job's environment already runs code in the job.
set -o posix
[[ -o posix ]] || : "${edgeplan_refuses:?a shell function named set is exported into the environment; refusing to run}"
unset -f declare
edgeplan_functions=$(declare -F)
edgeplan_functions=${edgeplan_functions//declare -fx /}
edgeplan_functions=${edgeplan_functions//declare -f /}
set -f
# shellcheck disable=SC2086 # one function name a line
unset -f $edgeplan_functions
set +f
[[ -z "$(declare -F)" ]] || : "${edgeplan_refuses:?shell functions exported into the environment could not be removed; refusing to run}"
set +o posix
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

# Exported shell functions are a code-injection path into this script and every bash it starts.
if [[ -n "$edgeplan_functions" ]]; then
  fail "refusing to run with exported bash functions (BASH_FUNC_*) in the environment: ${edgeplan_functions//$'\n'/, }"
fi

# Prints the path of a tool of the system's standard PATH, else (curl, powershell on Windows) of
# PATH; fails when there is none.
tool() {
  command -p -v "$1" || command -v "$1"
}

started=$SECONDS
action_path=${GITHUB_ACTION_PATH:-$(cd -- "$(command -p dirname -- "${BASH_SOURCE[0]}")/.." && pwd)}
temp=${RUNNER_TEMP:-}
if [[ -z "$temp" ]]; then
  temp=$(command -p mktemp -d)
fi

# The version of this action's source: the first `version = "..."` of its Cargo.toml's [package]
# table; what a build from source installs.
source_version=""
if [[ -f "$action_path/Cargo.toml" ]]; then
  source_version=$(command -p sed -n '/^\[package\]/,/^\[/s/^version = "\([^"]*\)".*/\1/p' "$action_path/Cargo.toml")
  source_version=${source_version%%$'\n'*}
fi
version=${EDGEPLAN_VERSION:-}
version=${version#v}
if [[ -z "$version" ]]; then
  version=$source_version
fi
if [[ ! "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+([.+-][0-9A-Za-z.+-]+)?$ ]]; then
  fail "version '$version' is not a release version like 1.2.3; set the 'version' input or leave it empty"
fi

os=${RUNNER_OS:-$(command -p uname -s)}
arch=${RUNNER_ARCH:-$(command -p uname -m)}
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
  command -p awk -v a="$1" '$2 == a || $2 == "*" a { print $1; exit }' "$checksums"
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

elapsed() {
  local s=$((SECONDS - started))
  if ((s >= 60)); then
    printf '%dm %02ds' $((s / 60)) $((s % 60))
  else
    printf '%ds' "$s"
  fi
}

# The toolchain the action's own rust-toolchain.toml names (its `channel`), or nothing.
own_toolchain() {
  local file="$action_path/rust-toolchain.toml"
  [[ -f "$file" ]] || return 0
  command -p sed -n 's/^[[:space:]]*channel[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' "$file" | command -p head -n 1
}

build_from_source() {
  local why=$1
  # A build installs the action's own source, whatever version was asked for: refuse rather than
  # install another version under the requested one's name.
  if [[ "$version" != "$source_version" ]]; then
    local have=${source_version:-unknown}
    fail "$why, and this action's source is version $have, not $version: building it would install version $have under the name $version. Leave the 'version' input empty to build this action's source, or use the action at the release of $version"
  fi
  echo "edgeplan: $why; building version $version from the action's source"
  command -v cargo >/dev/null 2>&1 ||
    fail "$why, and cargo is not installed to build from source: install a Rust toolchain before this step (for example with rustup), or use a runner with a published binary (docs/install.md)"
  local target_dir="$temp/edgeplan-build"
  local toolchain
  toolchain=$(own_toolchain)
  [[ -z "$toolchain" || "$toolchain" =~ ^[0-9A-Za-z._-]+$ ]] ||
    fail "the action's rust-toolchain.toml names '$toolchain', not a toolchain name"
  echo "::group::cargo build --profile fallback --locked (in $action_path${toolchain:+, toolchain $toolchain})"
  # A subshell in the action's own directory: cargo reads .cargo/config.toml from the working
  # directory upwards and rustup reads rust-toolchain.toml the same way, so building from the
  # caller's workspace would let its files choose the compiler (a `rustc-wrapper`, a toolchain
  # `path`) for the binary that then holds the Cloudflare token. RUSTUP_TOOLCHAIN pins the
  # toolchain whatever any rust-toolchain.toml says.
  if ! (
    cd -- "$action_path" || exit 1
    if [[ -n "$toolchain" ]]; then
      export RUSTUP_TOOLCHAIN=$toolchain
    fi
    cargo build --profile fallback --locked --bin edgeplan --target-dir "$target_dir"
  ); then
    echo "::endgroup::"
    fail "cargo build of the action's source failed after $(elapsed) (see the log above)"
  fi
  echo "::endgroup::"
  local bin="$target_dir/fallback/edgeplan"
  [[ -f "$bin.exe" ]] && bin="$bin.exe"
  [[ -f "$bin" ]] || fail "cargo build finished but $bin is missing"
  says "$bin"
  printf '::notice title=edgeplan install::built from source in %s (%s); its --version says %s; a release asset is the production path, see docs/install.md\n' \
    "$(elapsed)" "$(escape_data "$why")" "$(escape_data "$said")"
  publish "$bin" "built from source"
}

# Sets `said` to the first line of `$1 --version`, control characters dropped; fails when the
# binary does not run.
says() {
  local out
  out=$("$1" --version 2>&1) || fail "the installed $1 does not run: \`--version\` failed: ${out%%$'\n'*}"
  said=${out%%$'\n'*}
  said=${said//[[:cntrl:]]/}
}

publish() {
  [[ -n "${said:-}" ]] || says "$1"
  if [[ -n "${GITHUB_OUTPUT:-}" ]]; then
    printf 'path=%s\n' "$1" >>"$GITHUB_OUTPUT"
  fi
  echo "edgeplan: installed $1 ($2, $(elapsed)): $said"
  exit 0
}

# Checks a download base URL the way a URL parser reads it: `https://HOST[:PORT][/PATH]`, or
# `http://` to loopback (127.0.0.1, localhost, [::1]) for tests; no user information before the
# host (`http://localhost:@other-host` names other-host), no query, no fragment. Sets `proto` (what
# curl may follow) on success, `base_problem` on failure.
base_check() {
  local url=$1 rest authority host
  base_problem=""
  case "$url" in
    https://*) rest=${url#https://} proto='=https' ;;
    http://*) rest=${url#http://} proto='=http,https' ;;
    *)
      base_problem="must be an https:// URL (got '$url')"
      return 1
      ;;
  esac
  authority=${rest%%/*}
  if [[ "$authority" == *@* ]]; then
    base_problem="must not carry user information (\`user@\` or \`user:password@\` before the host; got '$url')"
    return 1
  fi
  if [[ "$url" == *[?#]* ]]; then
    base_problem="must not carry a query or fragment (got '$url')"
    return 1
  fi
  if [[ ! "$authority" =~ ^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?$ ]]; then
    base_problem="has no valid host[:port] (got '$url')"
    return 1
  fi
  host=${BASH_REMATCH[1]}
  if [[ "$proto" == '=http,https' ]]; then
    case "$host" in
      127.0.0.1 | localhost | "[::1]") ;;
      *)
        base_problem="must be an https:// URL: plain http is accepted only on loopback (got '$url')"
        return 1
        ;;
    esac
  fi
  return 0
}

# Sets `base`, where the release assets of this action's repository are, and `base_from`, why:
# printed, so a run says which repository it trusted. The committed sha256 is checked whatever
# the base.
release_base() {
  if [[ -n "${EDGEPLAN_DOWNLOAD_BASE:-}" ]]; then
    base_from="EDGEPLAN_DOWNLOAD_BASE"
    base=$EDGEPLAN_DOWNLOAD_BASE
    return
  fi
  local server=${GITHUB_SERVER_URL:-https://github.com}
  # Anything but a plain https URL (or http on loopback, for tests) is not trusted as a server.
  base_check "$server" || server=https://github.com
  server=${server%/}
  local name_re='^[A-Za-z0-9_.-]+$'
  # GitHub's runners check an action out at <work>/_actions/<owner>/<repo>/<ref>
  # (`github.action_repository` is empty inside composite actions). Windows paths use `\`.
  local path=${action_path//\\//}
  if [[ "$path" == */_actions/*/*/* ]]; then
    local rest=${path##*/_actions/}
    local owner=${rest%%/*}
    rest=${rest#*/}
    local repo=${rest%%/*}
    if [[ "$owner" =~ $name_re && "$repo" =~ $name_re && "$owner" != .* && "$repo" != . && "$repo" != .. ]]; then
      base_from="the action's repository $owner/$repo"
      base="$server/$owner/$repo/releases/download"
      return
    fi
  fi
  # `uses: ./` (or a path inside the workspace): the action is the workspace's repository.
  local workspace=${GITHUB_WORKSPACE:-}
  workspace=${workspace//\\//}
  if [[ -n "$workspace" && "${GITHUB_REPOSITORY:-}" =~ ^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$ ]] &&
    [[ "$path" == "${workspace%/}" || "$path" == "${workspace%/}"/* ]]; then
    base_from="the workspace's repository $GITHUB_REPOSITORY (the action runs from the workspace)"
    base="$server/$GITHUB_REPOSITORY/releases/download"
    return
  fi
  # Anything else (a copy outside both): the repository named in the action's Cargo.toml.
  local repository
  repository=$(command -p sed -n '/^\[package\]/,/^\[/s/^repository = "\(https:\/\/[^"]*\)".*/\1/p' "$action_path/Cargo.toml" | command -p head -n 1)
  if [[ -n "$repository" ]]; then
    base_from="the repository in the action's Cargo.toml"
    base="${repository%/}/releases/download"
    return
  fi
  base=""
  base_from=""
}

release_base
base=${base%/}
if [[ -n "$base" ]]; then
  echo "edgeplan: release assets: $base (from $base_from)"
fi

if [[ -z "$target" ]]; then
  build_from_source "no prebuilt binary for $os/$arch"
fi
if [[ -z "$expected" ]]; then
  build_from_source "no committed sha256 for $asset (checksums/$version.sha256)"
fi
if [[ ! "$expected" =~ ^[0-9a-f]{64}$ ]]; then
  fail "checksums/$version.sha256 holds '$expected' for $asset, not a sha256"
fi

if [[ -z "$base" ]]; then
  build_from_source "no release repository is known for this copy of the action (set EDGEPLAN_DOWNLOAD_BASE)"
fi
base_check "$base" || fail "the release download base $base_problem (from $base_from)"
url="$base/v$version/$asset"

dest="$temp/edgeplan-$version-$target"
command -p rm -rf -- "$dest"
command -p mkdir -p -- "$dest"
archive="$dest/$asset"
echo "edgeplan: downloading $url"
curl=$(tool curl) || fail "curl is not installed"
if ! "$curl" --proto "$proto" --tlsv1.2 -fsSL --retry 5 --retry-connrefused --connect-timeout 20 -o "$archive" "$url"; then
  warn "download of $url failed; building from source instead"
  command -p rm -rf -- "$dest"
  build_from_source "the release asset could not be downloaded"
fi

if command -p -v sha256sum >/dev/null 2>&1; then
  actual=$(command -p sha256sum "$archive" | command -p awk '{print $1}')
else
  actual=$(command -p shasum -a 256 "$archive" | command -p awk '{print $1}')
fi
if [[ "$actual" != "$expected" ]]; then
  command -p rm -rf -- "$dest"
  fail "sha256 mismatch for $asset: expected $expected (checksums/$version.sha256), got $actual; the download was discarded"
fi

case "$ext" in
  tar.gz) command -p tar -xzf "$archive" -C "$dest" ;;
  zip)
    if command -p -v unzip >/dev/null 2>&1; then
      command -p unzip -q -o "$archive" -d "$dest"
    else
      powershell=$(tool powershell) || fail "neither unzip nor powershell is installed to extract $asset"
      "$powershell" -NoProfile -Command "Expand-Archive -Force -LiteralPath '$archive' -DestinationPath '$dest'"
    fi
    ;;
esac
command -p rm -f -- "$archive"

bin=$(command -p find "$dest" -maxdepth 2 -type f \( -name edgeplan -o -name edgeplan.exe \) -print -quit)
[[ -n "$bin" ]] || fail "$asset holds no edgeplan binary"
command -p chmod +x "$bin"
publish "$bin" "release asset $asset, sha256 verified"

#!/usr/bin/env bash
# Pins a published release's binaries for the action: writes checksums/<version>.sha256.
#
#   scripts/pin-checksums.sh 1.2.3             download the v1.2.3 release's SHA256SUMS and assets
#                                              (gh CLI; the release is still a draft: a maintainer's
#                                              login or GH_TOKEN can read it)
#   scripts/pin-checksums.sh 1.2.3 DIR         use SHA256SUMS and assets already in DIR
#
# The release workflow (.github/workflows/release.yml, on a build/v<version> tag) puts SHA256SUMS
# beside the archives in a draft release v<version>; publish.yml publishes it once v<version> is
# pushed on the commit that adds the file this script writes.
# This script does not trust that file alone: it downloads every asset, checks each against
# SHA256SUMS with `sha256sum -c`, checks that exactly the five expected assets are listed, and
# only then copies SHA256SUMS to checksums/<version>.sha256, the file scripts/install.sh (run by
# action.yml) verifies downloads against. Commit it on its own (docs/release.md).
#
# Environment: EDGEPLAN_REPO (default edgeplan/edgeplan), GH_TOKEN for gh if not logged in.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  echo "usage: scripts/pin-checksums.sh VERSION [DIR]" >&2
  exit 64
}
(($# >= 1 && $# <= 2)) || usage
version=${1#v}
src=${2:-}
if [[ ! "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
  echo "error: '$1' is not a release version like 1.2.3" >&2
  exit 64
fi

expected=(
  "edgeplan-$version-aarch64-apple-darwin.tar.gz"
  "edgeplan-$version-aarch64-unknown-linux-musl.tar.gz"
  "edgeplan-$version-x86_64-apple-darwin.tar.gz"
  "edgeplan-$version-x86_64-pc-windows-msvc.zip"
  "edgeplan-$version-x86_64-unknown-linux-musl.tar.gz"
)

work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT
if [[ -z "$src" ]]; then
  command -v gh >/dev/null 2>&1 || {
    echo "error: the gh CLI is needed to download the draft release v$version" >&2
    echo "  help: install gh, or download SHA256SUMS and the archives into a directory and pass it as DIR" >&2
    exit 1
  }
  repo=${EDGEPLAN_REPO:-edgeplan/edgeplan}
  echo "downloading the (draft) release v$version of $repo"
  gh release download "v$version" --repo "$repo" --dir "$work" \
    --pattern SHA256SUMS --pattern "edgeplan-$version-*"
  src=$work
fi
[[ -f "$src/SHA256SUMS" ]] || {
  echo "error: $src/SHA256SUMS is missing: did the release workflow (tag build/v$version) finish?" >&2
  exit 1
}

# The listed names must be exactly the expected assets, each line "<64 hex>  <name>".
listed=$(awk '{ print $2 }' "$src/SHA256SUMS" | LC_ALL=C sort)
want=$(printf '%s\n' "${expected[@]}" | LC_ALL=C sort)
if [[ "$listed" != "$want" ]]; then
  echo "error: $src/SHA256SUMS does not list exactly the five release assets for $version" >&2
  diff <(echo "$want") <(echo "$listed") >&2 || true
  exit 1
fi
if grep -vqE '^[0-9a-f]{64}  edgeplan-[^ /]+$' "$src/SHA256SUMS"; then
  echo "error: $src/SHA256SUMS has a line that is not '<64 hex>  <asset>'" >&2
  exit 1
fi
(cd "$src" && sha256sum --strict -c SHA256SUMS)

mkdir -p checksums
dest="checksums/$version.sha256"
LC_ALL=C sort -k2 "$src/SHA256SUMS" >"$dest"
echo "wrote $dest:"
cat "$dest"
echo "next: commit $dest alone ('Pin release binaries of v$version for the action'), merge it"
echo "      into the default branch, then tag that commit v$version and push the tag (docs/release.md)"

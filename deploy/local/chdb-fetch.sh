#!/usr/bin/env bash
# Fetches the chDB engine (libchdb.so from npm @chdb/lib-linux-x64-gnu) at the version pinned as
# <chdb.version> in the parent pom, into ${FERRY_LOCAL_HOME:-<repo>/.local}/chdb/<version>/, and
# prints the library's path on stdout. Does nothing but print when it is already there.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
local_home="${FERRY_LOCAL_HOME:-$repo/.local}"
mkdir -p "$local_home"
local_home="$(cd "$local_home" && pwd)"

version="$(sed -n 's:.*<chdb\.version>\(.*\)</chdb\.version>.*:\1:p' "$repo/pom.xml" | head -n 1)"
if [[ -z "$version" ]]; then
  echo "chdb-fetch: no <chdb.version> in $repo/pom.xml" >&2
  exit 1
fi

target_dir="$local_home/chdb/$version"
target="$target_dir/libchdb.so"
if [[ ! -f "$target" ]]; then
  if [[ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]]; then
    echo "chdb-fetch: the pinned engine package is for Linux x86_64 only" >&2
    exit 1
  fi
  if ! command -v npm >/dev/null; then
    echo "chdb-fetch: npm is needed to fetch @chdb/lib-linux-x64-gnu@$version" >&2
    exit 1
  fi
  mkdir -p "$target_dir"
  # Work next to the target, so the final mv is atomic and a concurrent fetch cannot see half a file.
  work="$(mktemp -d "$target_dir/.fetch.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  echo "chdb-fetch: downloading @chdb/lib-linux-x64-gnu@$version (about 170 MB)" >&2
  (cd "$work" && npm pack --silent "@chdb/lib-linux-x64-gnu@$version" >/dev/null)
  tar -xzf "$work"/*.tgz -C "$work" package/libchdb.so
  mv "$work/package/libchdb.so" "$target"
fi
echo "$target"

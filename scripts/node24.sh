#!/usr/bin/env bash
# Prints the path of a Node 24 binary (installed on first use; see node-major.sh).
exec "$(dirname "$0")/node-major.sh" 24

#!/usr/bin/env bash
# Installs the pinned Node packages (package.json + package-lock.json here: stripe-node and the
# TypeScript compiler) into target/compat-node/node_modules, once: a second run with the same
# lock file installs nothing. Used by .ci/run; run it by hand before the Node compat test or
# the contract generator.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dest="$here/../../target/compat-node"
# The marker is written only after a whole install, so an interrupted one is redone.
if [ -d "$dest/node_modules" ] && cmp -s "$here/package-lock.json" "$dest/installed-lock.json"; then
  exit 0
fi
mkdir -p "$dest"
rm -f "$dest/installed-lock.json"
cp "$here/package.json" "$here/package-lock.json" "$dest/"
cd "$dest"
npm ci --silent --no-audit --no-fund
cp package-lock.json installed-lock.json

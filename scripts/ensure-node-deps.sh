#!/usr/bin/env bash
# Installs node_modules from package-lock.json when they are missing or older than the lock file.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "Installing npm dependencies"
  # `npm ci` refuses a lock file that lacks other platforms' optional binaries (@swc/core-darwin-*,
  # @rollup/rollup-android-*, ...), which this registry mirror does not carry in the locked versions;
  # `npm install` then installs the same locked versions for this platform.
  npm ci --no-audit --no-fund --loglevel=error 2>/dev/null || npm install --no-audit --no-fund --loglevel=error
fi

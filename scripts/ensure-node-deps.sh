#!/usr/bin/env bash
# Installs node_modules from package-lock.json when they are missing or were installed from another
# lock file. The lock file's hash is kept in node_modules/.lock-sha256 after each install, so a checkout
# that only touched the lock file's time (a git worktree sharing node_modules by a symlink, a fresh
# checkout of the same commit) does not reinstall; without that record, the older rule applies (lock
# file newer than npm's own record of the install).
set -euo pipefail
cd "$(dirname "$0")/.."
lock_hash() { sha256sum package-lock.json | cut -d' ' -f1; }
record=node_modules/.lock-sha256
if [ ! -d node_modules ]; then
  stale=1
elif [ -f "$record" ]; then
  [ "$(cat "$record")" = "$(lock_hash)" ] && stale=0 || stale=1
else
  [ package-lock.json -nt node_modules/.package-lock.json ] && stale=1 || stale=0
fi
if [ "$stale" = 1 ]; then
  echo "Installing npm dependencies"
  # `npm ci` refuses a lock file that lacks other platforms' optional binaries (@swc/core-darwin-*,
  # @rollup/rollup-android-*, ...), which this registry mirror does not carry in the locked versions;
  # `npm install` then installs the same locked versions for this platform.
  npm ci --no-audit --no-fund --loglevel=error 2>/dev/null || npm install --no-audit --no-fund --loglevel=error
fi
# npm install may have rewritten the lock file: record what is there now.
lock_hash > "$record"

#!/usr/bin/env bash
# Installs node_modules with `npm ci` from the committed package-lock.json when they are missing or
# were installed from another lock file. Only `npm ci`: it installs exactly what the lock file says and
# never rewrites it, so running the product or the tests leaves the working tree as it was (and a lock
# file out of step with package.json fails here, loudly, as it would in any deploy pipeline).
# The lock file's hash is kept in node_modules/.lock-sha256 after each install, so a checkout that only
# touched the lock file's time (a git worktree sharing node_modules by a symlink) does not reinstall.
set -euo pipefail
cd "$(dirname "$0")/.."
lock_hash() { sha256sum package-lock.json | cut -d' ' -f1; }
record=node_modules/.lock-sha256
if [ ! -f "$record" ] || [ "$(cat "$record")" != "$(lock_hash)" ]; then
  echo "Installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  lock_hash > "$record"
fi

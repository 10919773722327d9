#!/usr/bin/env bash
# `npm test`: everything CI checks, in order — lint, types (server, bot, scripts, tests and the H5
# pages), the H5 build, then every jest suite (unit, integration against real redis-server and the
# embedded MongoDB, browser tests in Debian's Chromium). Extra arguments go to jest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-system-deps.sh
bash scripts/ensure-node-deps.sh
echo "── lint"; npx eslint .
echo "── typecheck"; npx tsc -p tsconfig.json --noEmit
echo "── typecheck h5"; npm run --silent typecheck:h5
echo "── build h5"; npx vite build --config h5/vite.config.ts --logLevel warn
echo "── tests"
# Three workers on this 2-core machine (files spend much of their time waiting on servers and browsers;
# measured: 398 s against 501 s with two). Each test file has its own MongoDB database and its worker its own
# redis-server (tests/support), so files run side by side. No --forceExit: every file closes what it
# opened, and a handle left open shows up as a run that does not end.
NODE_OPTIONS='--experimental-vm-modules --no-warnings' npx jest --maxWorkers="${JEST_WORKERS:-3}" "$@"

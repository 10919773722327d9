#!/usr/bin/env bash
# `npm test`: everything CI checks — lint, types (server, bot, scripts, tests and the H5 pages), the H5
# build, and every jest suite (unit, integration against real redis-server and the embedded MongoDB,
# browser tests in Debian's Chromium). Extra arguments go to jest.
#
# The H5 build comes first (the browser tests load it). Lint and the type checks then run beside the
# tests rather than before them: the test files spend much of their time waiting on servers and
# browsers, and the checks use that idle CPU. Their output is printed when they end; any failure fails
# the run. SCRM_CHECKS=0 skips them (a quick local run of some tests).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-system-deps.sh
bash scripts/ensure-node-deps.sh
echo "── build h5"; npx vite build --config h5/vite.config.ts --logLevel warn

checks=()
if [ "${SCRM_CHECKS:-1}" != 0 ]; then
  logs=$(mktemp -d)
  trap 'rm -rf "$logs"' EXIT
  # One after another (they would only compete with each other), together beside jest.
  (
    status=0
    for check in "lint:npx eslint . && npx prettier --check --log-level warn ." "typecheck:npx tsc -p tsconfig.json --noEmit" "typecheck h5:npm run --silent typecheck:h5"; do
      name=${check%%:*}
      if bash -c "${check#*:}" > "$logs/$name.log" 2>&1; then echo ok > "$logs/$name.status"; else echo failed > "$logs/$name.status"; status=1; fi
    done
    exit $status
  ) &
  checks_pid=$!
  checks=(lint typecheck "typecheck h5")
fi

echo "── tests"
# Three workers on this 2-core machine (files spend much of their time waiting on servers and browsers;
# measured: 398 s against 501 s with two). Each test file has its own MongoDB database and its worker its own
# redis-server (tests/support), so files run side by side. No --forceExit: every file closes what it
# opened, and a handle left open shows up as a run that does not end.
tests=0
NODE_OPTIONS='--experimental-vm-modules --no-warnings' npx jest --maxWorkers="${JEST_WORKERS:-3}" "$@" || tests=$?

failed=0
if [ ${#checks[@]} -gt 0 ]; then
  wait "$checks_pid" || true
  for name in "${checks[@]}"; do
    echo "── $name: $(cat "$logs/$name.status" 2>/dev/null || echo 'did not run')"
    if [ "$(cat "$logs/$name.status" 2>/dev/null)" != ok ]; then cat "$logs/$name.log"; failed=1; fi
  done
fi
[ "$tests" = 0 ] && [ "$failed" = 0 ]

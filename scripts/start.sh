#!/usr/bin/env bash
# `npm start`: the whole product (API, jobs, bot on the mock puppet, local WeCom, H5 pages) with demo
# data, on an embedded MongoDB and a local redis-server unless MONGODB_URI / REDIS_URL are set.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-system-deps.sh
bash scripts/ensure-node-deps.sh
exec node --import tsx scripts/demo.ts "$@"

#!/usr/bin/env bash
# Starts the service the way a new user does (npm start, PGlite, empty data directory), waits until it is
# available and checks that the bundled sample is served; then stops it with SIGTERM and checks it exits cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."
port="${SMOKE_PORT:-18080}"
dir=$(mktemp -d)
XTAP_DATA_DIR="$dir/pglite" XTAP_RESULTS_DIR="$dir/results" PORT="$port" LOG_LEVEL=warn npm start >"$dir/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$port/tap/availability" >/dev/null 2>&1 && break
  kill -0 $pid 2>/dev/null || { cat "$dir/server.log"; echo "server exited"; exit 1; }
  sleep 1
done
curl -fsS "http://127.0.0.1:$port/tap/availability" | grep -q '<vosi:available>true</vosi:available>'
curl -fsS "http://127.0.0.1:$port/health" | grep -q '"status":"ok"'
echo "smoke: availability and health OK"
kill -TERM $pid
wait $pid || { echo "server did not exit cleanly"; cat "$dir/server.log"; exit 1; }
echo "smoke: clean shutdown"

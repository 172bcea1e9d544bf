#!/usr/bin/env bash
# Warm start-up time: seconds from `npm start` to /health answering 200, RUNS times (default 3), then stops the
# server it started (by its process group). Run once beforehand so the build and the sample load are done.
# Usage: bash bench/start-time.sh [RUNS]   (PORT defaults to 18931)
set -u
cd "$(dirname "$0")/.."
PORT=${PORT:-18931}
for run in $(seq 1 "${1:-3}"); do
  t0=$(date +%s.%N)
  PORT=$PORT setsid npm start >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 1 1200); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break; sleep 0.1; done
  t1=$(date +%s.%N)
  echo "run $run: available after $(echo "$t1 - $t0" | bc) s"
  kill -TERM -- "-$pid" 2>/dev/null
  for _ in $(seq 1 100); do ss -ltn | grep -q ":$PORT " || break; sleep 0.2; done
done

#!/usr/bin/env bash
# Starts the service the way a new user does (npm start, embedded PostgreSQL, empty data directory), waits until it
# is available and checks that the bundled sample is served; then stops it with SIGTERM and checks it exits cleanly
# and leaves no PostgreSQL running.
set -euo pipefail
cd "$(dirname "$0")/.."
port="${SMOKE_PORT:-18080}"
dir=$(mktemp -d)
env -u DATABASE_URL XTAP_DATA_DIR="$dir/postgres" XTAP_RESULTS_DIR="$dir/results" PORT="$port" LOG_LEVEL=info npm start >"$dir/server.log" 2>&1 &
pid=$!
cleanup() {
  rc=$?
  [ $rc -ne 0 ] && { echo "--- server log"; grep -v '"msg":"request"' "$dir/server.log" | tail -30; }
  kill $pid 2>/dev/null || true
  pm=$(head -1 "$dir/postgres/data/postmaster.pid" 2>/dev/null || true)
  [ -n "$pm" ] && kill -INT "$pm" 2>/dev/null && sleep 2
  rm -rf "$dir"
}
trap cleanup EXIT
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$port/tap/availability" >/dev/null 2>&1 && break
  kill -0 $pid 2>/dev/null || { cat "$dir/server.log"; echo "server exited"; exit 1; }
  sleep 1
done
curl -fsS "http://127.0.0.1:$port/tap/availability" | grep -q '<vosi:available>true</vosi:available>'
curl -fsS "http://127.0.0.1:$port/health" | grep -q '"status":"ok"'
echo "smoke: availability and health OK"
count() {
  curl -fsS -G "http://127.0.0.1:$port/tap/sync" --data-urlencode LANG=ADQL --data-urlencode RESPONSEFORMAT=csv \
    --data-urlencode "QUERY=$1" | tail -n +2 | tr -d '\r'
}
for t in master_source stack_source observation_source master_stack_assoc stack_observation_assoc; do
  n=$(count "SELECT COUNT(*) AS n FROM csc2.$t")
  [ "$n" -gt 0 ] || { echo "smoke: csc2.$t is empty"; exit 1; }
  echo "smoke: csc2.$t has $n rows"
done
joined=$(count "SELECT COUNT(*) AS n FROM csc2.master_source AS m JOIN csc2.master_stack_assoc AS a ON a.name = m.name JOIN csc2.stack_observation_assoc AS so ON so.detect_stack_id = a.detect_stack_id AND so.region_id = a.region_id JOIN csc2.observation_source AS o ON o.obsid = so.obsid AND o.obi = so.obi AND o.region_id = so.region_id")
obs=$(count "SELECT COUNT(*) AS n FROM csc2.observation_source")
[ "$joined" = "$obs" ] || { echo "smoke: hierarchy join gives $joined rows for $obs observation detections"; exit 1; }
classified=$(count "SELECT COUNT(*) AS n FROM ml.source_class")
masters=$(count "SELECT COUNT(*) AS n FROM csc2.master_source")
[ "$classified" = "$masters" ] || { echo "smoke: $classified of $masters master sources classified"; exit 1; }
echo "smoke: hierarchy consistent ($joined detections), $classified sources classified"
# SIGTERM to the node process itself (npm does not forward signals to its child), then npm must exit 0
node_pid=""
for p in $(pgrep -f "dist/server/main.js"); do
  tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "PORT=$port" && node_pid=$p
done
[ -n "$node_pid" ] || { echo "smoke: cannot find the server process"; exit 1; }
kill -TERM "$node_pid"
wait $pid || { echo "server did not exit cleanly"; cat "$dir/server.log"; exit 1; }
grep -q '"msg":"stopped"' "$dir/server.log" || { echo "server log has no clean stop"; cat "$dir/server.log"; exit 1; }
if [ -f "$dir/postgres/data/postmaster.pid" ]; then echo "smoke: the embedded PostgreSQL is still running"; exit 1; fi
echo "smoke: clean shutdown (embedded PostgreSQL stopped)"

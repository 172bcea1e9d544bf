#!/usr/bin/env bash
# Starts the service the way a new user does (npm start, embedded PostgreSQL, empty data directory), waits until it
# is available and checks that the bundled sample is served; runs issue 9's 5-way cross join (stopped at the 30 s
# limit while availability and a cone query answer in < 1 s); kills the server with -9 and starts it again (the
# orphaned PostgreSQL is replaced); then stops it with SIGTERM and checks it exits cleanly with no PostgreSQL left.
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
  # npm does not forward signals: stop the server it started too (found by its PORT)
  for p in $(pgrep -f "dist/server/main.js" || true); do
    tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "PORT=$port" && kill "$p" 2>/dev/null
  done
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
base="http://127.0.0.1:$port"

# Issue 9's runaway query on the default engine: a 5-way cross join is stopped by the sync time limit (30 s before
# the first row) with a DALI error, while availability and a small cone query keep answering in < 1 s.
cross='SELECT COUNT(*) FROM csc2.master_source a, csc2.master_source b, csc2.master_source c, csc2.master_source d, csc2.master_source e'
cone="SELECT name FROM csc2.master_source WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 166.41, -58.75, 0.3))"
curl -sS -o "$dir/cross.out" -w '%{http_code} %{time_total}' -G "$base/tap/sync" --data-urlencode LANG=ADQL \
  --data-urlencode "QUERY=$cross" >"$dir/cross.time" &
cross_pid=$!
sleep 2
slowest=0
probes=0
while kill -0 $cross_pid 2>/dev/null; do
  a=$(curl -fsS -o /dev/null -w '%{time_total}' "$base/tap/availability")
  c=$(curl -fsS -o /dev/null -w '%{time_total}' -G "$base/tap/sync" --data-urlencode LANG=ADQL \
    --data-urlencode RESPONSEFORMAT=csv --data-urlencode "QUERY=$cone")
  slowest=$(printf '%s\n' "$a" "$c" "$slowest" | sort -g | tail -1)
  probes=$((probes + 2))
  sleep 0.5
done
wait $cross_pid || true
read -r code secs <"$dir/cross.time" || true  # no trailing newline
msg=$(grep -o 'QUERY_STATUS" value="ERROR">[^<]*' "$dir/cross.out" | head -1 | sed 's/.*">//' || true)
echo "smoke: 5-way cross join ended after $secs s (HTTP $code): $msg"
echo "smoke: slowest of $probes availability / cone answers during it: $slowest s"
grep -q 'limit 30 s' <<<"$msg" || { echo "smoke: the cross join was not stopped by its 30 s limit"; exit 1; }
awk -v s="$slowest" 'BEGIN { exit !(s < 1) }' || { echo "smoke: an answer took $slowest s during the cross join"; exit 1; }

# kill -9 of the server leaves its PostgreSQL running; the next start must shut that one down and start afresh
node_pid=""
for p in $(pgrep -f "dist/server/main.js"); do
  tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "PORT=$port" && node_pid=$p
done
[ -n "$node_pid" ] || { echo "smoke: cannot find the server process"; exit 1; }
old_pm=$(head -1 "$dir/postgres/data/postmaster.pid")
kill -9 "$node_pid"; wait $pid 2>/dev/null || true
kill -0 "$old_pm" 2>/dev/null || { echo "smoke: expected the killed server's PostgreSQL to outlive it"; exit 1; }
started=$(date +%s.%N)
env -u DATABASE_URL XTAP_DATA_DIR="$dir/postgres" XTAP_RESULTS_DIR="$dir/results" PORT="$port" LOG_LEVEL=info \
  node --max-semi-space-size=1 dist/server/main.js >>"$dir/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 120); do
  curl -fsS "$base/tap/availability" >/dev/null 2>&1 && break
  kill -0 $pid 2>/dev/null || { echo "smoke: the server did not start again after kill -9"; exit 1; }
  sleep 0.5
done
if kill -0 "$old_pm" 2>/dev/null; then echo "smoke: the old PostgreSQL ($old_pm) still runs"; exit 1; fi
[ "$(count "SELECT COUNT(*) AS n FROM csc2.master_source")" = "$masters" ] || { echo "smoke: data lost after kill -9"; exit 1; }
echo "smoke: after kill -9 the next start replaced the orphaned PostgreSQL and served again in $(echo "$(date +%s.%N) - $started" | bc) s"

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

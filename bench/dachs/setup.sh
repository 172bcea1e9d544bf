#!/bin/bash
# (xtap copy of ../shared/bench/dachs/setup.sh; differences: patch-pgsphere.sh runs before DaCHS's postinst creates
#  the pg_sphere extension, and a half-configured gavodachs2-server is configured again.)
# Sets up GAVO DaCHS (Debian gavodachs2-server) locally with a synthetic
# CSC2-like table csc2.master_source and starts the server.
# Run as root on Debian 12.  Re-runnable: skips steps already done.
#   N=1000000 DACHS_PORT=8090 ./setup.sh
# Env: N (rows, default 1000000), DACHS_PORT (default 8090),
#      FORCE_IMPORT=1 to re-import even if the table already has N rows.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
N="${N:-1000000}"
PORT="${DACHS_PORT:-8090}"
export DEBIAN_FRONTEND=noninteractive
log() { echo "== $(date +%T) $*"; }

# --- 1. PostgreSQL has to run *before* gavodachs2-server is configured:
#        its postinst creates the gavo DB/roles and runs `dachs init`.
log "starting PostgreSQL 15"
pg_ctlcluster 15 main start 2>/dev/null || true
pg_lsclusters

# --- 2. packages (retry while another apt/dpkg holds the lock)
apt_install() {
  for i in $(seq 1 60); do
    if apt-get install -y -q "$@"; then return 0; fi
    echo "apt-get busy/failed, retry $i"; sleep 10
  done
  return 1
}
if ! dpkg -s gavodachs2-server >/dev/null 2>&1; then
  log "installing packages"
  apt-get update -q || true
  # extensions first, so that `dachs init` in the postinst already finds them
  apt_install postgresql-15-pgsphere postgresql-15-q3c
  bash "$HERE/patch-pgsphere.sh"
  apt_install gavodachs2-server
fi
bash "$HERE/patch-pgsphere.sh"
dpkg --configure -a
dpkg -s stilts >/dev/null 2>&1 || apt_install stilts || echo "stilts not installed (taplint will be skipped)"

# --- 3. DaCHS configuration (deviations from defaults are commented)
log "writing /etc/gavo.rc (port $PORT)"
cat > /etc/gavo.rc <<EOF
[web]
bindAddress: 127.0.0.1
serverPort: $PORT
serverURL: http://localhost:$PORT
sitename: DaCHS TAP anchor (synthetic CSC2)

[async]
# default 60 s: too short for a 1e6-row sync download through DaCHS
defaultExecTimeSync: 900
EOF

# --- 4. make sure the DaCHS database exists and is initialised (in case the
#        package was installed while PostgreSQL was down)
psql_pg() { runuser -u postgres -- psql -v ON_ERROR_STOP=1 -qtAX "$@"; }
if [ -z "$(psql_pg -c "select 1 from pg_database where datname='gavo'")" ]; then
  runuser -u postgres -- createdb --encoding=UTF-8 --template template0 gavo
fi
if [ -z "$(psql_pg -c "select 1 from pg_roles where rolname='dachsroot'")" ]; then
  runuser -u postgres -- createuser -s dachsroot
fi
psql_pg -d gavo -c "create extension if not exists pg_sphere; create extension if not exists q3c;"
if [ -z "$(psql_pg -d gavo -c "select 1 from pg_namespace where nspname='tap_schema'")" ]; then
  log "dachs init"
  mkdir -p /var/gavo && chown dachsroot /var/gavo
  su dachsroot -c "dachs init"
fi
[ -f /var/gavo/etc/dsn ] || { echo "DaCHS not initialised?"; exit 1; }

# --- 5. resource descriptor + deterministic data
RESDIR=/var/gavo/inputs/csc2
mkdir -p "$RESDIR/data"
cp "$HERE/rd/q.rd" "$RESDIR/q.rd"
CSV="$RESDIR/data/master_source.csv"
if [ ! -f "$CSV" ] || [ "$(cat "$RESDIR/data/.n" 2>/dev/null)" != "$N" ]; then
  log "generating $N synthetic rows"
  rm -f "$RESDIR"/data/*.csv
  /usr/bin/python3 "$HERE/gen_csv.py" "$N" "$CSV"
  echo "$N" > "$RESDIR/data/.n"
  FORCE_IMPORT=1
fi
chown -R dachsroot:gavo "$RESDIR"

# --- 6. import (creates table, q3c index, primary key, TAP_SCHEMA entries)
have=$(psql_pg -d gavo -c "select count(*) from csc2.master_source" 2>/dev/null || echo 0)
if [ "${FORCE_IMPORT:-0}" = 1 ] || [ "$have" != "$N" ]; then
  log "dachs imp csc2/q (this takes a while)"
  ( cd "$RESDIR" && time su dachsroot -c "dachs imp q" )
  psql_pg -d gavo -c "vacuum analyze csc2.master_source"
fi
log "rows: $(psql_pg -d gavo -c 'select count(*) from csc2.master_source')"

# --- 7. (re)start the server; it drops privileges to user gavo
log "starting dachs serve on port $PORT"
dachs serve stop >/dev/null 2>&1 || true
sleep 1
dachs serve start
for i in $(seq 1 60); do
  if curl -fs "http://localhost:$PORT/tap/availability" >/dev/null; then break; fi
  sleep 1
done
curl -fs "http://localhost:$PORT/tap/availability" >/dev/null \
  && log "DaCHS TAP up at http://localhost:$PORT/tap" \
  || { echo "server did not come up; see /var/gavo/logs/"; exit 1; }

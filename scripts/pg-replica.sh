#!/usr/bin/env bash
# A streaming read replica of a local PostgreSQL 15 cluster, for DATABASE_URL_REPLICAS (docs/SCALE-OUT.md).
# Idempotent: run it again and it only (re)starts what is missing. Needs root (or the postgres user) and the
# Debian postgresql-common tools (pg_createcluster, pg_ctlcluster).
#   scripts/pg-replica.sh            # replica "replica" on 5435 of the cluster on 127.0.0.1:5432
#   PRIMARY_PORT=5436 REPLICA_PORT=5437 REPLICA_NAME=r2 scripts/pg-replica.sh
#   scripts/pg-replica.sh --drop     # stop and remove the replica cluster (the primary's pg_hba line stays)
# What it changes on the primary: one pg_hba.conf line `host replication all 127.0.0.1/32 trust` (appended when
# missing, then pg_reload_conf()). No replication slot is made, so the primary keeps no WAL for the replica: a
# replica stopped for long falls behind for good (rerun with --drop, then again).
# The replica's own pg_hba trusts 127.0.0.1 like the test primary here; change both for anything but a test box.
set -euo pipefail
VER=${PG_VERSION:-15}
PRIMARY_HOST=${PRIMARY_HOST:-127.0.0.1}
PRIMARY_PORT=${PRIMARY_PORT:-5432}
REPLICA_PORT=${REPLICA_PORT:-5435}
NAME=${REPLICA_NAME:-replica}
as_pg() { if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi; }
exists() { pg_lsclusters -h | awk -v v="$VER" -v n="$NAME" '$1 == v && $2 == n { found = 1 } END { exit !found }'; }

if [ "${1:-}" = "--drop" ]; then
  if exists; then pg_dropcluster --stop "$VER" "$NAME"; echo "replica $NAME dropped"; else echo "no replica $NAME"; fi
  exit 0
fi

psqlp() { psql -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U postgres -d postgres -Atqc "$1"; }
hba=$(psqlp 'SHOW hba_file')
if ! grep -Eq '^host[[:space:]]+replication[[:space:]]+all[[:space:]]+127\.0\.0\.1/32' "$hba"; then
  echo "host replication all 127.0.0.1/32 trust  # added by xtap scripts/pg-replica.sh" >>"$hba"
  psqlp 'SELECT pg_reload_conf()' >/dev/null
  echo "primary: replication from 127.0.0.1 allowed ($hba)"
fi

if ! exists; then
  pg_createcluster "$VER" "$NAME" -p "$REPLICA_PORT" >/dev/null
  data=$(pg_lsclusters -h | awk -v v="$VER" -v n="$NAME" '$1 == v && $2 == n { print $6 }')
  conf=/etc/postgresql/$VER/$NAME
  find "$data" -mindepth 1 -delete
  as_pg pg_basebackup -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U postgres -D "$data" -R -X stream -c fast
  # A hot standby needs these at least as large as on its primary.
  for s in max_connections max_worker_processes max_wal_senders max_prepared_transactions max_locks_per_transaction; do
    echo "$s = $(psqlp "SHOW $s")" >>"$conf/conf.d/xtap-replica.conf"
  done
  echo "hot_standby = on" >>"$conf/conf.d/xtap-replica.conf"
  cat >"$conf/pg_hba.conf" <<HBA
local all all trust
host all all 127.0.0.1/32 trust
HBA
  echo "replica $NAME created from $PRIMARY_HOST:$PRIMARY_PORT"
fi
pg_ctlcluster "$VER" "$NAME" start >/dev/null 2>&1 || true
for _ in $(seq 1 30); do
  if [ "$(psql -h 127.0.0.1 -p "$REPLICA_PORT" -U postgres -d postgres -Atqc 'SELECT pg_is_in_recovery()' 2>/dev/null)" = t ]; then
    echo "replica $NAME streaming on 127.0.0.1:$REPLICA_PORT (in recovery)"
    exit 0
  fi
  sleep 1
done
echo "replica $NAME did not come up on $REPLICA_PORT; see /var/log/postgresql/postgresql-$VER-$NAME.log" >&2
exit 1

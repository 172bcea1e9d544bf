#!/usr/bin/env bash
# Two more PostgreSQL 15 clusters on this machine for the HEALPix-sharded catalogue (docs/SCALE-OUT.md):
# shard1 on 127.0.0.1:5433 and shard2 on 127.0.0.1:5434, each with a database xtap_shard. Idempotent; needs
# root (or postgres) and the Debian postgresql-common tools. Then `xtap shard setup` partitions the catalogue.
#   scripts/pg-shards.sh          # create/start
#   scripts/pg-shards.sh --drop   # stop and remove both clusters
# The clusters trust connections from 127.0.0.1 (a test box only: give them passwords anywhere else).
set -euo pipefail
VER=${PG_VERSION:-15}
SHARDS=${SHARDS:-"shard1:5433 shard2:5434"}
exists() { pg_lsclusters -h | awk -v v="$VER" -v n="$1" '$1 == v && $2 == n { found = 1 } END { exit !found }'; }
for spec in $SHARDS; do
  name=${spec%%:*}
  port=${spec##*:}
  if [ "${1:-}" = "--drop" ]; then
    if exists "$name"; then pg_dropcluster --stop "$VER" "$name"; echo "$name dropped"; fi
    continue
  fi
  if ! exists "$name"; then
    pg_createcluster "$VER" "$name" -p "$port" >/dev/null
    conf=/etc/postgresql/$VER/$name
    cat >"$conf/pg_hba.conf" <<HBA
local all all trust
host all all 127.0.0.1/32 trust
HBA
    # Small shared_buffers: three clusters share a small machine.
    echo "shared_buffers = 128MB" >"$conf/conf.d/xtap-shard.conf"
    echo "$name created on port $port"
  fi
  pg_ctlcluster "$VER" "$name" start >/dev/null 2>&1 || true
  for _ in $(seq 1 30); do
    psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -Atqc 'SELECT 1' >/dev/null 2>&1 && break
    sleep 1
  done
  if ! psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -Atqc "SELECT 1 FROM pg_database WHERE datname = 'xtap_shard'" | grep -q 1; then
    psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -qc 'CREATE DATABASE xtap_shard'
  fi
  echo "$name ready: postgres://postgres@127.0.0.1:$port/xtap_shard"
done

#!/bin/bash
# Makes the Debian pg_sphere 1.2.0 extension script installable on PostgreSQL ≥ 15.x minor releases that check
# operator commutator pairs ("commutator operator @> is already the commutator of operator <@"): removes the two
# obsolete GAVO compatibility operators `@ (bigint, smoc)` and `@ (spoint, smoc)`, as upstream pgsphere PR #92
# does. Idempotent; keeps the original as pg_sphere--1.2.0.sql.orig. Run as root before `CREATE EXTENSION pg_sphere`.
set -euo pipefail
DIR="${PG_EXTDIR:-$(pg_config --sharedir 2>/dev/null || echo /usr/share/postgresql/15)/extension}"
F="$DIR/pg_sphere--1.2.0.sql"
[ -f "$F" ] || { echo "patch-pgsphere: $F not installed, nothing to do"; exit 0; }
if ! grep -q 'RIGHTARG   = smoc,' "$F" || ! grep -Pzq 'CREATE OPERATOR @ \(\n\s*LEFTARG\s*=\s*(bigint|spoint),\n\s*RIGHTARG\s*=\s*smoc' "$F"; then
  echo "patch-pgsphere: $F already without the obsolete @ smoc operators"; exit 0
fi
[ -f "$F.orig" ] || cp -p "$F" "$F.orig"
python3 - "$F" <<'PY'
import re, sys
p = sys.argv[1]
s = open(p).read()
pat = re.compile(r"CREATE OPERATOR @ \(\s*LEFTARG\s*=\s*(bigint|spoint),\s*RIGHTARG\s*=\s*smoc,.*?\);\n", re.S)
s, n = pat.subn("", s)
open(p, "w").write(s)
print(f"patch-pgsphere: removed {n} obsolete @ (…, smoc) operators from {p}")
PY

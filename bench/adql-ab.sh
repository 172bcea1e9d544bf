#!/usr/bin/env bash
# A/B of the ADQL pipeline's CPU cost at two commits: parse + resolve + translate of bench/adql.ts's 20-line CSC2
# query (translateAdql, published catalog, rowLimit 1001). Usage: bash bench/adql-ab.sh [BASE [NEW [REPS]]]
# (defaults HEAD~1, HEAD, 9). Each repetition runs BASE then NEW, each in a fresh node process (300 warm-up calls,
# then 3000 timed calls) and records CPU microseconds per call (process.cpuUsage: user + system, steadier than wall
# time on a shared machine). Prints every sample, then per commit the median and range, and the median and range of
# the per-repetition ratio NEW/BASE. Needs only git, node and the repo's node_modules (esbuild).
set -euo pipefail
base=${1:-HEAD~1}
new=${2:-HEAD}
reps=${3:-9}
root=$(git rev-parse --show-toplevel)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for side in base new; do
  rev=$base
  [ "$side" = new ] && rev=$new
  mkdir -p "$tmp/$side"
  git -C "$root" archive "$rev" adql schema bench | tar -x -C "$tmp/$side"
  ln -s "$root/node_modules" "$tmp/$side/node_modules"
  cat > "$tmp/$side/driver.ts" <<'EOF'
import { translateAdql } from './adql/index.ts';
import { CSC2_QUERY } from './bench/adql.ts';
import { publishedCatalog } from './schema/catalog.ts';
const catalog = publishedCatalog();
const opts = { rowLimit: 1001 };
for (let i = 0; i < 300; i++) translateAdql(CSC2_QUERY, catalog, opts);
const c0 = process.cpuUsage();
for (let i = 0; i < 3000; i++) translateAdql(CSC2_QUERY, catalog, opts);
const c = process.cpuUsage(c0);
console.log(((c.user + c.system) / 3000).toFixed(1));
EOF
  (cd "$tmp/$side" && "$root/node_modules/.bin/esbuild" driver.ts --bundle --platform=node --format=esm --outfile=driver.mjs --log-level=warning --packages=external)
done
echo "base $base ($(git -C "$root" rev-parse --short "$base")), new $new ($(git -C "$root" rev-parse --short "$new")), $reps interleaved repetitions, CPU µs per call"
for i in $(seq "$reps"); do
  for side in base new; do echo "$side $(cd "$tmp/$side" && node driver.mjs)"; done
done | node -e '
const lines = require("fs").readFileSync(0, "utf8").trim().split("\n").map((l) => l.split(" "));
for (const [s, v] of lines) console.log(`  ${s} ${v}`);
const get = (s) => lines.filter((l) => l[0] === s).map((l) => Number(l[1]));
const b = get("base"), n = get("new");
const med = (xs) => { const s = [...xs].sort((x, y) => x - y); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const fmt = (xs, d = 0) => `median ${med(xs).toFixed(d)} (${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)})`;
console.log(`base ${fmt(b)} µs; new ${fmt(n)} µs; new/base ${fmt(n.map((x, i) => x / b[i]), 2)}`);
'

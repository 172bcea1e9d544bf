#!/usr/bin/env bash
# In-process A/B of the ADQL pipeline at two commits: both versions loaded into one node process and timed in
# alternating batches (order swapped every batch), so load changes on a shared machine hit both sides alike; steadier
# than bench/adql-ab.sh's one-process-per-sample runs. Times the resolve pass alone (resolveQuery on the parsed
# bench/adql.ts query) and the whole pipeline (translateAdql, rowLimit 1001), CPU µs per call. Prints per side the
# median and range of 41 batches of 300 calls, and the median and range of the per-batch ratio NEW/BASE.
# Usage: bash bench/adql-ab-inproc.sh [BASE [NEW]] (defaults HEAD~1, HEAD). Needs git, node, node_modules (esbuild).
set -euo pipefail
base=${1:-HEAD~1}
new=${2:-HEAD}
root=$(git rev-parse --show-toplevel)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ln -s "$root/node_modules" "$tmp/node_modules"
for side in base new; do
  rev=$base
  [ "$side" = new ] && rev=$new
  mkdir -p "$tmp/$side"
  git -C "$root" archive "$rev" adql schema bench | tar -x -C "$tmp/$side"
  cat > "$tmp/fn-$side.ts" <<EOF
import { translateAdql } from './$side/adql/index.ts';
import { parseAdql } from './$side/adql/parser.ts';
import { resolveQuery } from './$side/adql/resolve/index.ts';
import { CSC2_QUERY } from './$side/bench/adql.ts';
import { publishedCatalog } from './$side/schema/catalog.ts';
const catalog = publishedCatalog();
const ast = parseAdql(CSC2_QUERY);
export const full = () => translateAdql(CSC2_QUERY, catalog, { rowLimit: 1001 });
export const resolve = () => resolveQuery(ast, catalog);
EOF
  (cd "$tmp" && "$root/node_modules/.bin/esbuild" "fn-$side.ts" --bundle --platform=node --format=esm --outfile="fn-$side.mjs" --log-level=warning --packages=external)
done
cat > "$tmp/ab.mjs" <<'EOF'
import * as A from './fn-base.mjs';
import * as B from './fn-new.mjs';
const med = (xs) => { const s = [...xs].sort((x, y) => x - y); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const f = (xs, d) => `${med(xs).toFixed(d)} (${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)})`;
for (const which of ['resolve', 'full']) {
  for (let i = 0; i < 500; i++) { A[which](); B[which](); }
  const a = [], b = [], r = [];
  for (let rep = 0; rep < 41; rep++) {
    const t = {};
    for (const [k, M] of rep % 2 ? [['b', B], ['a', A]] : [['a', A], ['b', B]]) {
      const c0 = process.cpuUsage();
      for (let i = 0; i < 300; i++) M[which]();
      const c = process.cpuUsage(c0);
      t[k] = (c.user + c.system) / 300;
    }
    a.push(t.a); b.push(t.b); r.push(t.b / t.a);
  }
  console.log(`${which}: base ${f(a, 1)} µs, new ${f(b, 1)} µs, new/base ${f(r, 2)}`);
}
EOF
echo "base $base ($(git -C "$root" rev-parse --short "$base")), new $new ($(git -C "$root" rev-parse --short "$new")), 41 interleaved batches of 300 calls, CPU µs per call, load $(cut -d' ' -f1-3 /proc/loadavg)"
(cd "$tmp" && node ab.mjs)

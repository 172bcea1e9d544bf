#!/bin/bash
# Replays what the experiments/blend refactor must not change, for the tree at NEW against git revision BASE:
#   models/source-classifier/experiments/refactor_check/replay.sh BASE [WORKDIR]
# 1. evaluate() of v7, v8 (+ --post-hoc), v9 on a synthetic per-unit cache (no fit): logs, results JSON, CARD.md, --help
# 2. results_markdown on the committed vN_results.json; route / photometry_group on random masks
# 3. blend_v7/8/9 main() with fits and ONNX building stubbed, all 9 selections, plain and with old metrics in card.json
# 4. blend_v8/v9_parity.mjs on synthetic scratch builds
# Prints one line per comparison; any DIFF is a change in behaviour.
set -e
BASE=${1:?base revision}; W=${2:-/tmp/refactor-check}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(git -C "$HERE" rev-parse --show-toplevel)
NEW=${NEW_TREE:-$REPO}  # the tree under test (default: this checkout)
SHARED=$(realpath "$REPO/../shared")
PY="nice -n 15 /usr/bin/python3"
rm -rf "$W"; mkdir -p "$W/base"
git -C "$REPO" archive "$BASE" models/source-classifier | tar -x -C "$W/base"
ln -s "$SHARED" "$W/shared"
evaluate() {  # SRC OUT
  local SRC=$1 OUT=$2 E
  mkdir -p "$OUT/models"; cp -r "$SRC/models/source-classifier" "$OUT/models/"; ln -s "$REPO/data" "$OUT/data"
  E=$OUT/models/source-classifier/experiments
  for v in v7 v8 v9; do $PY "$HERE/fakecache.py" "$OUT" $v "$OUT/cache_$v" > /dev/null; done
  $PY $E/v7_candidates.py --data-dir $SHARED/data/training --cache $OUT/cache_v7 --n-boot 30 --run-note note > $OUT/log_v7.txt
  $PY $E/v8_candidates.py --data-dir $SHARED/data/training --cache $OUT/cache_v8 --n-boot 30 --run-note note > $OUT/log_v8.txt
  $PY $E/v8_candidates.py --data-dir $SHARED/data/training --cache $OUT/cache_v8 --n-boot 30 --post-hoc > $OUT/log_v8ph.txt
  $PY $E/v9_candidates.py --data-dir $SHARED/data/training --cache $OUT/cache_v9 --n-boot 30 --run-note note > $OUT/log_v9.txt
  for f in $OUT/log_*.txt; do sed -E 's/^\[[^]]*\] //' $f > $f.norm; done
  for v in v7 v8 v9; do
    $PY -c "import json; d=json.load(open('$E/${v}_results.json')); d['seconds']=0; json.dump(d, open('$OUT/${v}_results.norm.json','w'), indent=1)"
    $PY $E/${v}_candidates.py --help > $OUT/help_$v.txt
  done
  cp $E/v8_posthoc.json $OUT/
  sed -E 's/Wall clock of this evaluation: [0-9.]+ s/Wall clock X s/' $OUT/models/source-classifier/CARD.md > $OUT/CARD.norm.md
}
evaluate "$W/base" "$W/eval_base"; evaluate "$NEW" "$W/eval_new"
for f in log_v7.txt.norm log_v8.txt.norm log_v8ph.txt.norm log_v9.txt.norm v7_results.norm.json v8_results.norm.json v9_results.norm.json v8_posthoc.json CARD.norm.md help_v7.txt help_v8.txt help_v9.txt; do
  cmp -s "$W/eval_base/$f" "$W/eval_new/$f" && echo "same evaluate $f" || echo "DIFF evaluate $f"
done
$PY "$HERE/check_md.py" "$W/base" "$NEW"
blends() {  # SRC OUT [patch]
  local SRC=$1 OUT=$2
  mkdir -p "$OUT/models"; cp -r "$SRC/models/source-classifier" "$OUT/models/"; ln -s "$REPO/data" "$OUT/data"
  [ -n "$3" ] && $PY "$HERE/patch_card.py" "$OUT"
  for vs in v7:C1 v7:B2 v7:C3 v8:B2 v8:B3 v8:C5 v9:R1 v9:R2 v9:R3; do
    cp "$SRC/models/source-classifier/experiments/v7_results.json" "$OUT/models/source-classifier/experiments/"
    $PY "$HERE/blend_harness.py" "$OUT" ${vs%%:*} ${vs##*:} "$OUT/b_${vs%%:*}_${vs##*:}" > /dev/null
  done
}
for p in "" patched; do
  blends "$W/base" "$W/blend_base$p" $p; blends "$NEW" "$W/blend_new$p" $p
  for d in "$W/blend_base$p"/b_*; do b=$(basename $d)
    for f in card.norm.json stdout.txt fixtures/blend_fixture.json model.onnx; do
      cmp -s "$d/$f" "$W/blend_new$p/$b/$f" && echo "same blend$p $b $f" || echo "DIFF blend$p $b $f"
    done
  done
done
$PY "$HERE/mkfx.py" "$REPO" "$W"
E=$REPO/models/source-classifier/experiments
git -C "$REPO" show "$BASE:models/source-classifier/experiments/blend_v8_parity.mjs" > "$E/_base_v8.mjs"
git -C "$REPO" show "$BASE:models/source-classifier/experiments/blend_v9_parity.mjs" > "$E/_base_v9.mjs"
for c in v8 v9blend v9blendcal v9forestcal; do s=${c:0:2}
  a=$(node "$E/_base_$s.mjs" "$W/fx_$c"); b=$(node "$E/blend_${s}_parity.mjs" "$W/fx_$c")
  [ "$a" = "$b" ] && echo "same parity $c" || echo "DIFF parity $c"
done
rm -f "$E/_base_v8.mjs" "$E/_base_v9.mjs"

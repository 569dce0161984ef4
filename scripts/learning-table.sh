#!/usr/bin/env bash
# The README's learning table: trains each variant (`pfn-train --model V --steps 3000`, every other
# setting at its default) once per seed, with the held-out n20 suite evaluated every 500 steps, then
# evaluates each final checkpoint on the suites and prints, per variant and suite, the mean ± sd across
# the seeds beside the baselines (`pfn-train compare --across-runs`).
# Usage: scripts/learning-table.sh [OUT_DIR]
#   env: VARIANTS="A B C D E"  SEEDS="1 2 3"  JOBS=2 (runs at once)  THREADS=1 (per run)
#        SUITES="n10 n20 n50"  STEPS=3000  EXTRA="" (more train options, the same for every run)
#        PFN_TRAIN=path (a binary to use instead of building this checkout: a long table then keeps one
#        binary while the checkout changes)
# Runs already finished in OUT_DIR are kept, and so are their evaluations; a run stopped part-way is
# resumed from its newest checkpoint.
# Its runs are named V-sSEED; scripts/main-job-table.sh is this with VARIANTS=C.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/out/learning-table}"
variants="${VARIANTS:-A B C D E}" seeds="${SEEDS:-1 2 3}" jobs="${JOBS:-2}" threads="${THREADS:-1}"
suites="${SUITES:-n10 n20 n50}" steps="${STEPS:-3000}" extra="${EXTRA:-}"
if [ -n "${PFN_TRAIN:-}" ]; then
    bin="$(cd "$(dirname "$PFN_TRAIN")" && pwd)/$(basename "$PFN_TRAIN")"
else
    "$root/scripts/setup.sh"
    bin="$root/.build/release/pfn-train"
fi
mkdir -p "$out"
cd "$out"
run() {  # run VARIANT SEED
    local name="$1-s$2"
    if [ -f "checkpoints/$name/final.h5" ]; then return; fi
    if [ -d "checkpoints/$name" ] && ! ls "checkpoints/$name"/step-*.h5 > /dev/null 2>&1; then
        rm -rf "checkpoints/$name" "logs/$name.json"  # cut off before its first checkpoint: start over
    fi
    if [ -d "checkpoints/$name" ]; then
        "$bin" --resume "checkpoints/$name" --steps "$steps" --threads "$threads" >> "$name.out" 2>&1
    else
        # shellcheck disable=SC2086  # EXTRA is a list of options
        "$bin" --model "$1" --steps "$steps" --seed "$2" --threads "$threads" --eval-every 500 --eval-suite n20 \
            --run-name "$name" $extra > "$name.out" 2>&1
    fi
}
active=0
for v in $variants; do
    for s in $seeds; do
        if [ "$active" -ge "$jobs" ]; then wait -n; active=$((active - 1)); fi
        run "$v" "$s" &
        active=$((active + 1))
    done
done
wait
for v in $variants; do
    for suite in $suites; do
        files=()
        for s in $seeds; do
            # An evaluation newer than its checkpoint is kept (a table resumed or extended).
            if [ ! "eval-$v-s$s-$suite.json" -nt "checkpoints/$v-s$s/final.h5" ]; then
                "$bin" eval --checkpoint "checkpoints/$v-s$s/final.h5" --suite "$suite" --threads "$threads" \
                    --json "eval-$v-s$s-$suite.json" --markdown > "eval-$v-s$s-$suite.md"
            fi
            files+=("eval-$v-s$s-$suite.json")
        done
        echo "## model $v, $suite"
        "$bin" compare --across-runs "${files[@]}"
        echo
    done
done
logs=()
for v in $variants; do for s in $seeds; do logs+=("logs/$v-s$s.json"); done; done
"$bin" plot "${logs[@]}" --x minutes --panels eval_shd,eval_auroc,eval_auprc --out learning-minutes.svg
echo "per-run tables: $out/eval-*-s*-*.md; held-out curves against wall time: $out/learning-minutes.svg"

#!/usr/bin/env bash
# The README's main-job table: trains the main job (`pfn-train --model C --steps 3000`, every other
# setting at its default) once per seed, with the held-out n20 suite evaluated every 500 steps,
# then evaluates each final checkpoint on the suites and prints mean ± sd across the seeds beside
# the baselines (`pfn-train compare --across-runs`).
# Usage: scripts/main-job-table.sh [OUT_DIR]
#   env: SEEDS="1 2 3"  JOBS=3 (runs at once)  THREADS=1 (per run)  SUITES="n10 n20 n50"  STEPS=3000
# Runs already finished in OUT_DIR are kept; a run stopped part-way is resumed from its newest checkpoint.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/out/main-job}"
seeds="${SEEDS:-1 2 3}" jobs="${JOBS:-3}" threads="${THREADS:-1}" suites="${SUITES:-n10 n20 n50}" steps="${STEPS:-3000}"
"$root/scripts/setup.sh"
bin="$root/.build/release/pfn-train"
mkdir -p "$out"
cd "$out"
run() {  # run SEED
    local name="main-s$1"
    if [ -f "checkpoints/$name/final.h5" ]; then return; fi
    if [ -d "checkpoints/$name" ]; then
        "$bin" --resume "checkpoints/$name" --steps "$steps" --threads "$threads" >> "$name.out" 2>&1
    else
        "$bin" --model C --steps "$steps" --seed "$1" --threads "$threads" --eval-every 500 --eval-suite n20 \
            --run-name "$name" > "$name.out" 2>&1
    fi
}
active=0
for s in $seeds; do
    if [ "$active" -ge "$jobs" ]; then wait -n; active=$((active - 1)); fi
    run "$s" &
    active=$((active + 1))
done
wait
for suite in $suites; do
    files=()
    for s in $seeds; do
        "$bin" eval --checkpoint "checkpoints/main-s$s/final.h5" --suite "$suite" --threads "$threads" \
            --json "eval-main-s$s-$suite.json" --markdown > "eval-main-s$s-$suite.md"
        files+=("eval-main-s$s-$suite.json")
    done
    "$bin" compare --across-runs "${files[@]}"
    echo
done
"$bin" plot logs/main-s*.json --x minutes --panels eval_shd,eval_auroc,eval_auprc --out main-job-minutes.svg
echo "per-seed tables: $out/eval-main-s*-*.md; held-out curves against wall time: $out/main-job-minutes.svg"

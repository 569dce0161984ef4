#!/usr/bin/env bash
# Reproduces the README's learning table: trains each variant briefly on small graphs with the
# held-out suite evaluated during training, then evaluates the final checkpoints against the
# baselines. Usage: scripts/learning-table.sh [OUT_DIR] (env: STEPS, NODES, SUITE, VARIANTS, JOBS;
# EXTRA: more training flags for every run, e.g. EXTRA="--pair-context --lr 1e-3"; ABLATIONS=0
# skips the A-sequential and A-seed-loss runs).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/out/learning}"
steps="${STEPS:-1000}" nodes="${NODES:-10}" suite="${SUITE:-n10}" variants="${VARIANTS:-A B C D E}" jobs="${JOBS:-2}" ablations="${ABLATIONS:-1}"
read -r -a extra <<< "${EXTRA:-}"
"$root/scripts/setup.sh"
bin="$root/.build/release/pfn-train"
mkdir -p "$out"
cd "$out"
run() {  # run NAME ARGS...
    local name=$1; shift
    [ -f "checkpoints/$name/final.h5" ] || "$bin" --steps "$steps" --nodes "$nodes" --threads 1 --seed 1 \
        --eval-every $((steps / 4)) --eval-suite "$suite" --log-every 50 --checkpoint-every 0 --run-name "$name" "${extra[@]}" "$@" > "$name.out"
}
specs=()
for v in $variants; do specs+=("$v --model $v"); done
names="$variants"
if [ "$ablations" = 1 ]; then
    specs+=("A-sequential --model A --stream sequential" "A-seed-loss --model A --loss seed")
    names="$names A-sequential A-seed-loss"
fi
active=0
for spec in "${specs[@]}"; do
    if [ "$active" -ge "$jobs" ]; then wait -n; active=$((active - 1)); fi
    run $spec &
    active=$((active + 1))
done
wait
for name in $names; do
    "$bin" eval --checkpoint "checkpoints/$name/final.h5" --suite "$suite" --json "eval-$name.json" --markdown > "eval-$name.md"
done
"$bin" compare logs/*.json
"$bin" plot logs/*.json --out compare.svg
echo "tables: $out/eval-*.md; plot: $out/compare.svg"

#!/usr/bin/env bash
# Makes the committed pretrained model from a trained checkpoint (models/README.md):
#   1. pfn-train export --weights-only CKPT --out OUT-DIR/NAME.h5 --dtype DTYPE   (at most 12 MB;
#      DTYPE auto: fp32, the checkpoint's predictions exactly, unless that is over 12 MB, then bf16;
#      with --delta-correction-bound C also that export option, for a model trained without the bound)
#   2. pfn-train predict on the committed sample CSV (models/sample-n10/) -> OUT-DIR/NAME.expected.csv,
#      the edge probabilities PretrainedModelTests reproduces (tolerance 1e-4); also from CKPT
#      itself, printing how far the export's probabilities are from the checkpoint's
#   3. pfn-train eval --suite S --markdown for each held-out suite (default n10 n20): the README's table
#
# usage: scripts/make-pretrained.sh CKPT [--dtype auto|fp32|bf16] [--name pfn-C-default]
#                                        [--out-dir models] [--suites "n10 n20"] [--threads K]
#                                        [--delta-correction-bound C]
# The binary is $PFN_TRAIN, else .build/release/pfn-train (built by scripts/setup.sh).
# Example: scripts/make-pretrained.sh checkpoints/C-long/final.h5
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
pfn="${PFN_TRAIN:-$root/.build/release/pfn-train}"
die() { echo "make-pretrained: $*" >&2; exit 1; }

[ $# -ge 1 ] || die "give the trained checkpoint: scripts/make-pretrained.sh CKPT [--dtype auto|fp32|bf16] [--name NAME] [--out-dir DIR] [--suites \"n10 n20\"]"
ckpt="$1"; shift
dtype=auto name=pfn-C-default out_dir="$root/models" suites="n10 n20" threads="" bound_args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --dtype) dtype="$2"; shift 2 ;;
        --name) name="$2"; shift 2 ;;
        --out-dir) out_dir="$2"; shift 2 ;;
        --suites) suites="$2"; shift 2 ;;
        --threads) threads="$2"; shift 2 ;;
        --delta-correction-bound) bound_args=(--delta-correction-bound "$2"); shift 2 ;;
        *) die "unknown option '$1' (options: --dtype --name --out-dir --suites --threads --delta-correction-bound)" ;;
    esac
done
[ -x "$pfn" ] || die "no pfn-train binary at $pfn; run scripts/setup.sh first (or set PFN_TRAIN)"
[ -f "$ckpt" ] || die "no checkpoint at '$ckpt'"
sample="$root/models/sample-n10"
budget=$((12 * 1000 * 1000))
thread_args=()
[ -n "$threads" ] && thread_args=(--threads "$threads")
mkdir -p "$out_dir"
model="$out_dir/$name.h5" expected="$out_dir/$name.expected.csv"

# The sample: one 10-node dataset of the default prior, committed so the expected output
# is tied to fixed data (made once by exactly this command).
if [ ! -f "$sample/observational.csv" ]; then
    tmp_suite="$(mktemp -d)"
    "$pfn" sample --count 1 --nodes 10 --seed 11 --out "$tmp_suite/sample.h5" --csv-dir "$sample"
    rm -rf "$tmp_suite"
fi

case "$dtype" in auto|fp32|bf16) ;; *) die "--dtype is '$dtype'; use auto, fp32 or bf16" ;; esac
"$pfn" export --weights-only "$ckpt" --out "$model" --dtype "${dtype/auto/fp32}" "${bound_args[@]}"
size=$(stat -c %s "$model")
if [ "$dtype" = auto ] && [ "$size" -gt "$budget" ]; then
    echo "fp32 is $size bytes, over the 12 MB budget: bf16 instead (half the size, probabilities move slightly)"
    dtype=bf16
    "$pfn" export --weights-only "$ckpt" --out "$model" --dtype bf16 "${bound_args[@]}"
    size=$(stat -c %s "$model")
fi
if [ "$dtype" = auto ]; then dtype=fp32; fi
if [ "$size" -gt "$budget" ]; then
    die "$model is $size bytes, over the 12 MB budget; export with --dtype bf16 or train a smaller model"
fi

"$pfn" predict --checkpoint "$model" --data "$sample" --csv "$expected" "${thread_args[@]}"
source_csv="$(mktemp)"
trap 'rm -f "$source_csv"' EXIT
"$pfn" predict --checkpoint "$ckpt" --data "$sample" --csv "$source_csv" "${thread_args[@]}" > /dev/null
# Both tables have a header and a row per parent: the largest and mean |difference| over the cells.
paste -d, "$expected" "$source_csv" | awk -F, -v dtype="$dtype" '
    NR > 1 { n = NF / 2; for (i = 2; i <= n; i++) { d = $i - $(i + n); if (d < 0) d = -d; if (d > m) m = d; s += d; c++ } }
    END { printf "export (%s) vs checkpoint on models/sample-n10: edge probabilities differ by %.2e at most, %.2e on average\n", dtype, m, s / c }'

for suite in $suites; do
    echo
    echo "## held-out suite $suite ($name, $dtype)"
    "$pfn" eval --checkpoint "$model" --suite "$suite" --markdown "${thread_args[@]}"
done
echo
echo "wrote $model ($size bytes) and $expected"

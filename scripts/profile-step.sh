#!/usr/bin/env bash
# Where a training step's CPU goes: `perf record` of `pfn-train bench train` (train's defaults and its
# real data stream), then the samples grouped by thread (compute / data producer) and by kind of work.
# Usage: scripts/profile-step.sh [--steps K] [--variants C] [--data perf.data] [-- train options]
#   e.g. scripts/profile-step.sh -- --nodes 50 --threads 2
#   --data FILE: only group the samples of an earlier recording (perf.data) again.
# Needs `perf` (Debian: apt-get install linux-perf) and permission to sample (root, or
# kernel.perf_event_paranoid ≤ 1). Shares are of all samples of the process, warm-up included;
# the machine should be otherwise idle (a shared machine changes the split little, times a lot).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
steps=25 variants=C data=""
while [ $# -gt 0 ]; do
    case "$1" in
        --steps) steps="$2"; shift 2 ;;
        --variants) variants="$2"; shift 2 ;;
        --data) data="$2"; shift 2 ;;
        --) shift; break ;;
        *) echo "profile-step: unknown option '$1' (options: --steps --variants --data, then -- and train options)" >&2; exit 1 ;;
    esac
done
command -v perf >/dev/null 2>&1 || { echo "profile-step: perf not found; install it (Debian: apt-get install linux-perf)" >&2; exit 1; }
if [ -z "$data" ]; then
    "$root/scripts/setup.sh"
    data="$(mktemp -d)/perf.data"
    perf record -F 499 -o "$data" "$root/.build/release/pfn-train" bench train --variants "$variants" --steps "$steps" -- "$@" >&2
fi
perf report -i "$data" --no-children --sort comm,sym -F overhead,comm,sym --stdio 2>/dev/null | awk '
    /^ +[0-9.]+%/ {
        share = $1; sub("%", "", share); comm = $2; sym = $0
        thread = (comm == "pfn-data") ? "data producer" : "compute"
        kind = "other"
        if (sym ~ /\[k\]/) kind = "kernel (page faults, scheduling, I/O)"
        else if (thread == "compute") {
            if (sym ~ /gemm_kernel|gemm_small_kernel|pfn_bf16_gemm/) kind = "matrix products (BLAS / bf16 kernels)"
            else if (sym ~ /gemm_(it|in|ot|on)copy|gemm_beta|sgemm_(nn|tn|nt|tt)/) kind = "BLAS packing and C scaling"
            else if (sym ~ /memset|memmove|memcpy/) kind = "memset / memcpy"
            else if (sym ~ /biasActivationDropout|gelu|Gelu|relu|normalCDF/) kind = "bias + GELU/ReLU + dropout"
            else if (sym ~ /triangleProduct|TriangleWorkspace/) kind = "pair context: triangle update"
            else if (sym ~ /smallGemm/) kind = "pair context: small-side products (smallGemm)"
            else if (sym ~ /PairItem|pairNetwork|PairNetwork/) kind = "pair context: fused network (GELU, bias, copies)"
            else if (sym ~ /PairContext|PairFeatures|pairTerms/) kind = "pair context: other"
            else if (sym ~ /attention|softmax/) kind = "attention (softmax, masks)"
            else if (sym ~ /layerNorm/) kind = "layer norm"
            else if (sym ~ /AdamW/) kind = "AdamW"
            else if (sym ~ /expm|matrixExp|Notears|notears|dgemm|log1p|bce/) kind = "loss (matrix exponential, BCE, Huber)"
            else if (sym ~ /binary|Broadcast|reduce|sum/) kind = "element-wise and reductions"
            else if (sym ~ /swift_|malloc|free|_int_/) kind = "Swift runtime and malloc"
        } else {
            if (sym ~ /propagate/) kind = "SCM simulation (propagate)"
            else if (sym ~ /PairFeatures|NodeFeatures|ModelInput/) kind = "model input (pair and node features)"
            else if (sym ~ /Randomness|FloatMath|Gaussian|log1p|logf|expf/) kind = "random draws and transcendentals"
            else if (sym ~ /gram|distanceCorrelation/) kind = "distance correlation (Gram matrices)"
            else if (sym ~ /spearman|mergeTopRuns|sort/) kind = "Spearman ranks"
            else if (sym ~ /inverseSPD|partialCorrelation/) kind = "partial correlations"
            else if (sym ~ /ColumnStats|RegimeContext|correlation|welch/) kind = "regime statistics"
            else if (sym ~ /memset|memmove|memcpy/) kind = "memset / memcpy"
            else if (sym ~ /transpose/) kind = "transposes"
            else if (sym ~ /swift_|malloc|free|_int_/) kind = "Swift runtime and malloc"
        }
        total[thread] += share; part[thread "\t" kind] += share
    }
    END {
        print "| thread | work | share of samples |"
        print "|---|---|---:|"
        n = split("compute\tdata producer", threads, "\t")
        for (t = 1; t <= n; t++) {
            th = threads[t]
            printf "| **%s** | all | **%.1f%%** |\n", th, total[th]
            cmd = "sort -t\"\t\" -k3 -g -r"
            for (k in part) { split(k, kk, "\t"); if (kk[1] == th) printf "%s\t%s\t%.1f\n", th, kk[2], part[k] | cmd }
            close(cmd)
        }
    }' | awk -F'\t' 'NF == 3 { printf "| %s | %s | %.1f%% |\n", $1, $2, $3; next } { print }'

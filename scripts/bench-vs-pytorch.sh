#!/usr/bin/env bash
# Times pfn-train and the PyTorch reference (reference/torch_bench.py: the seed notebook's
# models and loss) on the same configurations, alternating per configuration, and writes a
# markdown ratio table (Swift ms / PyTorch ms) to --out and stdout.
#
#   scripts/bench-vs-pytorch.sh                               # A-E, N 20,50, 2 threads (~10 min)
#   scripts/bench-vs-pytorch.sh --nodes 20,50,100 --threads 1,2 --steps 10 --warmup 3
#   scripts/bench-vs-pytorch.sh --end-to-end                  # A-E x pair context on/off, N=50 (~10 min)
#
# Options: --variants LIST --nodes LIST --threads LIST --steps K --warmup K --out PATH,
# --precision auto|fp32|bf16 (pfn-train's matrix products), --torch-autocast-bf16 (PyTorch's),
# --pfn-args "ARGS" (more `pfn-train bench` options, e.g. "--pair-context --feed-forward 512" for
# the default model's forward against the notebook's in PyTorch; not with --end-to-end).
# --end-to-end: `pfn-train bench train` (train's defaults, its real data stream, --nodes N,
# batch 32) against the notebook's training loop with its own data generation
# (reference/torch_notebook_loop.py), each variant with and without the pair context, K steps
# (default 30) each, for every node count in --nodes (default 50); first thread count only; writes
# bench/bench-vs-pytorch-end-to-end.md unless --out is given.
# Installs PyTorch (CPU wheel), h5py, pandas and networkx with pip when missing.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

variants=A,B,C,D,E nodes=20,50 threads=2 steps=5 warmup=2 out=""
precision=fp32 precision_given=0 torch_extra=() end_to_end=0 steps_given=0 nodes_given=0 pfn_args=""
command_line="scripts/bench-vs-pytorch.sh $*"
while (($#)); do
    case "$1" in
        --variants) variants="$2"; shift 2 ;;
        --nodes) nodes="$2"; nodes_given=1; shift 2 ;;
        --threads) threads="$2"; shift 2 ;;
        --steps) steps="$2"; steps_given=1; shift 2 ;;
        --warmup) warmup="$2"; shift 2 ;;
        --out) out="$2"; shift 2 ;;
        --precision) precision="$2"; precision_given=1; shift 2 ;;
        --torch-autocast-bf16) torch_extra=(--autocast-bf16); shift ;;
        --end-to-end) end_to_end=1; shift ;;
        --pfn-args) pfn_args="$2"; shift 2 ;;
        -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "bench-vs-pytorch: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
done

python=${PYTHON:-python3}
if ! "$python" -c "import torch" 2>/dev/null; then
    echo "bench-vs-pytorch: installing PyTorch (CPU) with pip" >&2
    "$python" -m pip install -q torch --index-url https://download.pytorch.org/whl/cpu
fi
if ! "$python" -c "import h5py, numpy" 2>/dev/null; then
    echo "bench-vs-pytorch: installing h5py and numpy with pip" >&2
    "$python" -m pip install -q h5py numpy
fi
"$root/scripts/setup.sh"
pfn="$root/.build/release/pfn-train"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if ((end_to_end)); then
    if ! "$python" -c "import pandas, networkx" 2>/dev/null; then
        echo "bench-vs-pytorch: installing pandas and networkx with pip (the notebook's data generation)" >&2
        "$python" -m pip install -q pandas networkx
    fi
    ((nodes_given)) || nodes=50
    ((steps_given)) || steps=30
    t=${threads%%,*} out=${out:-bench/bench-vs-pytorch-end-to-end.md}
    i=0
    for n in ${nodes//,/ }; do
        for v in ${variants//,/ }; do
            for pc in pc nopc; do
                flags=(--nodes "$n" --threads "$t" --batch 32)
                [[ $pc == nopc ]] && flags+=(--no-pair-context)
                ((precision_given)) && flags+=(--precision "$precision")
                key="$v-$pc-$n"
                swift_run() { "$pfn" bench train --variants "$v" --steps "$steps" --warmup "$warmup" --json "$work/swift-$key.json" -- "${flags[@]}" | grep -E "^$v" ; }
                torch_run() { "$python" reference/torch_notebook_loop.py --variant "$v" --nodes "$n" --threads "$t" --steps "$steps" --warmup "$warmup" --json "$work/torch-$key.json" 2>/dev/null | head -n 1; }
                echo "== model $v, ${pc/nopc/no pair context}, N=$n, $t thread(s); load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
                if ((i % 2 == 0)); then echo "pfn-train: $(swift_run)" >&2; echo "torch: $(torch_run)" >&2
                else echo "torch: $(torch_run)" >&2; echo "pfn-train: $(swift_run)" >&2; fi
                i=$((i + 1))
            done
        done
    done
    mkdir -p "$(dirname "$out")"
    "$python" reference/bench_e2e_table.py "$work" --command "$command_line" --out "$out"
    exit 0
fi
out=${out:-bench/bench-vs-pytorch.md}
i=0
for t in ${threads//,/ }; do
    for v in ${variants//,/ }; do
        for n in ${nodes//,/ }; do
            common=(--variants "$v" --nodes "$n" --threads "$t" --steps "$steps" --warmup "$warmup")
            # shellcheck disable=SC2086  # --pfn-args is a list of options
            swift_run() { "$pfn" bench "${common[@]}" --precision "$precision" --data-seconds 0 $pfn_args --json "$work/swift-$v-$n-$t.json" | tail -n 2 | head -n 1; }
            torch_run() { "$python" reference/torch_bench.py "${common[@]}" ${torch_extra[@]+"${torch_extra[@]}"} --json "$work/torch-$v-$n-$t.json" | tail -n 2 | head -n 1; }
            # Alternate which goes first, so slow drift in the machine's load hits both alike.
            echo "== model $v, N=$n, $t thread(s); load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
            if ((i % 2 == 0)); then echo "swift: $(swift_run)" >&2; echo "torch: $(torch_run)" >&2
            else echo "torch: $(torch_run)" >&2; echo "swift: $(swift_run)" >&2; fi
            i=$((i + 1))
        done
    done
done
mkdir -p "$(dirname "$out")"
"$python" reference/bench_table.py "$work" --command "$command_line" --out "$out"

#!/usr/bin/env bash
# Data-parallel scaling on this machine (docs/distributed.md, "Measured"): steps/s of the
# default model C at N = 20, global batch 32, one thread per rank, for K = 1 and K = 2
# (default polled collectives with a timeout, and blocking ones with --collective-timeout 0),
# each configuration run alternately ROUNDS times; steps/s over steps WARM..WARM+TIMED from
# the log's `elapsed`. Then the allreduce of the model's parameter count (mpi-selftest bench).
# Usage: scripts/bench-distributed.sh [ROUNDS=2] [TIMED=30]
set -euo pipefail
ROUNDS=${1:-2}; TIMED=${2:-30}; WARM=10
BIN=$(cd "$(dirname "$0")/.." && pwd)/.build/release
MPI="mpirun --allow-run-as-root --oversubscribe --bind-to none"
ARGS="--model C --nodes 20 --batch 32 --threads 1 --steps $((WARM + TIMED)) --log-every $WARM --checkpoint-every 0"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
rate() {  # steps/s between the log rows of steps WARM and WARM+TIMED
    python3 -c "import json,sys; d=json.load(open(sys.argv[1])); s,e=d['step'],d['elapsed']; i,j=s.index($WARM),s.index($WARM+$TIMED); print(f'{(s[j]-s[i])/(e[j]-e[i]):.3f}')" "$1"
}
for round in $(seq "$ROUNDS"); do
    for config in "K=1" "K=2" "K=2-blocking"; do
        dir="$WORK/$config-$round"; mkdir -p "$dir"; cd "$dir"
        case $config in
            K=1) "$BIN/pfn-train" $ARGS > /dev/null ;;
            K=2) $MPI -np 2 "$BIN/pfn-train" $ARGS > /dev/null ;;
            K=2-blocking) $MPI -np 2 "$BIN/pfn-train" $ARGS --collective-timeout 0 > /dev/null ;;
        esac
        echo "$config round $round: $(rate logs/C.json) steps/s"
    done
done
PARAMS=$(cd "$WORK" && "$BIN/pfn-train" --model C --nodes 20 --steps 1 --batch 2 --threads 1 --log-every 1 --checkpoint-every 0 | sed -n 's/.* \([0-9]*\) parameters.*/\1/p')
echo "allreduce of $PARAMS floats (2 ranks, 20 repetitions):"
$MPI -np 2 "$BIN/mpi-selftest" bench "$PARAMS" 20

#!/usr/bin/env bash
# The README's main-job table: the main job (`pfn-train --model C --steps 3000`, every other setting
# at its default) once per seed, each evaluated on n10/n20/n50, then mean ± sd across the seeds beside
# the baselines and the held-out curves against wall time: scripts/learning-table.sh for model C alone.
# Usage: scripts/main-job-table.sh [OUT_DIR]
#   env: SEEDS="1 2 3"  JOBS=3 (runs at once)  THREADS=1 (per run)  SUITES="n10 n20 n50"  STEPS=3000
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
VARIANTS=C JOBS="${JOBS:-3}" exec "$root/scripts/learning-table.sh" "${1:-$root/out/main-job}"

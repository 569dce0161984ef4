#!/usr/bin/env bash
# Installs what pfn-train needs on a fresh Debian machine (when missing) and builds it in
# release mode. Idempotent; any failure stops with a message and a non-zero exit.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
# Open MPI: data-parallel training (`mpirun -np K pfn-train ...`); single-process runs never start it.
for pkg in libopenblas-dev libhdf5-dev pkg-config libopenmpi-dev openmpi-bin; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]} with apt-get" >&2
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >&2
fi

if ! command -v swift >/dev/null 2>&1; then
    [ -x /opt/swift/usr/bin/swift ] && export PATH=/opt/swift/usr/bin:$PATH
fi
command -v swift >/dev/null 2>&1 || { echo "setup: swift not found (need Swift 6.x on PATH)" >&2; exit 1; }

echo "setup: building pfn-train (release)" >&2
swift build -c release --product pfn-train >&2

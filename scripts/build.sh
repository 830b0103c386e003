#!/usr/bin/env bash
# Configures and builds mgc (Release, Ninja, ccache when present) into ./build. Extra arguments go to CMake's
# configure step, e.g. scripts/build.sh -DCMAKE_PREFIX_PATH=/path/to/libtorch
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="${MGC_JOBS:-$(nproc)}"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build build -j "$jobs"

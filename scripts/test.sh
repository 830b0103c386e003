#!/usr/bin/env bash
# Builds mgc and runs the whole test suite (GoogleTest through CTest). Pass CTest arguments to narrow it,
# e.g. scripts/test.sh -L unit
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
ctest --test-dir build --output-on-failure -j "${MGC_JOBS:-$(nproc)}" "$@"

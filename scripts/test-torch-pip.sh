#!/usr/bin/env bash
# The second CI configuration: mgc built against PyPI's current libtorch (torch 2.15 wheel, CUDA enabled through the
# CUDA toolkit's nvcc) instead of Debian's 1.13, then the unit tests, including model parity against PyPI's current
# torchvision. Installs the wheel into .venv-torch (scripts/setup-torch-pip.sh; ~6 GB, pip's downloads cached there),
# builds into ./build-pip and checks that no library of Debian's libtorch mixes into the binary.
# Pass CTest arguments to narrow the run (default: -L unit). Usage: scripts/test-torch-pip.sh [ctest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="${MGC_JOBS:-$(nproc)}"
t0=$(date +%s)

prefix="$(scripts/setup-torch-pip.sh | tail -n 1)"
t1=$(date +%s)

mkdir -p build-pip
# No libmgc.so here: the installed library is built and tested (Install.*) on the default configuration; this one
# checks the CLI and the unit tests against the wheel's libtorch.
cmake -S . -B build-pip -G Ninja -DCMAKE_BUILD_TYPE=Release -DMGC_TORCH=pip -DMGC_BUILD_BENCH=OFF -DMGC_SHARED_LIBRARY=OFF >build-pip/configure.log 2>&1 || {
  cat build-pip/configure.log >&2
  exit 1
}
grep "mgc: libtorch" build-pip/configure.log
cmake --build build-pip -j "$jobs"
t2=$(date +%s)

# Every torch/c10 library the CLI loads must come from the wheel: Debian's libc10.so beside the wheel's libtorch
# aborts at start-up.
site="$(dirname "$prefix")"
libs="$(ldd build-pip/mgc-torch | grep -E 'lib(c10|torch)[^ ]*\.so' || true)"
echo "$libs"
if [ -z "$libs" ] || echo "$libs" | grep -v -q -F "$site/"; then
  echo "test-torch-pip: build-pip/mgc-torch loads a torch/c10 library from outside $site" >&2
  exit 1
fi
if ldd build-pip/mgc | grep -q -E 'lib(c10|torch)[^ ]*\.so'; then
  echo "test-torch-pip: build-pip/mgc links libtorch; only mgc-torch may (app/commands.h)" >&2
  exit 1
fi
build-pip/mgc info

status=0
if [ "$#" -eq 0 ]; then set -- -L unit; fi
ctest --test-dir build-pip --output-on-failure -j "$jobs" "$@" || status=$?
t3=$(date +%s)
echo "test-torch-pip: setup $((t1 - t0)) s, configure+build $((t2 - t1)) s, tests $((t3 - t2)) s," \
  "total $(((t3 - t0) / 60)) min $(((t3 - t0) % 60)) s"
exit "$status"

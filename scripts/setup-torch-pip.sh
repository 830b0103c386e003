#!/usr/bin/env bash
# Creates <repo>/.venv-torch, a Python environment holding PyPI's current torch wheel (libtorch with CUDA and its CMake
# package) and the torchvision that goes with it, and prints the libtorch prefix to build mgc against:
#   cmake -S . -B build-pip -DMGC_TORCH=pip            (cmake/dependencies.cmake finds .venv-torch by itself)
# Separate from .venv (which sees Debian's torch 1.13 through --system-site-packages): this one is isolated, so
# Debian's python3-torch never shadows the wheel. Idempotent: a venv that already holds the pinned versions is left as
# it is. The downloaded wheels (about 3 GB) are kept in a wheelhouse outside the repo, ~/.cache/mgc/wheels (override
# with MGC_WHEELHOUSE), so a fresh clone (CI) or a re-created venv installs without downloading them again: pip's own
# HTTP cache stores nothing here, since the registry answers without Cache-Control headers. Needs PyPI (metadata
# only, once the wheels are kept) and about 9 GB of disk. Usage: scripts/setup-torch-pip.sh
# The prefix (the wheel's torch folder, whose share/cmake/Torch holds TorchConfig.cmake) is the last line printed.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${MGC_TORCH_VENV:-$repo/.venv-torch}"
python=/usr/bin/python3

# torchvision 0.29.2 is PyPI's newest and declares torch>=2.14.
requirements=(
  torch==2.15.0
  torchvision==0.29.2
)

if [ ! -x "$venv/bin/python" ]; then
  echo "setup-torch-pip: creating $venv" >&2
  "$python" -m venv "$venv"
fi
wheels="${MGC_WHEELHOUSE:-${XDG_CACHE_HOME:-$HOME/.cache}/mgc/wheels}"

have_all=1
for req in "${requirements[@]}"; do
  name="${req%%==*}"
  want="${req##*==}"
  got="$("$venv/bin/python" -m pip show "$name" 2>/dev/null | sed -n 's/^Version: //p' || true)"
  # The wheel's version may carry a local tag (2.15.0+cu132).
  if [ "${got%%+*}" != "$want" ]; then have_all=0; fi
done
if [ "$have_all" -eq 1 ]; then
  echo "setup-torch-pip: ${requirements[*]} already installed" >&2
else
  echo "setup-torch-pip: installing ${requirements[*]} (wheels kept in $wheels)" >&2
  start=$(date +%s)
  mkdir -p "$wheels"
  # pip download skips the wheels already in $wheels; the install then reads only from there.
  "$venv/bin/python" -m pip download --quiet --disable-pip-version-check -d "$wheels" "${requirements[@]}" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-index --find-links "$wheels" \
    "${requirements[@]}" >&2
  echo "setup-torch-pip: installed in $(( $(date +%s) - start )) s" >&2
fi

prefix="$("$venv/bin/python" -c 'import os, torch; print(os.path.dirname(torch.__file__))')"
if [ ! -f "$prefix/share/cmake/Torch/TorchConfig.cmake" ]; then
  echo "setup-torch-pip: $prefix/share/cmake/Torch/TorchConfig.cmake is missing: not a libtorch-carrying wheel" >&2
  exit 1
fi
"$venv/bin/python" -c 'import torch, torchvision; print("setup-torch-pip: torch", torch.__version__, "cuda", torch.version.cuda, "torchvision", torchvision.__version__)' >&2
echo "$prefix"

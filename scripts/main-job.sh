#!/usr/bin/env bash
# The main job on the built-in default. Today: the log-mel spectrogram of the bundled 5 s groove, as a PNG and a
# .npy array, in ./out. (Corpus generation, training, evaluation and prediction join it as they land.)
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p out
build/mgc info
build/mgc spectrogram tests/data/groove_blues_5s.wav -o out/groove_blues_5s.png --npy out/groove_blues_5s.npy \
  --scale-x 3 --scale-y 2

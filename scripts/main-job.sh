#!/usr/bin/env bash
# The main job on the built-in default: generate the 10-genre corpus (MMA grooves rendered by FluidSynth), train
# the small audio CNN on a split that holds whole groove files out, fit its harmony model (chroma statistics of whole
# clips, combined with the CNN's vote), evaluate both on the held-out grooves, and predict a held-out clip. Everything lands in ./out; running it again reuses what is done (corpus, features, finished run).
#
# Settings (environment): MGC_CLIPS (per genre, default 80), MGC_SECONDS (default 15), MGC_EPOCHS (default 8),
# MGC_SEED (default 0).
set -euo pipefail
cd "$(dirname "$0")/.."
clips="${MGC_CLIPS:-80}"
seconds="${MGC_SECONDS:-15}"
epochs="${MGC_EPOCHS:-8}"
seed="${MGC_SEED:-0}"
mgc=build/mgc
run=out/runs/audio_cnn

mkdir -p out
$mgc info
$mgc spectrogram tests/data/groove_blues_5s.wav -o out/groove_blues_5s.png --scale-x 3 --scale-y 2
$mgc synth --out out/corpus --clips-per-genre "$clips" --seconds "$seconds" --seed "$seed"
if [ -f "$run/checkpoint.pt" ]; then
  $mgc train --resume "$run"
else
  $mgc train --data out/corpus --out "$run" --model audio_cnn --epochs "$epochs" --seed "$seed" --cache out/cache
fi
if [ ! -f "$run/harmony.json" ]; then $mgc harmony "$run"; fi
$mgc eval "$run" --split test
# One held-out clip: the first test clip the run recorded.
clip=$(sed -n '/"test": \[/{n;p;q}' "$run/run.json" | tr -d ' ",')
$mgc predict "$run" "$clip" --top-k 3 --timeline
echo
echo "The accuracy above is measured on whole groove files (drum patterns, bass lines and their variants) that the"
echo "model never heard in training (split by groove_file): it estimates how the model does on new arrangements of a"
echo "genre, not on new takes of patterns it knows. The mean vote combines the CNN with the harmony model (the line"
echo "'harmony model:' gives each alone); the harmony model learns the corpus's chord progressions, which every groove"
echo "file of a genre shares (docs/ROBUSTNESS.md, \"Known limits\")."

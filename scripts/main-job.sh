#!/usr/bin/env bash
# The main job on the built-in default: generate the 10-genre corpus (MMA grooves, each clip played through one of
# five synthesis paths), train the small audio CNN on a crossed split (test clips share neither a groove file nor a
# synthesis path with training), evaluate it on the crossed held-out clips (the headline) and, beside it, on
# held-out groove files played by the paths heard in training (the in-generator figure), run the real-music check
# when its excerpts are there (scripts/real-music-check.sh), and predict a held-out clip. Everything lands in ./out;
# running it again reuses what is done (corpus, features, finished run). The harmony model (mgc harmony) is not
# fitted: it lifts the crossed figure but costs the real-music check (docs/ROBUSTNESS.md), so it is an option.
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
run=out/runs/audio_cnn-crossed

mkdir -p out
$mgc info
$mgc spectrogram tests/data/groove_blues_5s.wav -o out/groove_blues_5s.png
$mgc synth --out out/corpus --clips-per-genre "$clips" --seconds "$seconds" --seed "$seed"
if [ -f "$run/checkpoint.pt" ]; then
  $mgc train --resume "$run"
else
  $mgc train --data out/corpus --out "$run" --model audio_cnn --epochs "$epochs" --seed "$seed" --cache out/cache \
    --split-by groove_file+synth
fi
# The clip accuracy of mgc eval's mean vote, and the side's clip count, from its output.
accuracy() { sed -n 's/^[a-z_]*: segment accuracy .* clip accuracy \([0-9.]*\) (mean vote).*/\1/p'; }
clips() { sed -n 's/^ *macro avg .* \([0-9][0-9]*\)$/\1/p'; }
echo
echo "== The headline: crossed held-out clips (groove file AND synthesis path never heard in training) =="
crossed=$($mgc eval "$run" --split test | tee /dev/stderr)
echo
echo "== Beside it: held-out groove files played by synthesis paths heard in training (in-generator) =="
generator=$($mgc eval "$run" --split test_groove_file | tee /dev/stderr)
if [ -f out/real-music/manifest.csv ]; then
  echo
  echo "== The real-music check: recorded music from Debian packages, never trained on =="
  scripts/real-music-check.sh "$run" out/real-music | tail -n +2
fi
# One held-out clip: the first test clip the run recorded.
clip=$(sed -n '/"test": \[/{n;p;q}' "$run/run.json" | tr -d ' ",')
$mgc predict "$run" "$clip" --top-k 3 --timeline
echo
printf 'crossed held-out (headline): clip accuracy %s on %s clips\n' "$(accuracy <<< "$crossed")" "$(clips <<< "$crossed")"
printf 'in-generator (beside it):    clip accuracy %s on %s clips\n' "$(accuracy <<< "$generator")" \
  "$(clips <<< "$generator")"
echo
echo "The headline is measured on clips whose groove file (drum pattern, bass line and their variants) and whose"
echo "synthesis path (synthesiser and sound set) the model never heard in training: the figure our own generator"
echo "cannot flatter by repeating a sound or an arrangement. The in-generator figure holds only the groove files"
echo "out. Both sets are small (a crossed holdout keeps one of the five paths for test): scripts/kfold.sh with"
echo "MGC_SPLIT_BY=groove_file+synth pools five folds (docs/ROBUSTNESS.md). Real recordings:"
echo "scripts/real-music-check.sh (run it once; the main job then prints it)."

#!/usr/bin/env bash
# The robustness report of docs/ROBUSTNESS.md: how much of audio_cnn's accuracy on the generated corpus is genre,
# and how much is memory of groove files and of one synthesiser's sounds.
#   1. the corpus through FluidR3_GM alone (`--synth-paths fluidsynth/FluidR3_GM`: the default corpus plays five
#      paths, TimGM6mb among them, so it would have heard the re-render's sounds) and the same corpus re-rendered
#      with TimGM6mb (same seed: same MIDI, other sounds);
#   2. audio_cnn trained with a split by groove file (the default) and with a split by clip, same recipe;
#   3. both scored on their test clips, and on the same test clips re-rendered (`--timbre-data`);
#   4. one report over both runs (out/robustness/report/report.html, results.csv).
# Settings (environment): MGC_CLIPS (per genre, 80), MGC_SECONDS (15), MGC_EPOCHS (30), MGC_SEED (0),
# MGC_OUT (out/robustness), MGC_THREADS (0 = all cores). Resumable: run it again and finished steps are reused.
set -euo pipefail
cd "$(dirname "$0")/.."
clips="${MGC_CLIPS:-80}"
seconds="${MGC_SECONDS:-15}"
epochs="${MGC_EPOCHS:-30}"
seed="${MGC_SEED:-0}"
out="${MGC_OUT:-out/robustness}"
threads="${MGC_THREADS:-0}"
mgc=build/mgc
other_sf=/usr/share/sounds/sf2/TimGM6mb.sf2
[ -f "$other_sf" ] || { echo "robustness: $other_sf is missing (apt-get install timgm6mb-soundfont)" >&2; exit 1; }

$mgc synth --out "$out/corpus" --synth-paths fluidsynth/FluidR3_GM --clips-per-genre "$clips" --seconds "$seconds" \
  --seed "$seed"
$mgc synth --out "$out/corpus-timgm6mb" --soundfont "$other_sf" --clips-per-genre "$clips" --seconds "$seconds" \
  --seed "$seed"
for split in groove_file clip; do
  $mgc compare --data "$out/corpus" --models audio_cnn --epochs "$epochs" --seed "$seed" --split-by "$split" \
    --threads "$threads" --cache "$out/cache" --timbre-data "$out/corpus-timgm6mb" --out "$out/by-$split"
done
$mgc report "$out/by-groove_file/runs/audio_cnn" "$out/by-clip/runs/audio_cnn" --threads "$threads" \
  --timbre-data "$out/corpus-timgm6mb" --out "$out/report"
echo "robustness: report in $out/report/report.html"

#!/usr/bin/env bash
# The study (issue #32, docs/STUDY.md): the six ImageNet CNNs of the original comparison (ResNet50, VGG16,
# DenseNet121, InceptionV3, MobileNetV2, EfficientNet-B0), audio_cnn, and EfficientNet-Lite0 both from scratch and
# from its real ImageNet weights, trained on one recipe and one split, compared in one report with both of the
# original's figures (accuracy and depth per model), intervals, the in-generator figure and the real-music check.
#
#   scripts/study.sh [--profile cpu|full|tiny] [--out DIR] [--data CORPUS] [--weights DIR] [--real DATA|none]
#                    [--device D] [--threads N] [--dry-run]
#
# Profiles (one place for their settings: profile() below):
#   cpu   (default) our 2-core machine: the main job's corpus (10 genres x 80 clips of 15 s, made if missing),
#         96x96 inputs, few epochs; every model sees the same windows.
#   full  the original's recipe for a GPU machine: 224x224 inputs, 50 epochs, --device cuda; with --weights DIR
#         (torchvision's ImageNet files, docs/MODELS.md) each of the six also trains from its weights (frozen body
#         first, then fine-tuned) beside its scratch run. It prints the plan and the weights it found first.
#   tiny  the CTest e2e test's: three genres of 4 s clips, two cheap models, one epoch.
# Steps, each resumable (run the same command again after an interruption; finished work is reused):
#   1. the corpus (mgc synth) unless --data names one;
#   2. the real-music check's excerpts (scripts/real-music-check.sh --fetch) for cpu and full, unless --real;
#   3. mgc compare of every model from scratch into OUT/scratch;
#   4. mgc compare of the models with weights into OUT/imagenet (Lite0's installed ImageNet weights) and, with
#      --weights, OUT/pretrained;
#   5. mgc report of all those runs into OUT/report (report.html, results.csv/json, charts/), scored also on the
#      crossed split's in-generator side and on the real-music check.
# The split is crossed (--split-by groove_file+synth): a test clip shares neither its groove file nor its synthesis
# path with training: the headline our generator cannot flatter.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  sed -n '8,9p' "$0" | sed 's/^# \{0,1\}//'
  echo "see the top of scripts/study.sh and docs/STUDY.md"
}
die() { echo "study: $*" >&2; exit 2; }

profile=cpu out="" data="" weights="" real="" device="" threads="" dry_run=0
while [ $# -gt 0 ]; do
  case "$1" in
    --profile|--out|--data|--weights|--real|--device|--threads)
      [ $# -ge 2 ] || die "$1 needs a value"
      case "$1" in
        --profile) profile="$2" ;; --out) out="$2" ;; --data) data="$2" ;; --weights) weights="$2" ;;
        --real) real="$2" ;; --device) device="$2" ;; --threads) threads="$2" ;;
      esac
      shift 2 ;;
    --dry-run) dry_run=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done

mgc="${MGC:-build/mgc}"
six="resnet50,vgg16,densenet121,inception_v3,mobilenet_v2,efficientnet_b0"
# profile: corpus (clips per genre, seconds, genres, synth options), recipe, models.
case "$profile" in
  cpu)
    clips=80 seconds=15 genres="" synth_extra=() epochs=8 input=96x96 segment=3 batch=32 freeze=1
    models="$six,audio_cnn,efficientnet_lite0" default_data=out/corpus default_device=cpu ;;
  full)
    clips=80 seconds=15 genres="" synth_extra=() epochs=50 input=224x224 segment=3 batch=32 freeze=5
    models="$six,audio_cnn,efficientnet_lite0" default_data=out/corpus default_device=cuda ;;
  tiny)
    clips=30 seconds=4 genres=blues,classical,metal epochs=1 input=64x64 segment=2
    synth_extra=(--no-production --synth-paths fluidsynth/TimGM6mb,fluidsynth/OPL3_FM,timidity/freepats)
    batch=8 freeze=0 models="audio_cnn,mobilenet_v2,efficientnet_lite0" default_data="" default_device=cpu ;;
  *) die "unknown profile '$profile' (cpu, full or tiny)" ;;
esac
out="${out:-out/study-$profile}"
device="${device:-$default_device}"
threads="${threads:-0}"
[[ "$threads" =~ ^[0-9]+$ ]] || die "--threads takes a number, got '$threads'"
[ -z "$weights" ] || [ -d "$weights" ] || die "--weights '$weights' is not a folder"
corpus="${data:-${default_data:-$out/corpus}}"
if [ -z "$real" ]; then
  real_data=""
  [ "$profile" = tiny ] || real_data=out/real-music/manifest.csv
elif [ "$real" = none ]; then
  real_data=""
else
  [ -e "$real" ] || die "--real '$real' does not exist"
  real_data="$real"
fi
recipe=(--epochs "$epochs" --input "$input" --segment "$segment" --batch-size "$batch" --seed 0
        --split-by groove_file+synth --device "$device" --threads "$threads" --cache "$out/cache" -q)

echo "study: profile $profile; corpus $corpus; $epochs epochs, input $input, segment ${segment} s, batch $batch;" \
     "models $models; Lite0 also from its ImageNet weights; weights folder: ${weights:-none};" \
     "real-music check: ${real_data:-none}; device $device; out $out"
if [ "$dry_run" = 1 ]; then
  [ -f "$corpus/manifest.csv" ] || { echo "study: would render the corpus into $corpus"; exit 0; }
fi

start=$(date +%s)
mkdir -p "$out"
# 1. The corpus.
if [ -z "$data" ] && [ "$dry_run" = 0 ]; then  # resumable: clips already rendered are kept
  synth=("$mgc" synth --out "$corpus" --clips-per-genre "$clips" --seconds "$seconds" --seed 0 -q --jobs "$threads" "${synth_extra[@]}")
  [ -z "$genres" ] || synth+=(--genres "$genres")
  "${synth[@]}"
fi
[ -f "$corpus/manifest.csv" ] || die "no corpus at '$corpus' (no manifest.csv)"
# 2. The real-music check's excerpts.
if [ -n "$real_data" ] && [ ! -e "$real_data" ] && [ "$dry_run" = 0 ]; then
  if [ "$real_data" = out/real-music/manifest.csv ]; then
    scripts/real-music-check.sh --fetch out/real-music ||
      { echo "study: could not fetch the real-music check; the report goes without it" >&2; real_data=""; }
  fi
fi
# 3-4. The comparisons: every model from scratch, then the models with weights.
compare() { "$mgc" compare --data "$corpus" "${recipe[@]}" "$@"; }
# Each comparison: its folder name | its models | its weights options.
plans=("scratch|$models|")
plans+=("imagenet|efficientnet_lite0|--pretrained imagenet --pretrained-only --freeze-epochs $freeze")
[ -z "$weights" ] || plans+=("pretrained|$six|--pretrained $weights --pretrained-only --freeze-epochs $freeze")
for plan in "${plans[@]}"; do
  IFS='|' read -r name list options <<< "$plan"
  read -r -a args <<< "$options"
  compare --models "$list" "${args[@]}" --out "$out/$name" --plan
done
[ "$dry_run" = 0 ] || exit 0
runs=()  # every finished run, in the order of the comparisons and their model lists
for plan in "${plans[@]}"; do
  IFS='|' read -r name list options <<< "$plan"
  read -r -a args <<< "$options"
  echo "== mgc compare: $name =="
  compare --models "$list" "${args[@]}" --out "$out/$name"
  IFS=, read -r -a names <<< "$list"
  for model in "${names[@]}"; do
    [ ! -f "$out/$name/runs/$model/result.json" ] || runs+=("$out/$name/runs/$model")
  done
done
# 5. One report of every run.
report=("$mgc" report "${runs[@]}" --out "$out/report" --threads "$threads" -q
        --title "The study: six ImageNet CNNs, audio_cnn and EfficientNet-Lite0 ($profile profile)"
        --note "scripts/study.sh --profile $profile: corpus $corpus, split by groove_file+synth (seed 0), $epochs epochs, input $input, segment $segment s, batch $batch, device $device; models with weights: frozen body for $freeze epoch(s), then fine-tuned")
[ -z "$real_data" ] || report+=(--real-data "$real_data")
echo "== mgc report =="
"${report[@]}"
seconds_taken=$(($(date +%s) - start))
printf 'study: %s profile done in %d min %d s (this call; a resumed study counts only its last call) -> %s/report/report.html\n' \
  "$profile" $((seconds_taken / 60)) $((seconds_taken % 60)) "$out"
# One line per call (a resumed study's calls add up): UTC date, profile, seconds.
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) $profile $seconds_taken" >> "$out/report/study-calls.txt"

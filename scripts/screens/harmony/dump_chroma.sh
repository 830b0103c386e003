#!/usr/bin/env bash
# Research screen (docs/ROBUSTNESS.md, "Harmony: the cue the CNN misses"): mgc's constant-Q chroma of every clip
# of the corpus, stacked into $MGC_SCREEN/chroma_cxx.npy [clips, 12, frames] for harmony.py. Run from the
# repository root after scripts/build.sh; the same variables as the Python scripts here.
set -euo pipefail
corpus=${MGC_CORPUS:-out/c160/corpus}
manifest=${MGC_MANIFEST:-$corpus/manifest80.csv}
screen=${MGC_SCREEN:-out/py}
mkdir -p "$screen/cxxchroma"
tail -n +2 "$manifest" | cut -d, -f1 | xargs -P "$(nproc)" -I{} sh -c \
  'build/mgc spectrogram "$0/$1" --chroma -q --npy "$2/cxxchroma/$(basename "$1" .wav).npy"' "$corpus" {} "$screen"
.venv/bin/python - "$manifest" "$screen" <<'PY'
import numpy as np, csv, os, sys
rows = list(csv.DictReader(open(sys.argv[1])))
C = [np.load(f"{sys.argv[2]}/cxxchroma/{os.path.basename(r['path'])[:-4]}.npy") for r in rows]
T = min(c.shape[1] for c in C)
np.save(f"{sys.argv[2]}/chroma_cxx.npy", np.stack([c[:, :T] for c in C]))
print(len(C), "clips,", T, "frames")
PY

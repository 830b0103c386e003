# Research screen (docs/ROBUSTNESS.md, "Harmony: the cue the CNN misses"): not part of the product.
# Usage: .venv/bin/python feats.py   (librosa log-mels with mgc's settings, and HPSS ones: mel.npy harm.npy perc.npy)
# Needs the project venv (.venv: torch, librosa 0.10.1, scikit-learn) and, from the repository root:
#   MGC_CORPUS: the default corpus (mgc synth --out DIR --clips-per-genre 80 --seconds 15 --seed 0), default out/c160/corpus
#   MGC_MANIFEST: its manifest (default $MGC_CORPUS/manifest80.csv)
#   MGC_RUNS: a scripts/kfold.sh output whose runs give the five test folds (default out/kfs3)
#   MGC_SCREEN: where arrays and results go (default out/py)
# Precompute log-mels (mgc defaults) and HPSS variants for manifest80.
import os as _os
CORPUS=_os.environ.get('MGC_CORPUS','out/c160/corpus')
MANIFEST=_os.environ.get('MGC_MANIFEST',CORPUS+'/manifest80.csv')
RUNS=_os.environ.get('MGC_RUNS','out/kfs3')
SCREEN=_os.environ.get('MGC_SCREEN','out/py')
import numpy as np, librosa, csv, sys, os
from concurrent.futures import ProcessPoolExecutor
root=CORPUS
rows=list(csv.DictReader(open(MANIFEST)))
def one(r):
    y,sr=librosa.load(os.path.join(root,r['path']),sr=22050,mono=True)
    S=np.abs(librosa.stft(y,n_fft=2048,hop_length=512))**2
    fb=librosa.filters.mel(sr=22050,n_fft=2048,n_mels=128)
    m=librosa.power_to_db(fb@S,ref=np.max,top_db=80)
    H,P=librosa.decompose.hpss(S,kernel_size=31)
    ref=np.max(fb@S)
    h=librosa.power_to_db(fb@H,ref=ref,top_db=None); h=np.maximum(h,-80)
    p=librosa.power_to_db(fb@P,ref=ref,top_db=None); p=np.maximum(p,-80)
    return m.astype(np.float32),h.astype(np.float32),p.astype(np.float32)
with ProcessPoolExecutor(2) as ex: out=list(ex.map(one,rows,chunksize=8))
T=min(o[0].shape[1] for o in out)
np.save(SCREEN+'/mel.npy',np.stack([o[0][:,:T] for o in out]))
np.save(SCREEN+'/harm.npy',np.stack([o[1][:,:T] for o in out]))
np.save(SCREEN+'/perc.npy',np.stack([o[2][:,:T] for o in out]))
print(T,len(out))

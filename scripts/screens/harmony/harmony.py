# Research screen (docs/ROBUSTNESS.md, "Harmony: the cue the CNN misses"): not part of the product.
# Usage: [CH=chroma.npy] .venv/bin/python harmony.py   (after dump_chroma.sh; writes Pharm-f0..4.npy)
# Needs the project venv (.venv: torch, librosa 0.10.1, scikit-learn) and, from the repository root:
#   MGC_CORPUS: the default corpus (mgc synth --out DIR --clips-per-genre 80 --seconds 15 --seed 0), default out/c160/corpus
#   MGC_MANIFEST: its manifest (default $MGC_CORPUS/manifest80.csv)
#   MGC_RUNS: a scripts/kfold.sh output whose runs give the five test folds (default out/kfs3)
#   MGC_SCREEN: where arrays and results go (default out/py)
import os as _os
CORPUS=_os.environ.get('MGC_CORPUS','out/c160/corpus')
MANIFEST=_os.environ.get('MGC_MANIFEST',CORPUS+'/manifest80.csv')
RUNS=_os.environ.get('MGC_RUNS','out/kfs3')
SCREEN=_os.environ.get('MGC_SCREEN','out/py')
import numpy as np, json, csv
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from sklearn.pipeline import make_pipeline
rows=list(csv.DictReader(open(MANIFEST)))
classes=sorted(set(r['genre'] for r in rows)); y=np.array([classes.index(r['genre']) for r in rows])
C=np.load(_os.environ.get('CH',SCREEN+'/chroma_cxx.npy'))  # [N,12,T], ~10.8 frames/s
def circ_xcorr(a,b):  # a,b [12,T] -> [12]: sum_i a[i] b[i+k], averaged over t
    return np.stack([(a*np.roll(b,-k,axis=0)).sum(0).mean() for k in range(12)])
def feats(c):
    c=c/ (c.sum(0,keepdims=True)+1e-6)
    f=[circ_xcorr(c,c)]
    for d in (5,11,22,43):  # ~0.5, 1, 2, 4 s
        f.append(circ_xcorr(c[:,:-d],c[:,d:]))
    m=c.mean(1); f.append(np.sort(m)[::-1])
    v=np.array(f[:-1]).ravel()
    return np.concatenate([v,f[-1]])
F=np.array([feats(c) for c in C])
res=[]
for fold in range(5):
    test=set('/'.join(p.split('/')[-2:]) for p in json.load(open(f'{RUNS}/audio_cnn-groove_file-fold{fold}/run.json'))['split']['test'])
    te=np.array([i for i,r in enumerate(rows) if r['path'] in test]); tr=np.setdiff1d(np.arange(len(rows)),te)
    clf=make_pipeline(StandardScaler(),LogisticRegression(max_iter=5000,C=0.1)).fit(F[tr],y[tr])
    P=clf.predict_proba(F[te]); acc=(P.argmax(1)==y[te]).mean(); res.append(acc)
    np.save(f'{SCREEN}/Pharm-f{fold}.npy',P)
    # fusion with the C++ kfs3 run's predictions? those are argmax only; use harness P if present
    print(fold,len(te),f'{acc:.3f}')
print('mean',np.mean(res))

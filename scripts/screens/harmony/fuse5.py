# Research screen (docs/ROBUSTNESS.md, "Harmony: the cue the CNN misses"): not part of the product.
# Usage: .venv/bin/python fuse5.py SEED Pharm   (after harness.py on folds 0-4 with that seed, and harmony.py)
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
import numpy as np, json, csv, sys, subprocess, os
rows=list(csv.DictReader(open(MANIFEST)))
classes=sorted(set(r['genre'] for r in rows)); y=np.array([classes.index(r['genre']) for r in rows])
seed=int(sys.argv[1]); pre=sys.argv[2]
accs={'cnn':[],'harm':[],'fused':[]}; hits={'cnn':0,'harm':0,'fused':0}; n=0
for fold in range(5):
    test=set('/'.join(p.split('/')[-2:]) for p in json.load(open(f'{RUNS}/audio_cnn-groove_file-fold{fold}/run.json'))['split']['test'])
    te=np.array([i for i,r in enumerate(rows) if r['path'] in test])
    H=np.load(f'{SCREEN}/{pre}-f{fold}.npy'); C=np.load(f'{SCREEN}/P-base-mel-f{fold}-s{seed}.npy')
    F=np.exp(0.5*np.log(C+1e-6)+0.5*np.log(H+1e-6))
    for k,P in (('cnn',C),('harm',H),('fused',F)):
        c=(P.argmax(1)==y[te]); accs[k].append(c.mean()); hits[k]+=c.sum()
    n+=len(te)
for k in accs: print(k,' '.join(f'{a:.3f}' for a in accs[k]),f'mean {np.mean(accs[k]):.3f} std {np.std(accs[k],ddof=1):.3f} pooled {hits[k]}/{n} = {hits[k]/n:.3f}')

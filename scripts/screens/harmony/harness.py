# Research screen (docs/ROBUSTNESS.md, "Harmony: the cue the CNN misses"): not part of the product.
# Usage: .venv/bin/python harness.py --fold K [--seed S] [--variant base|pons] [--input mel|hp|mhp]  (after feats.py)
# Needs the project venv (.venv: torch, librosa 0.10.1, scikit-learn) and, from the repository root:
#   MGC_CORPUS: the default corpus (mgc synth --out DIR --clips-per-genre 80 --seconds 15 --seed 0), default out/c160/corpus
#   MGC_MANIFEST: its manifest (default $MGC_CORPUS/manifest80.csv)
#   MGC_RUNS: a scripts/kfold.sh output whose runs give the five test folds (default out/kfs3)
#   MGC_SCREEN: where arrays and results go (default out/py)
# Screen harness: replicates mgc's audio_cnn recipe (6 epochs, AdamW 1e-3 wd 1e-2, cosine + 1 warm-up epoch,
# label smoothing 0.1, grad clip 5, batch 32, 3 s windows, 5 random windows per clip per epoch, eval = mean softmax
# over 50%-overlap windows) on mgc's own kfold test lists. Variants via --variant.
import os as _os
CORPUS=_os.environ.get('MGC_CORPUS','out/c160/corpus')
MANIFEST=_os.environ.get('MGC_MANIFEST',CORPUS+'/manifest80.csv')
RUNS=_os.environ.get('MGC_RUNS','out/kfs3')
SCREEN=_os.environ.get('MGC_SCREEN','out/py')
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F, json, csv, argparse, time, math, os
ap=argparse.ArgumentParser()
ap.add_argument('--fold',type=int,default=0); ap.add_argument('--seed',type=int,default=0)
ap.add_argument('--epochs',type=int,default=6); ap.add_argument('--variant',default='base')
ap.add_argument('--input',default='mel')  # mel | hp | mhp
ap.add_argument('--tag',default='')
a=ap.parse_args()
torch.set_num_threads(1); torch.manual_seed(a.seed); rng=np.random.default_rng(a.seed)
rows=list(csv.DictReader(open(MANIFEST)))
classes=sorted(set(r['genre'] for r in rows)); y=np.array([classes.index(r['genre']) for r in rows])
test=set('/'.join(p.split('/')[-2:]) for p in json.load(open(f'{RUNS}/audio_cnn-groove_file-fold{a.fold}/run.json'))['split']['test'])
te=np.array([i for i,r in enumerate(rows) if r['path'] in test]); tr=np.array([i for i,r in enumerate(rows) if r['path'] not in test])
chans={'mel':['mel'],'hp':['harm','perc'],'mhp':['mel','harm','perc']}[a.input]
X=np.stack([np.load(f'{SCREEN}/{c}.npy',mmap_mode='r') for c in chans],1)  # [N,C,128,T]
X=torch.from_numpy(np.ascontiguousarray(X)); X=(X.clamp(-80,0)+40)/20  # (x01-0.5)/0.25
W=129; T=X.shape[-1]
def block(i,o,convs,pool):
    L=[]
    for k in range(convs): L+=[nn.Conv2d(i if k==0 else o,o,3,padding=1,bias=False),nn.BatchNorm2d(o),nn.ReLU(True)]
    L.append(nn.MaxPool2d(pool,ceil_mode=True)); return L
class AudioCnn(nn.Module):
    def __init__(s,cin,widths=(32,48,64,96,128),head='avgmax'):
        super().__init__(); L=[]; i=cin
        for b,w in enumerate(widths): L+=block(i,w,1 if b==0 else 2,(4,2) if b==0 else (2,2)); i=w
        s.features=nn.Sequential(*L); s.head=head
        d=2*i if head=='avgmax' else i*4*2
        s.drop=nn.Dropout(0.3); s.fc=nn.Linear(d,10)
        for m in s.modules():
            if isinstance(m,nn.Conv2d): nn.init.kaiming_normal_(m.weight,mode='fan_out',nonlinearity='relu')
    def forward(s,x):
        x=s.features(x)
        if s.head=='avgmax': x=torch.cat([x.mean((2,3)),x.amax((2,3))],1)
        else: x=torch.cat([x.mean(3),x.amax(3)],1).flatten(1)  # keep frequency (4 bins)
        return s.fc(s.drop(x))
class Pons(nn.Module):
    # musically motivated front end: timbral (tall) and temporal (long) filters in parallel, then audio_cnn body
    def __init__(s,cin):
        super().__init__()
        s.tim=nn.Sequential(nn.Conv2d(cin,16,(32,3),padding=(16,1),bias=False),nn.BatchNorm2d(16),nn.ReLU(True))
        s.tem=nn.Sequential(nn.Conv2d(cin,16,(3,33),padding=(1,16),bias=False),nn.BatchNorm2d(16),nn.ReLU(True))
        s.pool=nn.MaxPool2d((4,2),ceil_mode=True)
        s.body=AudioCnn(32,(48,64,96,128)); s.body.features=nn.Sequential(*list(s.body.features)[:])
    def forward(s,x):
        x=torch.cat([s.tim(x)[:,:,:128],s.tem(x)],1); x=s.pool(x)
        x=s.body.features(x); x=torch.cat([x.mean((2,3)),x.amax((2,3))],1); return s.body.fc(s.body.drop(x))
def make():
    c=len(chans)
    if a.variant=='base': return AudioCnn(c)
    if a.variant=='wide': return AudioCnn(c,(48,64,96,128,192))
    if a.variant=='pons': return Pons(c)
    raise SystemExit('variant?')
model=make().to(memory_format=torch.channels_last)
epochs=a.epochs; per=5; steps_per=math.ceil(len(tr)*per/32); total=epochs*steps_per; warm=steps_per
opt=torch.optim.AdamW(model.parameters(),lr=1e-3,weight_decay=1e-2)
sched=torch.optim.lr_scheduler.LambdaLR(opt,lambda s:(s+1)/warm if s<warm else 0.5*(1+math.cos(math.pi*(s-warm)/max(1,total-warm))))
t0=time.time()
for ep in range(epochs):
    model.train(); idx=np.repeat(tr,per); rng.shuffle(idx); st=rng.integers(0,T-W+1,len(idx)); los=0
    for b in range(0,len(idx),32):
        xb=torch.stack([X[i,:,:,s:s+W] for i,s in zip(idx[b:b+32],st[b:b+32])]).contiguous(memory_format=torch.channels_last)
        yb=torch.from_numpy(y[idx[b:b+32]])
        loss=F.cross_entropy(model(xb),yb,label_smoothing=0.1); opt.zero_grad(); loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(),5.0); opt.step(); sched.step(); los+=loss.item()
    print(f'epoch {ep} loss {los/steps_per:.3f} {time.time()-t0:.0f}s',flush=True)
model.eval(); starts=list(range(0,T-W+1,64)); P=[]
with torch.no_grad():
    for i in te:
        xb=torch.stack([X[i,:,:,s:s+W] for s in starts]).contiguous(memory_format=torch.channels_last)
        P.append(F.softmax(model(xb),1).mean(0).numpy())
P=np.array(P); pred=P.argmax(1); acc=(pred==y[te]).mean()
line=f'{a.variant}{a.tag} input={a.input} fold={a.fold} seed={a.seed} ep={epochs} acc={acc:.3f} n={len(te)} time={time.time()-t0:.0f}'
print(line); open(SCREEN+'/results.txt','a').write(line+'\n')
np.save(f'{SCREEN}/P-{a.variant}{a.tag}-{a.input}-f{a.fold}-s{a.seed}.npy',P)

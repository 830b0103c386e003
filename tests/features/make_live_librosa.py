#!/usr/bin/env python3
"""Live librosa references for tests/features/test_live_librosa.cpp, made at test time with the pinned librosa of
the project venv (scripts/setup-venv.sh: librosa 0.10.1).

Seeded: draws N random cases (signal kind and length, sample rate, n_fft, hop, n_mels, fmin/fmax, htk, norm, center,
power, dB reference and top_db, n_mfcc, lifter) and for each case k writes to OUT_DIR:
  k.y.npy      the float32 signal both sides analyse
  k.stft.npy   |librosa.stft(y)|**power                      [1 + n_fft/2, frames]
  k.fb.npy     librosa.filters.mel(...)                       [n_mels, 1 + n_fft/2]
  k.mel.npy    librosa.feature.melspectrogram(y, ...)         [n_mels, frames]
  k.db.npy     librosa.power_to_db(melspectrogram(y), ...)    [n_mels, frames]
  k.mfcc.npy   librosa.feature.mfcc(S=db, ...)                [n_mfcc, frames]
and cases.txt, one line per case (columns named in its first line). librosa computes in float64 from the float32
signal, so the references carry no float32 rounding of their own; they are stored as float32.
Usage: make_live_librosa.py OUT_DIR [N [SEED]]
"""
import os
import sys
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore")  # empty mel filters at small n_fft, n_fft > len(y): librosa warns, we compare

import librosa  # noqa: E402

COLUMNS = ("case sr n_fft hop n_mels fmin fmax htk norm center power ref_max top_db n_mfcc lifter n_samples "
           "kind").split()


def signal(rng, kind, n, sr):
    t = np.arange(n) / sr
    if kind == "noise":
        y = rng.standard_normal(n)
    elif kind == "tones":
        y = np.zeros(n)
        for _ in range(rng.integers(1, 6)):
            y += rng.uniform(0.1, 1.0) * np.sin(2 * np.pi * rng.uniform(20, sr / 2 * 0.95) * t + rng.uniform(0, 6.3))
        y += 1e-3 * rng.standard_normal(n)
    elif kind == "chirp":
        f0, f1 = rng.uniform(20, sr / 4), rng.uniform(sr / 4, sr / 2 * 0.98)
        dur = max(t[-1], 1.0 / sr)
        y = np.sin(2 * np.pi * (f0 * t + (f1 - f0) * t * t / (2 * dur)))
    elif kind == "clicks":
        y = np.zeros(n)
        y[rng.integers(0, n, size=max(1, n // 500))] = rng.uniform(-1, 1, size=max(1, n // 500))
    else:  # "gap": noise with a run of exact zeros in the middle (the -100 dB floor and top_db clipping)
        y = rng.standard_normal(n)
        a, b = sorted(rng.integers(0, n, size=2))
        y[a:b] = 0.0
    peak = np.max(np.abs(y))
    if peak > 0:
        y = y / peak * 10 ** rng.uniform(-3, 0.3)
    return y.astype(np.float32)


def draw(rng, case):
    sr = int(rng.choice([8000, 11025, 16000, 22050, 32000, 44100]))
    n_fft = int(rng.choice([128, 256, 400, 512, 1000, 1024, 2048, 4096], p=[.1, .15, .1, .2, .1, .15, .15, .05]))
    hop = int(rng.integers(max(1, n_fft // 8), n_fft + 1))
    n_mels = int(rng.integers(8, 129))
    fmin = 0.0 if rng.random() < 0.5 else float(rng.uniform(0, 0.2 * sr / 2))
    fmax = 0.0 if rng.random() < 0.5 else float(rng.uniform(fmin + 0.3 * (sr / 2 - fmin), sr / 2))
    center = bool(rng.random() < 0.7)
    if rng.random() < 0.1:  # shorter than a frame (centred only: librosa pads)
        n = int(rng.integers(n_fft if not center else 1, n_fft + 1))
    else:
        n = int(rng.integers(n_fft, max(n_fft + 1, int(0.4 * sr))))
    return dict(case=case, sr=sr, n_fft=n_fft, hop=hop, n_mels=n_mels, fmin=fmin, fmax=fmax,
                htk=int(rng.random() < 0.5), norm="slaney" if rng.random() < 0.6 else "none", center=int(center),
                power=1.0 if rng.random() < 0.4 else 2.0, ref_max=int(rng.random() < 0.5),
                top_db=80.0 if rng.random() < 0.7 else 0.0, n_mfcc=int(rng.integers(5, min(n_mels, 40) + 1)),
                lifter=0 if rng.random() < 0.6 else int(rng.integers(1, 30)), n_samples=n,
                kind=str(rng.choice(["noise", "tones", "chirp", "clicks", "gap"])))


def make(p, rng, out):
    y = signal(rng, p["kind"], p["n_samples"], p["sr"])
    y64 = y.astype(np.float64)
    k = p["case"]
    fmax = p["fmax"] if p["fmax"] > 0 else None
    norm = "slaney" if p["norm"] == "slaney" else None
    stft = np.abs(librosa.stft(y64, n_fft=p["n_fft"], hop_length=p["hop"], center=bool(p["center"]),
                               pad_mode="constant")) ** p["power"]
    fb = librosa.filters.mel(sr=p["sr"], n_fft=p["n_fft"], n_mels=p["n_mels"], fmin=p["fmin"], fmax=fmax,
                             htk=bool(p["htk"]), norm=norm, dtype=np.float64)
    mel = librosa.feature.melspectrogram(y=y64, sr=p["sr"], n_fft=p["n_fft"], hop_length=p["hop"],
                                         center=bool(p["center"]), pad_mode="constant", power=p["power"],
                                         n_mels=p["n_mels"], fmin=p["fmin"], fmax=fmax, htk=bool(p["htk"]),
                                         norm=norm, dtype=np.float64)
    db = librosa.power_to_db(mel, ref=np.max if p["ref_max"] else 1.0, amin=1e-10,
                             top_db=p["top_db"] if p["top_db"] > 0 else None)
    mfcc = librosa.feature.mfcc(S=db, n_mfcc=p["n_mfcc"], dct_type=2, norm="ortho", lifter=p["lifter"])
    for name, a in (("y", y), ("stft", stft), ("fb", fb), ("mel", mel), ("db", db), ("mfcc", mfcc)):
        np.save(os.path.join(out, f"{k}.{name}.npy"), np.ascontiguousarray(a, dtype=np.float32))


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 20261125
    assert librosa.__version__ == "0.10.1", f"librosa {librosa.__version__}: the references pin 0.10.1"
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(seed)
    start = time.time()
    lines = [" ".join(COLUMNS)]
    for case in range(n):
        p = draw(rng, case)
        make(p, rng, out)
        lines.append(" ".join(str(p[c]) for c in COLUMNS))
    tmp = os.path.join(out, "cases.txt.tmp")
    with open(tmp, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(tmp, os.path.join(out, "cases.txt"))  # written last: its presence means every case is there
    print(f"make_live_librosa: {n} cases (seed {seed}) in {time.time() - start:.1f} s -> {out}")


if __name__ == "__main__":
    main()

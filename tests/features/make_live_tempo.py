#!/usr/bin/env python3
"""Live librosa references for tests/features/test_tempo.cpp, made at test time with the pinned librosa of the
project venv (scripts/setup-venv.sh: librosa 0.10.1).

Seeded: draws N cases, each a log-mel in dB [n_mels, frames] with a pulse at a random tempo and accent pattern over
a noise floor (some cases silent, or shorter than the autocorrelation window), and random analysis settings; for
case k it writes to OUT_DIR:
  k.db.npy   the log-mel both sides analyse                                   [n_mels, frames] float32
  k.oe.npy   librosa.onset.onset_strength(S=db, sr, n_fft, hop_length)       [frames] float32
  k.tg.npy   librosa.feature.tempogram(onset_envelope=oe, win_length=W)      [W, frames] float32
and cases.txt, one line per case (columns named in its first line) with librosa.feature.tempo(onset_envelope=oe,
...) in bpm. Then A audio cases (noise bursts at a random tempo and accent pattern, 22050 Hz, 6-20 s):
  audio-k.y.npy   the float32 signal
and audio.txt, one line per signal: its index, the tempo it was made at, librosa.feature.tempo(y=y, sr=22050). The tempogram and the tempo are computed from the float32 envelope that k.oe.npy stores, so both sides
start from the same numbers.
Usage: make_live_tempo.py OUT_DIR [N [SEED [A]]]
"""
import os
import sys
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore")

import librosa  # noqa: E402

COLUMNS = "case sr n_fft hop win_length start_bpm std_bpm ac_size max_tempo kind tempo".split()


def draw(rng, case):
    sr = int(rng.choice([16000, 22050, 44100]))
    hop = int(rng.choice([256, 512, 1024]))
    n_fft = int(rng.choice([1024, 2048, 4096]))
    fps = sr / hop
    kind = str(rng.choice(["pulse", "pulse", "pulse", "pulse", "silent", "short"]))
    frames = int(rng.integers(int(2 * fps), int(30 * fps)))
    p = dict(case=case, sr=sr, n_fft=n_fft, hop=hop, start_bpm=float(rng.choice([120.0, 100.0, 140.0])),
             std_bpm=float(rng.choice([1.0, 0.5, 2.0])), ac_size=float(rng.choice([8.0, 4.0, 6.0])),
             max_tempo=float(rng.choice([320.0, 200.0])), kind=kind)
    p["win_length"] = int(librosa.time_to_frames(p["ac_size"], sr=sr, hop_length=hop))
    if kind == "short":
        frames = int(rng.integers(3, max(4, p["win_length"] // 2)))
    p["frames"] = frames
    return p


def log_mel(rng, p):
    n_mels, T = int(rng.integers(16, 129)), p["frames"]
    db = rng.uniform(-80, -50, (n_mels, T))
    if p["kind"] == "silent":
        return np.full((n_mels, T), -80.0)
    bpm = rng.uniform(50, 240)
    period = 60.0 * p["sr"] / p["hop"] / bpm  # frames per beat
    accents = rng.uniform(0.2, 1.0, size=int(rng.integers(1, 5)))
    t0 = rng.uniform(0, period)
    beat = 0
    while t0 < T:
        i = int(round(t0))
        if i < T:
            level = -40 + 40 * accents[beat % len(accents)]
            bands = rng.random(n_mels) < 0.7
            for d in range(min(4, T - i)):
                db[bands, i + d] = np.maximum(db[bands, i + d], level - 8 * d)
        t0 += period
        beat += 1
    return np.minimum(db, 0.0)


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 20261206
    assert librosa.__version__ == "0.10.1", f"librosa {librosa.__version__}: the references pin 0.10.1"
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(seed)
    start = time.time()
    lines = [" ".join(COLUMNS)]
    for case in range(n):
        p = draw(rng, case)
        db = log_mel(rng, p).astype(np.float32)
        oe = librosa.onset.onset_strength(S=db.astype(np.float64), sr=p["sr"], n_fft=p["n_fft"],
                                          hop_length=p["hop"]).astype(np.float32)
        oe64 = oe.astype(np.float64)
        tg = librosa.feature.tempogram(onset_envelope=oe64, sr=p["sr"], hop_length=p["hop"],
                                       win_length=p["win_length"])
        p["tempo"] = float(librosa.feature.tempo(onset_envelope=oe64, sr=p["sr"], hop_length=p["hop"],
                                                 start_bpm=p["start_bpm"], std_bpm=p["std_bpm"],
                                                 ac_size=p["ac_size"], max_tempo=p["max_tempo"])[0])
        for name, a in (("db", db), ("oe", oe), ("tg", tg)):
            np.save(os.path.join(out, f"{case}.{name}.npy"), np.ascontiguousarray(a, dtype=np.float32))
        lines.append(" ".join(repr(p[c]) if isinstance(p[c], float) else str(p[c]) for c in COLUMNS))
    n_audio = int(sys.argv[4]) if len(sys.argv) > 4 else 6
    audio = ["case made_bpm tempo"]
    for k in range(n_audio):
        sr = 22050
        y = 0.003 * rng.standard_normal(int(rng.uniform(6, 20) * sr))
        bpm = rng.uniform(60, 200)
        accents = rng.uniform(0.2, 1.0, size=int(rng.integers(1, 5)))
        burst = rng.standard_normal(int(0.05 * sr)) * np.exp(-np.arange(int(0.05 * sr)) / (0.01 * sr))
        t, beat = rng.uniform(0, 60 / bpm), 0
        while int(t * sr) + len(burst) < len(y):
            i = int(t * sr)
            y[i:i + len(burst)] += accents[beat % len(accents)] * burst
            t += 60 / bpm
            beat += 1
        y = (0.5 * y / np.max(np.abs(y))).astype(np.float32)
        np.save(os.path.join(out, f"audio-{k}.y.npy"), y)
        tempo = float(librosa.feature.tempo(y=y.astype(np.float64), sr=sr)[0])
        audio.append(f"{k} {bpm!r} {tempo!r}")
    with open(os.path.join(out, "audio.txt"), "w") as f:
        f.write("\n".join(audio) + "\n")
    tmp = os.path.join(out, "cases.txt.tmp")
    with open(tmp, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(tmp, os.path.join(out, "cases.txt"))  # written last: its presence means every case is there
    print(f"make_live_tempo: {n} cases (seed {seed}) in {time.time() - start:.1f} s -> {out}")


if __name__ == "__main__":
    main()

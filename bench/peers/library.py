"""The Python peer of `mgc_bench library` (bench/run.sh, library step): a music library through the pipeline a
Python user writes with librosa and PyTorch, on the same trained run exported by `mgc export`.

For every audio file of FOLDER (sorted), one at a time: librosa.load (resampled with soxr_hq, mono: audioread and
FFmpeg where libsndfile cannot read the file), the log-mel of the run's feature settings (melspectrogram +
power_to_db, ref=max), the run's windows (mgc's data::segment_starts), and the exported TorchScript model on them
in one batch, mean of the softmax. Prints "<measure>\\t<ms>\\t-\\tms" lines as mgc_bench does: decode, log-mel and
inference per file, timed apart, and the largest difference of a file's vote to the probabilities `mgc predict`
gave it (--check JSON), which shows that both sides did the same work.

usage: python library.py FOLDER MODEL.pt RUN_DIR [--threads 2] [--check predict.json]
  MODEL.pt: `mgc export RUN_DIR --torchscript MODEL.pt`; RUN_DIR gives config.json (features, windows) and run.json
  (the classes in the model's output order).
"""
import argparse
import json
import os
import sys
import time

import librosa
import numpy as np
import torch

EXTENSIONS = (".mp3", ".ogg", ".flac", ".m4a", ".wav")


def segment_starts(frames, window, hop):
    """mgc::data::segment_starts: windows every hop, and one flush with the end when more than hop/2 is left."""
    if frames <= window:
        return [0]
    starts = list(range(0, frames - window + 1, hop))
    if frames - (starts[-1] + window) > hop // 2:
        starts.append(frames - window)
    return starts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("folder")
    ap.add_argument("model")
    ap.add_argument("run")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--check", help="mgc predict --format json output over the same folder")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    cfg = json.load(open(os.path.join(args.run, "config.json")))
    classes = json.load(open(os.path.join(args.run, "run.json")))["classes"]
    feat = cfg["features"]
    sr, n_fft, hop = feat["sample_rate"], feat["n_fft"], feat["hop_length"]
    fmax = feat["fmax"] if feat["fmax"] > 0 else None
    window = max(1, round(cfg["segment_seconds"] * sr / hop))
    eval_hop = cfg.get("eval_hop_seconds", 0) or 0
    hop_frames = max(1, round(eval_hop * sr / hop)) if eval_hop > 0 else max(1, window // 2)
    model = torch.jit.load(args.model).eval()

    files = sorted(os.path.join(d, f) for d, _, fs in os.walk(args.folder) for f in fs if f.endswith(EXTENSIONS))
    if not files:
        sys.exit(f"library.py: no audio files in {args.folder}")
    expected = {}
    if args.check:
        for p in json.load(open(args.check)):
            if "probs" in p:  # a file mgc could not classify has an "error" entry instead
                expected[os.path.realpath(p["path"])] = p["probs"]
    decode = logmel = infer = 0.0
    worst = 0.0
    for path in files:
        t0 = time.perf_counter()
        y, _ = librosa.load(path, sr=sr, mono=True, res_type="soxr_hq")
        t1 = time.perf_counter()
        power = librosa.feature.melspectrogram(y=y, sr=sr, n_fft=n_fft, hop_length=hop, n_mels=feat["n_mels"],
                                               fmin=feat["fmin"], fmax=fmax, htk=feat["htk"], norm=feat["norm"],
                                               power=2.0)
        db = librosa.power_to_db(power, ref=np.max, amin=1e-10, top_db=feat["top_db"]).astype(np.float32)
        t2 = time.perf_counter()
        starts = segment_starts(db.shape[1], window, hop_frames)
        x = np.full((len(starts), 1, db.shape[0], window), -feat["top_db"], dtype=np.float32)
        for i, s in enumerate(starts):
            part = db[:, s:s + window]
            x[i, 0, :, :part.shape[1]] = part
        with torch.inference_mode():
            vote = torch.softmax(model(torch.from_numpy(x)), 1).mean(0)
        t3 = time.perf_counter()
        decode += t1 - t0
        logmel += t2 - t1
        infer += t3 - t2
        mine = expected.get(os.path.realpath(path))
        if mine is not None:
            worst = max(worst, max(abs(float(vote[i]) - mine[c]) for i, c in enumerate(classes)))
    n = len(files)
    print(f"library_decode_ms_per_file\t{decode / n * 1e3:.4f}\t-\tms")
    print(f"library_logmel_ms_per_file\t{logmel / n * 1e3:.4f}\t-\tms")
    print(f"library_infer_ms_per_file\t{infer / n * 1e3:.4f}\t-\tms")
    if expected:
        print(f"library_vote_max_abs_diff\t{worst:.6f}\t-\tprob")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Log-mel peers of `mgc_bench logmel|decode-logmel` (bench/run.sh): torchaudio 0.13 and librosa 0.10.1.

usage: logmel.py torchaudio|librosa logmel|decode-logmel WAV [--repeat N]
Prints "<measure>\t<wall ms>\t<cpu ms>\tms" (medians over N runs after one warm-up), like mgc_bench.
Settings are mgc's defaults: 22050 Hz mono, n_fft 2048, hop 512, 128 Slaney mels, centred with zero padding,
power 2, dB relative to the maximum with an 80 dB floor. One thread (torch.set_num_threads(1); run.sh also sets
OMP/OPENBLAS/MKL_NUM_THREADS=1).
"""
import statistics
import sys
import time


def main():
    peer, mode, wav = sys.argv[1], sys.argv[2], sys.argv[3]
    repeat = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 20
    sr, n_fft, hop, n_mels = 22050, 2048, 512, 128

    if peer == "torchaudio":
        import torch
        import torchaudio

        torch.set_num_threads(1)
        mel = torchaudio.transforms.MelSpectrogram(sample_rate=sr, n_fft=n_fft, hop_length=hop, n_mels=n_mels,
                                                   power=2.0, center=True, pad_mode="constant", norm="slaney",
                                                   mel_scale="slaney")
        to_db = torchaudio.transforms.AmplitudeToDB(stype="power", top_db=80.0)

        def load():
            x, rate = torchaudio.load(wav)
            x = x.mean(0)
            if rate != sr:
                x = torchaudio.functional.resample(x, rate, sr)
            return x

        def logmel(x):
            with torch.inference_mode():
                s = to_db(mel(x))
                return s - s.max()  # ref=max, as mgc and librosa (ref=np.max)
    elif peer == "librosa":
        import librosa
        import numpy as np

        def load():
            return librosa.load(wav, sr=sr, mono=True)[0]

        def logmel(x):
            s = librosa.feature.melspectrogram(y=x, sr=sr, n_fft=n_fft, hop_length=hop, n_mels=n_mels)
            return librosa.power_to_db(s, ref=np.max, top_db=80.0)
    else:
        sys.exit(f"logmel.py: unknown peer {peer}")

    x = load()
    if mode == "logmel":
        run = lambda: logmel(x)
    elif mode == "decode-logmel":
        run = lambda: logmel(load())
    else:
        sys.exit(f"logmel.py: unknown mode {mode}")
    run()  # warm-up
    wall, cpu = [], []
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        run()
        cpu.append((time.process_time() - c0) * 1e3)
        wall.append((time.perf_counter() - w0) * 1e3)
    name = "logmel_ms" if mode == "logmel" else "decode_logmel_ms"
    print(f"{name}\t{statistics.median(wall):.4f}\t{statistics.median(cpu):.4f}\tms", flush=True)


if __name__ == "__main__":
    main()

"""librosa.display.specshow of a file's log-mel (and chroma) with a colour bar: the figure `mgc spectrogram` draws is
meant to look like these. Writes librosa_mel.png and librosa_chroma.png into OUT_DIR for a side-by-side look with
mgc's figures (tests/app/test_spectrogram_cli.cpp writes mgc_mel.png and mgc_chroma.png there).
Usage: make_specshow.py AUDIO OUT_DIR   (the project venv's python: librosa 0.10.1, matplotlib)"""
import os
import sys

import matplotlib

matplotlib.use("Agg")
import librosa  # noqa: E402
import librosa.display  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

audio, out = sys.argv[1], sys.argv[2]
y, sr = librosa.load(audio, sr=22050)
mel = librosa.feature.melspectrogram(y=y, sr=sr, n_fft=2048, hop_length=512, n_mels=128)
db = librosa.power_to_db(mel, ref=np.max, top_db=80.0)
fig, ax = plt.subplots(figsize=(10, 4.2), dpi=100)
img = librosa.display.specshow(db, sr=sr, hop_length=512, x_axis="time", y_axis="mel", ax=ax)
fig.colorbar(img, ax=ax, format="%+2.0f dB")
ax.set(title=os.path.basename(audio))
fig.savefig(os.path.join(out, "librosa_mel.png"))

chroma = librosa.feature.chroma_cqt(y=y, sr=sr, hop_length=2048)
fig, ax = plt.subplots(figsize=(10, 4.2), dpi=100)
img = librosa.display.specshow(chroma, sr=sr, hop_length=2048, x_axis="time", y_axis="chroma", ax=ax)
fig.colorbar(img, ax=ax)
ax.set(title=os.path.basename(audio))
fig.savefig(os.path.join(out, "librosa_chroma.png"))

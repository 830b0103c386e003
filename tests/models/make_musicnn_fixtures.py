#!/usr/bin/env python3
"""Reference values of musicnn 0.1.0 (on TensorFlow) for tests/models/test_musicnn and test_tf_checkpoint.

Run with the TensorFlow venv's Python (scripts/setup-tf-venv.sh makes <repo>/.venv-tf: tensorflow-cpu, tf-keras,
librosa 0.10.1, musicnn --no-deps). Writes into OUT:
  tiny.index, tiny.data-00000-of-00001, tiny.json
      a small tf.train.Checkpoint (float32, float64, float16, int32, int64, bool, a scalar; TensorFlow adds its
      object graph as a string tensor) and every variable's name, dtype, shape and values;
  checkpoints.json
      for each of musicnn's four checkpoints, every variable as TensorFlow's checkpoint reader gives it: name,
      dtype, shape, the float64 sum of its values and its first value;
  signal<k>.wav
      the seeded test signals (signals() below; 16 kHz float WAV, so that librosa.load reads them exactly);
  logmel_<k>.npy            [frames, 96] musicnn's input representation of signal k (musicnn.extractor.batch_data);
  <MODEL>_<k>_taggram.npy   [patches, 50] musicnn.extractor.extractor(signal k, MODEL): sigmoid tag activations;
  <MODEL>_<k>_penultimate.npy
      musicnn models: [patches, 200] the 'penultimate' features; vgg models: [patches, 256] 'pool5' flattened as
      TensorFlow flattens it (time, frequency, channel). Computed by musicnn's graph (musicnn.models.define_model,
      restored as the extractor restores it) on all patches in one batch: the extractor's own feature output
      repeats the first patch's penultimate features for every later patch (measured on signal 1, 2 patches).

musicnn 0.1.0 pins numpy < 1.17, where `10000 * audio_rep` on its float16 mel spectrogram promotes to float32
(value-based casting). Under numpy 2 (NEP 50) the product stays float16 and overflows to inf wherever the mel
power exceeds 6.55 (a sine of amplitude 0.12 is enough): every patch holding one such bin then gets the same
constant taggram. The models were trained with the promotion (their input BatchNorm's moving mean 2.2 and variance
1.6 are finite), so this script runs musicnn's own batch_data with that one product made float32, as numpy 1.x
computed it (musicnn_batch_data below), and says so in its output.
Usage: make_musicnn_fixtures.py OUT
"""
import contextlib
import io
import json
import os
import subprocess
import sys

import numpy as np

MODELS = ["MSD_musicnn", "MTT_musicnn", "MSD_vgg", "MTT_vgg"]
SR = 16000
# The test signals: lengths in seconds. Three seconds make one 187-frame patch; 6.2 s make two.
SIGNAL_SECONDS = [3.2, 6.2]


def lcg_noise(n, seed):
    """Uniform noise in [-1, 1) from a 32-bit LCG (Numerical Recipes' constants), as test_musicnn.cpp makes it."""
    out = np.empty(n, dtype=np.float64)
    x = seed & 0xFFFFFFFF
    for i in range(n):
        x = (1664525 * x + 1013904223) & 0xFFFFFFFF
        out[i] = x / 4294967296.0 * 2.0 - 1.0
    return out


def signal(k):
    """Signal k: chords of sines over a pulsing bass, with noise bursts on the beat (computed in float64, stored
    as float32). test_musicnn.cpp computes the same formula."""
    n = int(round(SIGNAL_SECONDS[k] * SR))
    t = np.arange(n, dtype=np.float64) / SR
    f0 = 110.0 * (k + 1)
    y = np.zeros(n)
    for h, a in [(1, 0.20), (1.5, 0.12), (2, 0.10), (3, 0.06), (5, 0.03)]:
        y += a * np.sin(2 * np.pi * f0 * h * t + 0.3 * h)
    beat = np.mod(t * (2.0 + k), 1.0)
    y += 0.25 * np.exp(-12.0 * beat) * lcg_noise(n, 12345 + k)
    y += 0.15 * np.sin(2 * np.pi * 55.0 * t) * (0.5 + 0.5 * np.sin(2 * np.pi * 0.5 * t))
    return y.astype(np.float32)


def write_tiny(out):
    import tensorflow as tf

    values = {
        "dense/kernel": np.arange(6, dtype=np.float32).reshape(2, 3) / 4.0 - 0.5,
        "dense/bias": np.array([1.5, -2.25, 3.0], dtype=np.float64),
        "half": np.array([0.5, -1.0, 65504.0], dtype=np.float16),
        "counts32": np.array([[1, -2], [3, 2147483647]], dtype=np.int32),
        "step": np.array(1234567890123, dtype=np.int64),
        "flags": np.array([True, False, True], dtype=bool),
    }
    for i in range(40):  # enough keys for several restart points and a second data block
        values[f"layer_{i:02d}/w"] = (np.arange(i + 1, dtype=np.float32) * (i + 0.5)).reshape(-1)
    module = tf.Module()
    for name, v in values.items():
        setattr(module, name.replace("/", "__"), tf.Variable(v))
    prefix = os.path.join(out, "tiny")
    tf.train.Checkpoint(m=module).write(prefix)
    reader = tf.train.load_checkpoint(prefix)
    dtypes = reader.get_variable_to_dtype_map()
    entries = []
    for name in sorted(reader.get_variable_to_shape_map()):
        if dtypes[name] == tf.string:
            continue
        value = reader.get_tensor(name)
        entries.append({"name": name, "dtype": dtypes[name].name, "shape": list(value.shape),
                        "values": np.asarray(value).astype(np.float64).reshape(-1).tolist()})
    with open(os.path.join(out, "tiny.json"), "w") as f:
        json.dump(entries, f, indent=0)


def checkpoint_summary(musicnn_dir):
    import tensorflow as tf

    summary = {}
    for model in MODELS:
        reader = tf.compat.v1.train.NewCheckpointReader(os.path.join(musicnn_dir, model) + "/")
        dtypes = reader.get_variable_to_dtype_map()
        rows = []
        for name in sorted(reader.get_variable_to_shape_map()):
            value = np.asarray(reader.get_tensor(name))
            rows.append({"name": name, "dtype": dtypes[name].name, "shape": list(value.shape),
                         "sum": float(value.astype(np.float64).sum()),
                         "first": float(value.reshape(-1)[0]) if value.size else 0.0})
        summary[model] = rows
    return summary


def patch_batch_data(ex):
    """musicnn.extractor.batch_data with numpy 1.x's float32 promotion of `10000 * float16` made explicit."""
    import inspect
    import textwrap

    source = textwrap.dedent(inspect.getsource(ex.batch_data))
    old = "audio_rep = np.log10(10000 * audio_rep + 1)"
    if old not in source:
        raise SystemExit("make_musicnn_fixtures: musicnn's batch_data changed; cannot patch it")
    source = source.replace(old, "audio_rep = np.log10(10000 * audio_rep.astype(np.float32) + 1)")
    namespace = dict(vars(ex))
    exec(source, namespace)
    ex.batch_data = namespace["batch_data"]


def embeddings(musicnn_dir, model, batch):
    """The penultimate features of musicnn's graph for `batch` [patches, 187, 96]."""
    import tensorflow as tf
    from musicnn import models

    tf.compat.v1.reset_default_graph()
    with tf.name_scope("model"):
        x = tf.compat.v1.placeholder(tf.float32, [None, 187, 96])
        is_training = tf.compat.v1.placeholder(tf.bool)
        out = models.define_model(x, is_training, model, 50)
    with tf.compat.v1.Session() as sess:
        tf.compat.v1.train.Saver().restore(sess, os.path.join(musicnn_dir, model) + "/")
        emb = sess.run(out[5] if "vgg" in model else out[8], {x: batch, is_training: False})
    return emb.reshape(batch.shape[0], -1)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    if len(sys.argv) > 2 and sys.argv[2] == "--tiny":
        write_tiny(out)
        return
    # The tiny checkpoint is written in eager mode; musicnn's extractor turns eager execution off at import.
    subprocess.run([sys.executable, __file__, out, "--tiny"], check=True)

    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    import soundfile as sf
    import musicnn
    from musicnn import extractor as ex

    patch_batch_data(ex)

    musicnn_dir = os.path.dirname(musicnn.__file__)
    with open(os.path.join(out, "checkpoints.json"), "w") as f:
        json.dump(checkpoint_summary(musicnn_dir), f, indent=0)

    for k in range(len(SIGNAL_SECONDS)):
        wav = os.path.join(out, f"signal{k}.wav")
        sf.write(wav, signal(k), SR, subtype="FLOAT")
        batch, rep = ex.batch_data(wav, 187, 187)
        np.save(os.path.join(out, f"logmel_{k}.npy"), np.ascontiguousarray(rep, dtype=np.float32))
        for model in MODELS:
            with contextlib.redirect_stdout(io.StringIO()):
                taggram, _ = ex.extractor(wav, model=model, extract_features=False)
            emb = embeddings(musicnn_dir, model, batch.astype(np.float32))
            np.save(os.path.join(out, f"{model}_{k}_taggram.npy"), np.ascontiguousarray(taggram, dtype=np.float32))
            np.save(os.path.join(out, f"{model}_{k}_penultimate.npy"), np.ascontiguousarray(emb, dtype=np.float32))
    print(f"make_musicnn_fixtures: wrote {out}")


if __name__ == "__main__":
    main()

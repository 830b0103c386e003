#!/usr/bin/env python3
"""musicnn's own tagger, the peer of `mgc tags` (bench/run.sh): musicnn 0.1.0 on TensorFlow, from the venv that
scripts/setup-tf-venv.sh makes (.venv-tf).

usage: musicnn_tags.py WAV [--repeat N] [--model MSD_musicnn]
Prints "musicnn_tags_warm_ms\t<wall ms>\t<cpu ms>\tms": the median over N calls of musicnn.tagger.top_tags (decode,
resample, its front end, the TensorFlow graph built and run: each call builds its own session, as the tagger does),
after one warm-up call. Two intra-op threads, as mgc's side of the row. Timing only: under numpy 2 its taggrams
overflow in float16 (docs/MUSICNN.md), which does not change the work done.
"""
import os
import statistics
import sys
import time

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def main():
    wav = sys.argv[1]
    repeat = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 3
    model = sys.argv[sys.argv.index("--model") + 1] if "--model" in sys.argv else "MSD_musicnn"
    import numpy as np
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(2)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    np.seterr(all="ignore")
    from musicnn import tagger

    def once():
        w0, c0 = time.perf_counter(), time.process_time()
        tagger.top_tags(wav, model=model, topN=5, print_tags=False)
        return (time.perf_counter() - w0) * 1000, (time.process_time() - c0) * 1000

    once()
    runs = [once() for _ in range(repeat)]
    print(f"musicnn_tags_warm_ms\t{statistics.median(w for w, _ in runs):.1f}\t"
          f"{statistics.median(c for _, c in runs):.1f}\tms")


if __name__ == "__main__":
    main()

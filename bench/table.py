#!/usr/bin/env python3
"""Turns bench/run.sh's raw figures (side, measure, wall, cpu, unit per line) into the Markdown table of
docs/PERFORMANCE.md: measure | mgc | peer | ratio | goal. Each figure is the median over rounds; a ratio > 1
means mgc is better (faster, or more throughput)."""
import statistics
import sys
from collections import defaultdict

GOALS_TRAIN = {"resnet50", "vgg16", "densenet121", "inception_v3", "mobilenet_v2", "efficientnet_b0"}


def main():
    path = sys.argv[1]
    header = sys.argv[sys.argv.index("--header") + 1] if "--header" in sys.argv else ""
    wall, cpu, unit = defaultdict(list), defaultdict(list), {}
    for line in open(path):
        side, measure, w, c, u = line.rstrip("\n").split("\t")
        wall[side, measure].append(float(w))
        if c != "-":
            cpu[side, measure].append(float(c))
        unit[measure] = u
    med = lambda d, k: statistics.median(d[k]) if d.get(k) else None
    rows = []

    def fmt(v, digits=1):
        return "n/a" if v is None else f"{v:.{digits}f}"

    def row(label, mine, peer_name, peer, lower_is_better, goal="", digits=1):
        if mine is None and peer is None:
            return  # not measured in this run (--skip-features, --skip-train)
        ratio = None
        if mine and peer:
            ratio = peer / mine if lower_is_better else mine / peer
        rows.append((label, fmt(mine, digits), f"{fmt(peer, digits)} ({peer_name})" if peer_name else "-",
                     f"{ratio:.2f}x" if ratio else "-", goal))

    for m, label, goal in (("logmel_ms", "log-mel 30 s clip, in memory, 1 thread", "<= 4 ms, >= 4x torchaudio"),
                           ("decode_logmel_ms", "decode WAV + log-mel 30 s clip, 1 thread", "<= 8 ms")):
        for kind, d in (("CPU ms", cpu), ("wall ms", wall)):
            for peer in ("torchaudio", "librosa"):
                if (peer, m) in d or peer == "torchaudio":
                    row(f"{label} [{kind}]", med(d, ("mgc", m)), peer, med(d, (peer, m)), True,
                        goal if peer == "torchaudio" else "", 2)
    row("feature cache, 200 clips, 2 threads, cold [clips/s]", med(wall, ("mgc", "extract_cold_clips_per_s")), "", None,
        False, ">= 150 clips/s")
    row("feature cache, 200 clips, 2 threads, warm [clips/s]", med(wall, ("mgc", "extract_warm_clips_per_s")), "", None,
        False)
    models = sorted({m[len("train_img_per_s_"):] for (_, m) in wall if m.startswith("train_img_per_s_")},
                    key=lambda n: ["resnet50", "vgg16", "densenet121", "inception_v3", "mobilenet_v2",
                                   "efficientnet_b0"].index(n) if n in GOALS_TRAIN else 99)
    for name in models:
        k = "train_img_per_s_" + name
        row(f"train {name}, batch 32, 128x128, 2 threads [img/s]", med(wall, ("mgc", k)), "PyTorch",
            med(wall, ("torch", k)), False, ">= 1.1x PyTorch", 2)
        if wall.get(("torch-cl", k)):
            row(f"train {name}, batch 32, 128x128, 2 threads [img/s]", med(wall, ("mgc", k)),
                "PyTorch channels_last + malloc", med(wall, ("torch-cl", k)), False, "", 2)
    for name in models:
        k = "infer_ms_" + name
        row(f"inference {name}, 19 windows 128x128 (one 30 s clip), 2 threads [ms]", med(wall, ("mgc", k)),
            "PyTorch", med(wall, ("torch", k)), True, "")
        if wall.get(("torch-cl", k)):
            row(f"inference {name}, 19 windows 128x128 (one 30 s clip), 2 threads [ms]", med(wall, ("mgc", k)),
                "PyTorch channels_last + malloc", med(wall, ("torch-cl", k)), True, "")
    for m, label in (("startup_help_ms", "mgc --help: the whole process [ms]"),
                     ("startup_info_ms", "mgc info FILE (30 s WAV): the whole process [ms]"),
                     ("startup_spectrogram_ms", "mgc spectrogram FILE -o PNG (30 s WAV): the whole process [ms]")):
        row(label, med(wall, ("mgc", m)), "mgc-torch, libtorch loaded", med(wall, ("mgc-torch", m)), True,
            "<= 100 ms" if m != "startup_spectrogram_ms" else "")
    row("mgc predict audio_cnn, one 30 s clip: the whole process [ms]", med(wall, ("mgc", "predict_process_ms")), "",
        None, True)
    row("mgc predict audio_cnn, one 30 s clip: the clip alone, first in its process [ms]",
        med(wall, ("mgc", "predict_ms_per_clip")), "", None, True)
    row("mgc predict audio_cnn, 30 s clips 2..10 of one process: per clip [ms]",
        med(wall, ("mgc", "predict_warm_ms_per_clip")), "", None, True)
    row("mgc predict audio_cnn, one clip, peak RSS [MB]", med(wall, ("mgc", "predict_peak_rss_mb")), "", None, True)
    row("mgc tags (musicnn, MSD), one 30 s clip: the whole process [ms]", med(wall, ("mgc", "tags_process_ms")),
        "mgc predict audio_cnn", med(wall, ("mgc", "predict_process_ms")), True, ">= 0.5x (within 2x of audio_cnn)")
    row("mgc tags (musicnn, MSD), 30 s clips 2..10 of one process: per clip [ms]",
        med(wall, ("mgc", "tags_warm_ms_per_clip")), "mgc predict audio_cnn",
        med(wall, ("mgc", "predict_warm_ms_per_clip")), True, ">= 0.5x (within 2x of audio_cnn)")
    row("mgc tags (musicnn, MSD), one 30 s clip, warm [ms]", med(wall, ("mgc", "tags_warm_ms_per_clip")),
        "musicnn's tagger, TensorFlow", med(wall, ("musicnn", "musicnn_tags_warm_ms")), True)
    row("mgc train audio_cnn, 1 epoch of 20 clips, peak RSS [MB]", med(wall, ("mgc", "train_audio_cnn_peak_rss_mb")),
        "", None, True)
    lib = "music library (3-5 min MP3/Ogg/FLAC/M4A, 44.1 kHz stereo), audio_cnn, 2 threads"
    row(f"{lib}: mgc predict, whole process [files/s]", med(wall, ("mgc", "library_predict_files_per_s")),
        "librosa + TorchScript", med(wall, ("python", "library_predict_files_per_s")), False,
        ">= 40 files/s, >= 3x", digits=2)
    row(f"{lib}: mgc predict, peak RSS [MB]", med(wall, ("mgc", "library_predict_peak_rss_mb")),
        "librosa + TorchScript", med(wall, ("python", "library_predict_peak_rss_mb")), True, "<= 1024 MB")
    row(f"{lib}: mgc tag (dry run), whole process [files/s]", med(wall, ("mgc", "library_tag_files_per_s")), "",
        None, False, ">= 40 files/s", digits=2)
    row(f"{lib}: mgc tag (dry run), peak RSS [MB]", med(wall, ("mgc", "library_tag_peak_rss_mb")), "", None, True,
        "<= 1024 MB")
    for stage in ("decode", "logmel", "infer"):
        row(f"{lib}: {stage} per file, one file at a time [ms]", med(wall, ("mgc", f"library_{stage}_ms_per_file")),
            "librosa + TorchScript", med(wall, ("python", f"library_{stage}_ms_per_file")), True)
    row(f"{lib}: audio per file [s]", med(wall, ("mgc", "library_audio_s_per_file")), "", None, True)
    row(f"{lib}: the peer's votes against mgc predict's, largest difference",
        med(wall, ("python", "library_vote_max_abs_diff")), "", None, True, "the same work", digits=6)

    if header:
        print(header)
        print()
    print("| measure | mgc | peer | ratio | goal |")
    print("|---|---:|---:|---:|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Training and inference peer of `mgc_bench train|infer` (bench/run.sh): torchvision's models in PyTorch-Python.

usage: train.py train MODEL [--steps N] [--batch B] [--size S] [--threads T] [--channels-last]
       train.py infer MODEL [--repeat N] [--batch B] [--size S] [--threads T]
Same settings as mgc_bench: 10 classes, random init, random input [B, 3, S, S], SGD lr 0.01 momentum 0.9,
cross-entropy; one warm-up step, then the median step. InceptionV3 without its aux head (mgc builds it only
for inputs >= 299). Prints "<measure>\t<value>\t-\t<unit>".
"""
import statistics
import sys
import time

import torch
import torchvision


def arg(name, default):
    return type(default)(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else default


def build(name):
    kw = {"num_classes": 10}
    if name == "inception_v3":
        kw.update(aux_logits=False, init_weights=False)
    return getattr(torchvision.models, name)(**kw)


def main():
    mode, name = sys.argv[1], sys.argv[2]
    batch, size, threads = arg("--batch", 32), arg("--size", 128), arg("--threads", 2)
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = build(name)
    fmt = torch.channels_last if "--channels-last" in sys.argv else torch.contiguous_format
    model = model.to(memory_format=fmt)
    if mode == "train":
        steps = arg("--steps", 3)
        model.train()
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        x = torch.randn(batch, 3, size, size).contiguous(memory_format=fmt)
        y = torch.randint(0, 10, (batch,))
        times = []
        for i in range(steps + 1):
            t0 = time.perf_counter()
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            if i > 0:
                times.append(time.perf_counter() - t0)
        print(f"train_img_per_s_{name}\t{batch / statistics.median(times):.4f}\t-\timg/s", flush=True)
    elif mode == "infer":
        repeat = arg("--repeat", 5)
        model.eval()
        x = torch.randn(batch, 3, size, size).contiguous(memory_format=fmt)
        times = []
        with torch.inference_mode():
            for i in range(repeat + 1):
                t0 = time.perf_counter()
                torch.softmax(model(x), 1)
                if i > 0:
                    times.append((time.perf_counter() - t0) * 1e3)
        print(f"infer_ms_{name}\t{statistics.median(times):.4f}\t-\tms", flush=True)
    else:
        sys.exit(f"train.py: unknown mode {mode}")


if __name__ == "__main__":
    main()

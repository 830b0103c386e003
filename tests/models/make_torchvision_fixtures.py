#!/usr/bin/python3
"""Parity fixtures for mgc's models, made at test time with Debian's python3-torchvision 0.14.

For each model: <out>/<name>.safetensors holds its state_dict (random init with a fixed seed, BatchNorm running
statistics randomised so that buffers matter) and <out>/<name>.io.safetensors holds a fixed input and the
eval-mode logits; <out>/<name>.pth is the same state_dict written by torch.save. Usage: make_torchvision_fixtures.py OUT_DIR [NAME ...]
"""
import json
import os
import struct
import sys

import numpy as np
import torch
import torchvision

# name -> (constructor, input side). InceptionV3 needs at least 75 pixels.
MODELS = {
    "resnet18": (lambda: torchvision.models.resnet18(), 64),
    "resnet34": (lambda: torchvision.models.resnet34(), 64),
    "resnet50": (lambda: torchvision.models.resnet50(), 64),
    "vgg16": (lambda: torchvision.models.vgg16(), 64),
    "vgg16_bn": (lambda: torchvision.models.vgg16_bn(), 64),
    "vgg19": (lambda: torchvision.models.vgg19(), 64),
    "vgg19_bn": (lambda: torchvision.models.vgg19_bn(), 64),
    "densenet121": (lambda: torchvision.models.densenet121(), 64),
    "inception_v3": (lambda: torchvision.models.inception_v3(aux_logits=True, init_weights=True), 75),
    "mobilenet_v2": (lambda: torchvision.models.mobilenet_v2(), 64),
    "efficientnet_b0": (lambda: torchvision.models.efficientnet_b0(), 64),
}

# Also saved with torch.save (.pth, PyTorch's zip format) to prove that loading path; the three largest VGGs
# are left out to spare 1.7 GB of disk (vgg16.pth covers the family).
PTH_TOO = set(MODELS) - {"vgg16_bn", "vgg19", "vgg19_bn"}

DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64", torch.float16: "F16"}


def write_safetensors(path, tensors):
    header, chunks, offset = {}, [], 0
    for name, t in tensors.items():
        data = t.detach().contiguous().cpu().numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    blob = json.dumps(header).encode()
    blob += b" " * ((8 - len(blob) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(blob)))
        f.write(blob)
        for c in chunks:
            f.write(c)
    os.replace(tmp, path)


def make(name, out):
    ctor, side = MODELS[name]
    torch.manual_seed(0)
    model = ctor()
    g = torch.Generator().manual_seed(1)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=g) * 0.1)
            m.running_var.copy_(torch.rand(m.running_var.shape, generator=g) + 0.5)
            m.num_batches_tracked.fill_(7)
    model.eval()
    x = torch.randn(2, 3, side, side, generator=g)
    with torch.no_grad():
        logits = model(x)
    write_safetensors(os.path.join(out, name + ".safetensors"), model.state_dict())
    write_safetensors(os.path.join(out, name + ".io.safetensors"), {"input": x, "logits": logits})
    if name in PTH_TOO:
        torch.save(model.state_dict(), os.path.join(out, name + ".pth.tmp"))
        os.replace(os.path.join(out, name + ".pth.tmp"), os.path.join(out, name + ".pth"))


def main():
    out = sys.argv[1]
    names = sys.argv[2:] or list(MODELS)
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(2)
    for name in names:
        make(name, out)
        print(f"{name}: ok", flush=True)


if __name__ == "__main__":
    main()

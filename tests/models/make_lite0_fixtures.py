#!/usr/bin/env python3
"""Reference outputs of efficientnet_lite_pytorch 0.1.0 with the real ImageNet weights, for tests/models/test_lite0.

Run with <repo>/.venv/bin/python (scripts/setup-venv.sh makes it). Writes OUT as .safetensors with
  input   [2, 3, 224, 224] float32, torch.manual_seed(0) standard normal;
  logits  [2, 1000] float32, the eval-mode logits of EfficientNet.from_pretrained('efficientnet-lite0') on it;
and, for each PHOTO (an RGB(A) PNG), "<stem>.probs" [1000]: the softmax of the logits for that photo resized
(shorter side 224, bilinear, PIL) and centre-cropped to 224 x 224, ImageNet mean/std normalised (the
efficientnet_lite_pytorch README's Resize(224) + the crop that makes its 224 x 224).
Usage: make_lite0_fixtures.py WEIGHTS.pth OUT.safetensors [PHOTO.png ...]
"""
import contextlib
import io
import json
import os
import struct
import sys

import torch
from efficientnet_lite_pytorch import EfficientNet

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


def photo_input(path):
    from PIL import Image
    from torchvision import transforms

    tfms = transforms.Compose([
        transforms.Resize(224),
        transforms.CenterCrop(224),
        transforms.ToTensor(),
        transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
    ])
    return tfms(Image.open(path).convert("RGB")).unsqueeze(0)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    weights, out, photos = sys.argv[1], sys.argv[2], sys.argv[3:]
    torch.set_num_threads(2)
    with contextlib.redirect_stdout(io.StringIO()):  # from_pretrained prints a line
        model = EfficientNet.from_pretrained("efficientnet-lite0", weights_path=weights).eval()
    torch.manual_seed(0)
    x = torch.randn(2, 3, 224, 224)
    tensors = {"input": x}
    with torch.no_grad():
        tensors["logits"] = model(x)
        for p in photos:
            stem = os.path.splitext(os.path.basename(p))[0]
            tensors[stem + ".probs"] = torch.softmax(model(photo_input(p)), dim=1)[0]
    write_safetensors(out, tensors)
    print(f"make_lite0_fixtures: {out}: {', '.join(tensors)}")


if __name__ == "__main__":
    main()

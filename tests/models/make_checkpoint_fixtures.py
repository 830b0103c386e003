#!/usr/bin/python3
"""PyTorch checkpoint fixtures for tests/models/test_weights.cpp, made at test time with Debian's python3-torch.

Usage: /usr/bin/python3 make_checkpoint_fixtures.py OUT_DIR

Writes into OUT_DIR (names are what the test expects):
  ref.safetensors              the reference state_dict, written by hand (not by mgc) as safetensors
  sd_zip.pt / sd_legacy.pt     the same state_dict, torch.save zip format / _use_new_zipfile_serialization=False
  sd_zip_p4.pt / sd_legacy_p4.pt   the same with pickle_protocol=4
  parameters_zip.pt            nn.Linear(3, 2)'s named_parameters(): values pickled as nn.Parameter
  wrapped_state_dict.pt        {"state_dict": sd, "epoch": 3, "optimizer": SGD state, ...}       (zip)
  wrapped_model_legacy.pt      {"model": sd, "epoch": 7}                                       (legacy)
  wrapped_nested.pt            {"model": {"state_dict": sd, "step": 1}, "args": [...]}         (zip)
  module_prefix.pt             {"state_dict": {"module." + k: v}}                              (zip)
  module_legacy.pt             {"module." + k: v}                                              (legacy)
  linear_zip.pt / linear_legacy.pt / linear.safetensors   nn.Linear(3, 2).state_dict(), which has _metadata
  legacy_view.pt / legacy_view.safetensors   a hand-made legacy file whose tensor uses an old storage view,
                               and one rebuilt by the v1 _rebuild_tensor
  not_state_dict.pt            a dict of tensors with one string entry 'note'
  evil.pkl / evil_zip.pt / evil_legacy.pt   pickles whose loading would run os.system('touch "$MGC_PWNED_FILE"')
                               (the target comes from the environment of the loading process, so the fixtures
                               can move and a test chooses where a breach would show)
  legacy_short_storage.pt      a legacy storage of 4 elements under a tensor of 10
  zip_short_storage.pt         sd_zip.pt with one storage entry cut in half
  legacy_huge_count.pt         sd_legacy.pt with the first storage's 8-byte element count set to 2**60
  legacy_huge_numel.pt         a legacy persistent id declaring 2**60 elements
  legacy_bigendian.pt          a legacy file whose sys_info says little_endian=False
  zip_escape_entry.pt          sd_zip.pt plus an entry '../evil.txt'
  zip_escape_key.pt            a zip whose pickle names the storage key '../0'
  zip_bigendian.pt             sd_zip.pt plus <folder>/byteorder = 'big'
  zip_little.pt                sd_zip.pt plus <folder>/byteorder = 'little', as torch 2.x writes
"""
import collections
import io
import json
import os
import pickle
import pickletools
import struct
import sys
import zipfile

import torch

SAFETENSORS_DTYPES = {
    torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64",
    torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8",
    torch.bool: "BOOL",
}
LEGACY_MAGIC = 0x1950a86a20f9469cfc6c


def reference_state_dict():
    g = torch.Generator().manual_seed(1234)
    sd = collections.OrderedDict()
    sd["conv.weight"] = torch.randn(4, 3, 3, 3, generator=g)
    sd["conv.bias"] = torch.randn(4, generator=g).half()
    sd["bn.weight"] = torch.randn(4, generator=g).bfloat16()
    sd["bn.running_mean"] = torch.randn(4, generator=g).double()
    sd["bn.num_batches_tracked"] = torch.tensor(123456789012, dtype=torch.int64)  # 0-dim
    sd["emb.index"] = torch.randint(-2**31, 2**31 - 1, (5,), generator=g, dtype=torch.int32)
    sd["q.short"] = torch.randint(-2**15, 2**15 - 1, (3, 2), generator=g, dtype=torch.int16)
    sd["q.char"] = torch.randint(-128, 127, (6,), generator=g, dtype=torch.int8)
    sd["q.byte"] = torch.randint(0, 255, (2, 3), generator=g, dtype=torch.uint8)
    sd["mask"] = torch.tensor([True, False, True, True])
    sd["fc.weight"] = torch.randn(5, 6, generator=g).t()  # non-contiguous [6, 5], stride (1, 6)
    shared = torch.randn(20, generator=g)
    sd["shared.a"] = shared[2:8].view(2, 3)  # storage offset 2
    sd["shared.b"] = shared[10:20:3]  # storage offset 10, stride 3
    sd["shared.all"] = shared  # the whole storage
    assert sd["shared.a"].storage().data_ptr() == sd["shared.b"].storage().data_ptr()
    return sd


def write_safetensors(path, tensors):
    header, data = {}, b""
    for name, t in tensors.items():
        t = t.contiguous()
        raw = (t.view(torch.int16) if t.dtype == torch.bfloat16 else t).numpy().tobytes()
        header[name] = {"dtype": SAFETENSORS_DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)


class Evil:
    def __init__(self, command):
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


# A hand-made legacy file: torch's own layout, but with persistent ids chosen by the caller, so that storage views
# (pre-0.4 files) and malformed declarations can be written. FakeTensor pickles as _rebuild_tensor_v2(...).
class FakeStorage:
    def __init__(self, storage_type, key, numel, view=None):
        self.pid = ("storage", storage_type, key, "cpu", numel, view)


class FakeTensor:
    def __init__(self, storage, offset, size, stride, v1=False):
        self.v1 = v1  # torch._utils._rebuild_tensor (PyTorch 0.4-era files) instead of _rebuild_tensor_v2
        self.args = (storage, offset, tuple(size), tuple(stride))
        if not v1:
            self.args += (False, collections.OrderedDict())

    def __reduce__(self):
        return (torch._utils._rebuild_tensor if self.v1 else torch._utils._rebuild_tensor_v2, self.args)


class LegacyPickler(pickle.Pickler):
    def persistent_id(self, obj):
        return obj.pid if isinstance(obj, FakeStorage) else None


def write_legacy_by_hand(path, obj, storages, little_endian=True):
    """storages: list of (key, element count written, raw bytes)."""
    with open(path, "wb") as f:
        pickle.dump(LEGACY_MAGIC, f, protocol=2)
        pickle.dump(1001, f, protocol=2)
        pickle.dump({"protocol_version": 1001, "little_endian": little_endian,
                     "type_sizes": {"short": 2, "int": 4, "long": 4}}, f, protocol=2)
        LegacyPickler(f, protocol=2).dump(obj)
        pickle.dump([key for key, _, _ in storages], f, protocol=2)
        for _, count, raw in storages:
            f.write(struct.pack("<q", count))
            f.write(raw)


def legacy_storage_offsets(path):
    """Byte offsets of the 8-byte element counts in a legacy file (walks the five pickles, then the data)."""
    with open(path, "rb") as f:
        blob = f.read()
    stream = io.BytesIO(blob)
    for _ in range(4):
        for _op, _arg, _pos in pickletools.genops(stream):
            pass
    keys = pickle.load(stream)
    return stream.tell(), keys


def rewrite_zip(src, dst, change=None, extra=()):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if change:
                data = change(info.filename, data)
            zout.writestr(info.filename, data)
        for name, data in extra:
            zout.writestr(zipfile.ZipInfo(name), data)


def main(out):
    os.makedirs(out, exist_ok=True)
    p = lambda name: os.path.join(out, name)
    sd = reference_state_dict()
    write_safetensors(p("ref.safetensors"), sd)
    torch.save(sd, p("sd_zip.pt"))
    torch.save(sd, p("sd_legacy.pt"), _use_new_zipfile_serialization=False)
    # pickle_protocol=4 adds FRAME, MEMOIZE, SHORT_BINUNICODE and STACK_GLOBAL to what torch.save emits.
    torch.save(sd, p("sd_zip_p4.pt"), pickle_protocol=4)
    torch.save(sd, p("sd_legacy_p4.pt"), _use_new_zipfile_serialization=False, pickle_protocol=4)

    # Wrappers, with the non-tensor entries real training scripts add.
    params = [torch.nn.Parameter(torch.randn(3, 2)), torch.nn.Parameter(torch.randn(2))]
    opt = torch.optim.SGD(params, lr=0.1, momentum=0.9)
    sum(q.sum() for q in params).backward()
    opt.step()
    torch.save({"epoch": 3, "state_dict": sd, "optimizer": opt.state_dict(), "best_acc": 0.875,
                "note": "resnet18 fold 1"}, p("wrapped_state_dict.pt"))
    torch.save({"model": sd, "epoch": 7}, p("wrapped_model_legacy.pt"), _use_new_zipfile_serialization=False)
    torch.save({"model": {"step": 1, "state_dict": sd}, "args": ["--lr", 0.1, None, True]}, p("wrapped_nested.pt"))
    module_sd = collections.OrderedDict(("module." + k, v) for k, v in sd.items())
    torch.save({"state_dict": module_sd}, p("module_prefix.pt"))
    torch.save(module_sd, p("module_legacy.pt"), _use_new_zipfile_serialization=False)

    # A real state_dict carries _metadata (set through BUILD on the OrderedDict); parameters pickle as
    # _rebuild_parameter when saved directly.
    torch.manual_seed(0)
    linear = torch.nn.Linear(3, 2)
    lsd = linear.state_dict()
    assert hasattr(lsd, "_metadata")
    torch.save(lsd, p("linear_zip.pt"))
    torch.save(lsd, p("linear_legacy.pt"), _use_new_zipfile_serialization=False)
    write_safetensors(p("linear.safetensors"), lsd)
    torch.save(collections.OrderedDict(linear.named_parameters()), p("parameters_zip.pt"))

    # An old-style storage view: root storage '100' of 10 floats, view '101' = elements [3, 8).
    root = torch.arange(10, dtype=torch.float32) * 1.5
    view = FakeStorage(torch.FloatStorage, "100", 10, ("101", 3, 5))
    whole = FakeStorage(torch.FloatStorage, "100", 10)
    obj = collections.OrderedDict([("viewed", FakeTensor(view, 1, (2, 2), (1, 2))),
                                   ("whole", FakeTensor(whole, 0, (10,), (1,))),
                                   ("v1", FakeTensor(whole, 7, (3,), (1,), v1=True))])
    write_legacy_by_hand(p("legacy_view.pt"), obj, [("100", 10, root.numpy().tobytes())])
    expected = collections.OrderedDict([("viewed", root[3:8][1:].as_strided((2, 2), (1, 2))), ("whole", root),
                                        ("v1", root[7:10])])
    loaded = torch.load(p("legacy_view.pt"))  # the hand-made file is one torch itself reads
    assert all(torch.equal(loaded[k], expected[k]) for k in expected)
    write_safetensors(p("legacy_view.safetensors"), expected)

    torch.save(collections.OrderedDict([("w", torch.ones(2)), ("note", "not a tensor")]), p("not_state_dict.pt"))

    # Code that must never run: loading it with pickle would create the file named by $MGC_PWNED_FILE.
    evil = Evil('touch "$MGC_PWNED_FILE"')
    with open(p("evil.pkl"), "wb") as f:
        pickle.dump(evil, f, protocol=2)
    torch.save({"w": torch.ones(2), "payload": evil}, p("evil_zip.pt"))
    torch.save({"w": torch.ones(2), "payload": evil}, p("evil_legacy.pt"), _use_new_zipfile_serialization=False)

    # Malformed files.
    short = FakeStorage(torch.FloatStorage, "7", 4)
    write_legacy_by_hand(p("legacy_short_storage.pt"), {"w": FakeTensor(short, 0, (10,), (1,))},
                         [("7", 4, torch.ones(4).numpy().tobytes())])
    write_legacy_by_hand(p("legacy_bigendian.pt"), {"w": FakeTensor(short, 0, (4,), (1,))},
                         [("7", 4, torch.ones(4).numpy().tobytes())], little_endian=False)
    huge = FakeStorage(torch.FloatStorage, "7", 2**60)
    write_legacy_by_hand(p("legacy_huge_numel.pt"), {"w": FakeTensor(huge, 0, (2,), (1,))},
                         [("7", 2**60, torch.ones(2).numpy().tobytes())])
    offset, _keys = legacy_storage_offsets(p("sd_legacy.pt"))
    with open(p("sd_legacy.pt"), "rb") as f:
        blob = bytearray(f.read())
    blob[offset:offset + 8] = struct.pack("<q", 2**60)
    with open(p("legacy_huge_count.pt"), "wb") as f:
        f.write(blob)

    def cut_first_storage(name, data):
        return data[: len(data) // 2] if name.endswith("/data/0") else data
    rewrite_zip(p("sd_zip.pt"), p("zip_short_storage.pt"), change=cut_first_storage)
    rewrite_zip(p("sd_zip.pt"), p("zip_escape_entry.pt"), extra=[("../evil.txt", b"x")])
    prefix = zipfile.ZipFile(p("sd_zip.pt")).namelist()[0].split("/")[0]
    rewrite_zip(p("sd_zip.pt"), p("zip_bigendian.pt"), extra=[(prefix + "/byteorder", b"big")])
    rewrite_zip(p("sd_zip.pt"), p("zip_little.pt"), extra=[(prefix + "/byteorder", b"little")])  # as torch 2.x

    # A storage key that would escape the folder (every entry name itself is fine).
    pkl = io.BytesIO()
    escaping = FakeStorage(torch.FloatStorage, "../0", 2)
    escaping.pid = escaping.pid[:5]  # zip persistent ids have no view_metadata
    LegacyPickler(pkl, protocol=2).dump({"w": FakeTensor(escaping, 0, (2,), (1,))})
    with zipfile.ZipFile(p("zip_escape_key.pt"), "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", pkl.getvalue())
        z.writestr("archive/data/0", torch.ones(2).numpy().tobytes())
        z.writestr("archive/version", b"3\n")



if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])

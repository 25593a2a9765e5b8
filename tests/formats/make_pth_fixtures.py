"""Writes the PyTorch checkpoints modelzoo's .pth reader is tested on, with
Debian's torch and torchvision, and prints what Python reads in them.

  make_pth_fixtures.py DIR

Files written in DIR:
  resnet18.pth      torchvision resnet18().state_dict() (random init), torch.save
  mixed.pth         fp16, bf16, int64, bool, a non-contiguous view, two tensors
                    sharing one storage, a scalar, a zero-element tensor, an
                    nn.Parameter, a nested dict and non-tensor entries
  zip64.pth         mixed.pth re-packed with ZIP64 records everywhere
  evil_system.pth   a pickle calling os.system through GLOBAL + REDUCE
  evil_eval.pth     a pickle calling builtins.eval
  missing_storage.pth   a persistent id naming a storage record that is absent
  short_storage.pth a view reaching past the end of its storage
  small_record.pth  a storage record with fewer bytes than its declared numel
  truncated.pth     resnet18.pth cut in half
  overlap.pth       two central-directory entries over the same bytes
  out_of_bounds.pth a central-directory entry whose data lies past the file
  legacy.pth        the pre-1.6 (non-zip) torch.save format
  shared.pth        a self-containing list and a dict shared under two names
  self_dict.pth     a dict that contains itself
  doubling.pth      30 levels of a dict shared twice: 2^30 paths
  deep_tuple.pth    a tuple nested 1,000,000 levels deep (one TUPLE1 opcode each)
  deep_list.pth     a list nested 200,000 levels deep (EMPTY_LIST ... APPEND ...)
  deep_dict.pth     a dict nested 200,000 levels deep (EMPTY_DICT ... SETITEM ...)
  deep_memo.pth     200,000 lists each appended to the one before through the memo
                    (readable: freeing it must not recurse either)

Prints JSON: {file: {tensor: {dtype, shape, stride, offset, sha256, storage}}}
for the readable files; "storage" is an id shared by tensors on one storage.
"""
import collections
import hashlib
import io
import json
import os
import pickle
import sys
import zipfile

import torch
import torchvision

out_dir = sys.argv[1]
torch.manual_seed(5)

DTYPE_NAMES = {torch.float64: "F64", torch.float32: "F32", torch.float16: "F16",
               torch.bfloat16: "BF16", torch.int64: "I64", torch.int32: "I32",
               torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8", torch.bool: "BOOL"}


def contiguous_bytes(t):
    c = t.detach().contiguous()
    # bf16 has no numpy dtype: view the raw bytes through int16.
    if c.dtype == torch.bfloat16:
        c = c.view(torch.int16)
    return c.numpy().tobytes()


def describe(state, prefix=""):
    out = {}
    for key, value in state.items():
        name = prefix + key
        if isinstance(value, dict):
            out.update(describe(value, name + "."))
        elif isinstance(value, torch.Tensor):
            out[name] = {"dtype": DTYPE_NAMES[value.dtype], "shape": list(value.shape),
                         "stride": list(value.stride()), "offset": value.storage_offset(),
                         "sha256": hashlib.sha256(contiguous_bytes(value)).hexdigest(),
                         "storage": value.storage().data_ptr()}
    return out


def path(name):
    return os.path.join(out_dir, name)


def repack(source, target, edit=None, zip64=False):
    """Copies a torch.save archive entry by entry (stored, as torch writes);
    `edit(name, data)` may return new data or None to drop the entry."""
    saved = (zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT)
    if zip64:  # makes zipfile write ZIP64 extra fields and end records on a small file
        zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT = 0, 0
    try:
        with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as zout:
            for info in zin.infolist():
                data = zin.read(info.filename)
                if edit:
                    data = edit(info.filename, data)
                    if data is None:
                        continue
                zout.writestr(info.filename, data)
    finally:
        zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT = saved


def torch_like_zip(target, pickle_bytes, records=()):
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", pickle_bytes)
        for key, data in records:
            z.writestr("archive/data/" + key, data)
        z.writestr("archive/version", "3\n")


report = {}

# A real torchvision state dict.
resnet = torchvision.models.resnet18().state_dict()
torch.save(resnet, path("resnet18.pth"))
report["resnet18.pth"] = describe(resnet)

# Every dtype and layout a state dict can hold.
base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
shared = torch.randn(10)
mixed = collections.OrderedDict()
mixed["half"] = torch.randn(3, 5).half()
mixed["bfloat"] = torch.randn(7).bfloat16()
mixed["long"] = torch.tensor([-(2 ** 40), 0, 2 ** 62], dtype=torch.int64)
mixed["mask"] = torch.tensor([True, False, True, True])
mixed["double"] = torch.randn(2, 2, dtype=torch.float64)
mixed["int8"] = torch.tensor([-128, 5, 127], dtype=torch.int8)
mixed["uint8"] = torch.tensor([0, 200, 255], dtype=torch.uint8)
mixed["transposed"] = base.t()                   # non-contiguous view
mixed["strided"] = base[1:, ::2]                 # offset + steps
mixed["shared_all"] = shared                     # two tensors, one storage
mixed["shared_tail"] = shared[4:]
mixed["scalar"] = torch.tensor(3.25)
mixed["empty"] = torch.zeros(0, 3)
mixed["param"] = torch.nn.Parameter(torch.randn(2, 3))
mixed["nested"] = {"weight": torch.randn(2), "epoch": 4}
mixed["note"] = "not a tensor"
mixed["steps"] = [1, 2.5, None, True, (3, "x")]
torch.save(mixed, path("mixed.pth"))
report["mixed.pth"] = describe(mixed)

repack(path("mixed.pth"), path("zip64.pth"), zip64=True)
report["zip64.pth"] = report["mixed.pth"]


# Malicious pickles: a __reduce__ payload pickles as GLOBAL module.name + REDUCE.
class CallSystem:
    def __reduce__(self):
        return (os.system, ("touch " + path("pwned"),))


class CallEval:
    def __reduce__(self):
        return (eval, ("__import__('os').system('touch " + path("pwned") + "')",))


torch_like_zip(path("evil_system.pth"),
               pickle.dumps(collections.OrderedDict(w=CallSystem()), protocol=2))
torch_like_zip(path("evil_eval.pth"),
               pickle.dumps(collections.OrderedDict(w=CallEval()), protocol=2))


# Hand-made tensors: torch.save's persistent ids and _rebuild_tensor_v2 calls
# with chosen storage sizes, offsets and strides.
class Storage:
    def __init__(self, key, numel):
        self.key, self.numel = key, numel


class Rebuilt:
    def __init__(self, storage, offset, size, stride):
        self.args = (storage, offset, size, stride, False, collections.OrderedDict())

    def __reduce__(self):
        return (torch._utils._rebuild_tensor_v2, self.args)


class TorchLikePickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ("storage", torch.FloatStorage, obj.key, "cpu", obj.numel)
        return None


def crafted(state):
    buffer = io.BytesIO()
    TorchLikePickler(buffer, protocol=2).dump(state)
    return buffer.getvalue()


floats = torch.arange(8, dtype=torch.float32).numpy().tobytes()  # 8 elements
torch_like_zip(path("missing_storage.pth"),
               crafted(collections.OrderedDict(w=Rebuilt(Storage("7", 8), 0, (8,), (1,)))),
               [("0", floats)])
torch_like_zip(path("short_storage.pth"),
               crafted(collections.OrderedDict(w=Rebuilt(Storage("0", 8), 2, (3, 3), (3, 1)))),
               [("0", floats)])
torch_like_zip(path("small_record.pth"),
               crafted(collections.OrderedDict(w=Rebuilt(Storage("0", 16), 0, (16,), (1,)))),
               [("0", floats)])

with open(path("resnet18.pth"), "rb") as f:
    whole = f.read()
with open(path("truncated.pth"), "wb") as f:
    f.write(whole[: len(whole) // 2])


def central_directory(data):
    end = data.rindex(b"PK\x05\x06")
    count = int.from_bytes(data[end + 10:end + 12], "little")
    size = int.from_bytes(data[end + 12:end + 16], "little")
    offset = int.from_bytes(data[end + 16:end + 20], "little")
    return end, count, size, offset


# Overlap: a second central-directory record pointing at the first entry's bytes.
with open(path("mixed.pth"), "rb") as f:
    data = bytearray(f.read())
end, count, size, offset = central_directory(data)
first_len = 46 + int.from_bytes(data[offset + 28:offset + 30], "little") + \
    int.from_bytes(data[offset + 30:offset + 32], "little") + \
    int.from_bytes(data[offset + 32:offset + 34], "little")
alias = bytearray(data[offset:offset + first_len])
name_len = int.from_bytes(alias[28:30], "little")
alias[46] ^= 0x20  # another name ("Mixed/…"), the same local header and data
eocd = bytearray(data[end:])
eocd[8:10] = (count + 1).to_bytes(2, "little")
eocd[10:12] = (count + 1).to_bytes(2, "little")
eocd[12:16] = (size + first_len).to_bytes(4, "little")
with open(path("overlap.pth"), "wb") as f:
    f.write(data[:offset + size] + alias + eocd)

# Out of bounds: the first central-directory record's local header offset past the file.
oob = bytearray(data)
oob[offset + 42:offset + 46] = (len(data) + 4096).to_bytes(4, "little")
with open(path("out_of_bounds.pth"), "wb") as f:
    f.write(oob)

torch.save({"w": torch.ones(2)}, path("legacy.pth"), _use_new_zipfile_serialization=False)

# Reference structures: a list that contains itself (read; it is not a
# tensor), a dict shared under two names (both names read), a dict that
# contains itself (refused), and 2^30 paths through 30 shared levels (refused).
loop = [1]
loop.append(loop)
shared_dict = {"w": torch.ones(3)}
torch.save(collections.OrderedDict(t=torch.zeros(2), loop=loop, a=shared_dict, b=shared_dict),
           path("shared.pth"))
report["shared.pth"] = describe(collections.OrderedDict(t=torch.zeros(2), a=shared_dict, b=shared_dict))
self_dict = {"w": torch.ones(1)}
self_dict["me"] = self_dict
torch.save(self_dict, path("self_dict.pth"))
level = {"w": torch.ones(1)}
for _ in range(30):
    level = {"l": level, "r": level}
torch.save(level, path("doubling.pth"))

# Nesting no pickler writes (Python's stops at its recursion limit), made
# opcode by opcode: freeing such a value recursed once per level and
# overflowed the stack. Each is root = {"d": <deep value>}.
def deep_pickle(body):
    key = b"X" + (1).to_bytes(4, "little") + b"d"
    return b"\x80\x02}" + key + body + b"s."
n = 200_000
torch_like_zip(path("deep_tuple.pth"), deep_pickle(b")" + b"\x85" * 1_000_000))
torch_like_zip(path("deep_list.pth"), deep_pickle(b"]" * n + b"a" * (n - 1)))
torch_like_zip(path("deep_dict.pth"), deep_pickle(b"}" + (key_then_dict := b"X\x01\x00\x00\x00k}") * n
                                                  + b"s" * n))
chain = b"(]r" + (0).to_bytes(4, "little")
for i in range(1, n):
    # LONG_BINGET i-1 is already on top after the first; push list i, memoize
    # it, append it to list i-1, then fetch list i for the next round.
    chain += b"]r" + i.to_bytes(4, "little") + b"aj" + i.to_bytes(4, "little")
torch_like_zip(path("deep_memo.pth"), deep_pickle(chain + b"t"))

print(json.dumps(report))

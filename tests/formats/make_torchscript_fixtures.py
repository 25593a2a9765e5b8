"""Writes the TorchScript archives modelzoo's TorchScript mode is tested on,
with Debian's torch, and prints what torch.jit.load reads in them.

  make_torchscript_fixtures.py DIR [SILERO_JIT]

Files written in DIR:
  scripted.pt          torch.jit.save of a scripted module: a conv, a
                       Sequential, a ModuleList, a buffer, a parameter
                       shared under two names, a non-contiguous buffer,
                       List[Tensor] / Dict[str, Tensor] / List[int]
                       attributes, a submodule with no tensors
  hostile_code.pt      scripted.pt with every file under code/ replaced by
                       Python that would create DIR/pwned, and every
                       .debug_pkl by a pickle calling os.system
  no_code.pt           scripted.pt without code/ (constants.pkl still there)
  evil_global.pt       a TorchScript archive whose data.pkl holds a
                       __torch__ module with an attribute pickled as a call
                       of os.system (GLOBAL posix.system + REDUCE)
  evil_eval.pt         the same with builtins.eval
  call_torch_class.pt  a data.pkl that calls a __torch__ class (REDUCE)
  torch_class_in.pth   a torch.save-style archive (no code/, no
                       constants.pkl) whose pickle names a __torch__ class
  silero_hostile.jit   (with SILERO_JIT) the Silero archive with code/
                       replaced as in hostile_code.pt

Prints JSON: {file: {"tensors": {name: {dtype, shape, sha256}},
"root_class": str}} for the readable files. The tensors are the module's
state_dict() as torch.jit.load gives it, plus the attributes it leaves out
(non-parameter tensor attributes), listed by name below.
"""
import collections
import hashlib
import io
import json
import os
import pickle
import sys
import types
import zipfile
from typing import Dict, List

import torch

out_dir = sys.argv[1]
silero = sys.argv[2] if len(sys.argv) > 2 else None
torch.manual_seed(7)

DTYPE_NAMES = {torch.float64: "F64", torch.float32: "F32", torch.float16: "F16",
               torch.bfloat16: "BF16", torch.int64: "I64", torch.int32: "I32",
               torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8", torch.bool: "BOOL"}


def path(name):
    return os.path.join(out_dir, name)


def tensor_record(t):
    c = t.detach().contiguous()
    if c.dtype == torch.bfloat16:
        c = c.view(torch.int16)
    return {"dtype": DTYPE_NAMES[t.dtype], "shape": list(t.shape),
            "sha256": hashlib.sha256(c.numpy().tobytes()).hexdigest()}


def describe(module, extra):
    """state_dict() plus the tensor attributes torch.jit leaves out of it,
    given by name (`extra`: name -> tensor), as Python reads them."""
    tensors = {k: tensor_record(v) for k, v in module.state_dict().items()}
    tensors.update({k: tensor_record(v) for k, v in extra.items()})
    return {"tensors": tensors, "root_class": module._c._type().qualified_name()}


class Block(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv1d(3, 4, 3)
        self.seq = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.ReLU(), torch.nn.Linear(5, 2))
        self.heads = torch.nn.ModuleList([torch.nn.Linear(2, 2) for _ in range(2)])
        self.register_buffer("running", torch.arange(6, dtype=torch.float64))
        self.register_buffer("strided", torch.arange(12.0).reshape(3, 4).t())  # non-contiguous
        self.shared = torch.nn.Parameter(torch.randn(3))
        self.plain = torch.nn.ReLU()  # no tensors
        self.bank: List[torch.Tensor] = [torch.randn(2), torch.ones(1, dtype=torch.int64)]
        self.table: Dict[str, torch.Tensor] = {"a": torch.randn(2, 2), "b": torch.zeros(1)}
        self.sizes: List[int] = [1, 2, 3]
        self.rate = 16000
        self.name = "block"

    def forward(self, x):
        y = self.seq(self.conv(x).mean(-1))
        for h in self.heads:
            y = h(y)
        return y + self.bank[0].sum() + self.table["a"].sum() + self.shared.sum()


class Top(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()
        self.alias = self.block.shared  # one parameter under two names

    def forward(self, x):
        return self.block(x) + self.alias.sum()


top = torch.jit.script(Top())
torch.jit.save(top, path("scripted.pt"))
loaded = torch.jit.load(path("scripted.pt"))
extra = {"block.bank.0": loaded.block.bank[0], "block.bank.1": loaded.block.bank[1],
         "block.table.a": loaded.block.table["a"], "block.table.b": loaded.block.table["b"]}
report = {"scripted.pt": describe(loaded, extra)}


def repack(source, target, edit):
    """Copies a zip archive entry by entry; `edit(name, data)` returns new
    data or None to drop the entry. Stored, except what torch compressed."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for info in zin.infolist():
            data = edit(info.filename, zin.read(info.filename))
            if data is not None:
                zout.writestr(info.filename, data, compress_type=info.compress_type)


class CallSystem:
    def __reduce__(self):
        return (os.system, ("touch " + path("pwned"),))


class CallEval:
    def __reduce__(self):
        return (eval, ("__import__('os').system('touch " + path("pwned") + "')",))


HOSTILE_PY = ("import os\nos.system('touch " + path("pwned") + "')\n").encode()
HOSTILE_PKL = pickle.dumps(CallSystem(), protocol=2)


def hostile_code(name, data):
    if "/code/" not in name:
        return data
    return HOSTILE_PKL if name.endswith(".debug_pkl") else HOSTILE_PY


repack(path("scripted.pt"), path("hostile_code.pt"), hostile_code)
report["hostile_code.pt"] = report["scripted.pt"]
repack(path("scripted.pt"), path("no_code.pt"), lambda n, d: None if "/code/" in n else d)
report["no_code.pt"] = report["scripted.pt"]


# A module pickled as torch.jit does (GLOBAL '__torch__.… Class', NEWOBJ,
# BUILD with its attributes), from a stand-in class registered under a
# __torch__ module name so that pickle can name it.
fake = types.ModuleType("__torch__.evil")
package = sys.modules.setdefault("__torch__", types.ModuleType("__torch__"))
package.__path__ = []
package.evil = fake
sys.modules["__torch__.evil"] = fake


class Model:
    pass


Model.__module__ = "__torch__.evil"
Model.__qualname__ = "Model"
fake.Model = Model


def torchscript_like(target, state):
    m = Model()
    m.__dict__.update(state)
    data = pickle.dumps(m, protocol=2)
    assert b"__torch__.evil" in data
    with zipfile.ZipFile(path("scripted.pt")) as z:
        prefix = z.namelist()[0].split("/")[0] + "/"
    repack(path("scripted.pt"), target,
           lambda n, d: data if n == prefix + "data.pkl" else d)


torchscript_like(path("evil_global.pt"), {"training": False, "payload": CallSystem()})
torchscript_like(path("evil_eval.pt"), {"training": False, "payload": CallEval()})


class CallModel:
    def __reduce__(self):
        return (Model, ())


torchscript_like(path("call_torch_class.pt"), {"training": False, "sub": CallModel()})

with zipfile.ZipFile(path("torch_class_in.pth"), "w") as z:
    z.writestr("archive/data.pkl", pickle.dumps(collections.OrderedDict(m=Model()), protocol=2))
    z.writestr("archive/version", "3\n")

if silero:
    repack(silero, path("silero_hostile.jit"), hostile_code)
    vad = torch.jit.load(silero)
    report["silero_hostile.jit"] = describe(vad, {"_state": vad._state, "_context": vad._context})

print(json.dumps(report))

"""An independent safetensors writer/checker (struct + json + numpy only) for
modelzoo's interoperability test.

  safetensors_peer.py write PATH   writes tensors, prints {name: {dtype, shape, sha256}}
  safetensors_peer.py check PATH   reads a file modelzoo wrote, checks the values, prints ok
"""
import hashlib
import json
import struct
import sys

import numpy as np

DTYPES = {"F64": np.float64, "F32": np.float32, "F16": np.float16, "I64": np.int64,
          "I32": np.int32, "I16": np.int16, "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_}


def tensors():
    rng = np.random.default_rng(7)
    return {
        "conv.weight": rng.standard_normal((4, 3, 3, 3)).astype(np.float32),
        "bn.num_batches_tracked": np.array(17, dtype=np.int64),
        "half": rng.standard_normal((5,)).astype(np.float16),
        "mask": np.array([True, False, True]),
        "ids": np.arange(6, dtype=np.int32).reshape(2, 3),
        "empty": np.zeros((0, 3), dtype=np.float64),
    }


def write(path):
    items = tensors()
    header, blobs, offset = {"__metadata__": {"writer": "python"}}, [], 0
    for name in sorted(items):
        raw = np.ascontiguousarray(items[name]).tobytes()
        dtype = [k for k, v in DTYPES.items() if v == items[name].dtype.type][0]
        header[name] = {"dtype": dtype, "shape": list(items[name].shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
    print(json.dumps({n: {"dtype": header[n]["dtype"], "shape": header[n]["shape"],
                          "sha256": hashlib.sha256(np.ascontiguousarray(t).tobytes()).hexdigest()}
                      for n, t in items.items()}))


def check(path):
    data = open(path, "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    assert header.pop("__metadata__") == {"writer": "python"}
    assert (8 + n) % 8 == 0, "data not aligned"
    covered = sorted(tuple(i["data_offsets"]) for i in header.values())
    assert all(a[1] == b[0] for a, b in zip(covered, covered[1:])), "gaps between tensors"
    expected = tensors()
    assert sorted(header) == sorted(expected)
    for name, info in header.items():
        begin, end = info["data_offsets"]
        got = np.frombuffer(data[8 + n + begin:8 + n + end], dtype=DTYPES[info["dtype"]])
        assert np.array_equal(got.reshape(info["shape"]), expected[name]), name
    print("ok")


if __name__ == "__main__":
    {"write": write, "check": check}[sys.argv[1]](sys.argv[2])

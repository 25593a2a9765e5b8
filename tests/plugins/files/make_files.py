#!/usr/bin/env python3
"""Writes the `files` fixture family's variant: toy/tiny_mlp's synthetic
weights (../toy/weights/tiny_mlp-synth.safetensors) as a Hugging Face
sharded checkpoint -- two safetensors shards and their
model.safetensors.index.json -- and a labels file of another role.
Run from this directory; prints each file's SHA-256 for the manifest."""
import hashlib
import json
import struct

SOURCE = "../toy/weights/tiny_mlp-synth.safetensors"


def read_safetensors(path):
    data = open(path, "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    header.pop("__metadata__", None)
    body = data[8 + n:]
    return {k: (v["dtype"], v["shape"], body[v["data_offsets"][0]:v["data_offsets"][1]])
            for k, v in header.items()}


def write_safetensors(path, tensors):
    header, offset, blobs = {}, 0, []
    for name in sorted(tensors):
        dtype, shape, raw = tensors[name]
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        blobs.append(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


tensors = read_safetensors(SOURCE)
names = sorted(tensors)
shards = {"model-00001-of-00002.safetensors": names[: len(names) // 2],
          "model-00002-of-00002.safetensors": names[len(names) // 2:]}
weight_map = {}
for shard, keys in shards.items():
    write_safetensors(shard, {k: tensors[k] for k in keys})
    weight_map.update({k: shard for k in keys})
total = sum(len(t[2]) for t in tensors.values())
with open("model.safetensors.index.json", "w") as f:
    json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)
    f.write("\n")
with open("labels.txt", "w") as f:
    f.write("".join(f"class {i}\n" for i in range(10)))
for name in ["model.safetensors.index.json", *shards, "labels.txt"]:
    data = open(name, "rb").read()
    print(name, len(data), hashlib.sha256(data).hexdigest())

#!/usr/bin/env python3
"""Publishes a trained LUT model as a weight variant of the lut plugin.

    publish_variant.py NAME TAG WEIGHTS.safetensors EVAL.json

Copies WEIGHTS to plugins/lut/weights/NAME-TAG.safetensors (lower-case tag)
and writes the entrypoint NAME into manifest.json: its config (from the
`modelzoo eval ... --json` output EVAL.json, i.e. the config the weights
were trained with) and a default variant with SHA-256, size, a shipped:// URL
and metadata whose accuracy is what `modelzoo eval` measured. Earlier
variants of NAME stay, as non-default ones.
Standard library only.
"""
import hashlib
import json
import pathlib
import shutil
import sys

HERE = pathlib.Path(__file__).resolve().parent.parent
CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
           "Sneaker", "Bag", "Ankle boot"]


def main():
    name, tag, weights, eval_json = sys.argv[1:5]
    result = json.loads(pathlib.Path(eval_json).read_text())
    config = result["config"]
    file_name = f"{name}-{tag.lower()}.safetensors"
    target = HERE / "weights" / file_name
    shutil.copyfile(weights, target)
    data = target.read_bytes()
    luts = sum(config["layer_widths"])
    widths = "+".join(str(w) for w in config["layer_widths"])
    variant = {
        "tag": tag,
        "default": True,
        "file": file_name,
        "format": "safetensors",
        "urls": ["shipped://weights/lut/" + file_name],
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
        "meta": {
            "num_classes": config["num_classes"],
            "categories": CLASSES,
            "dataset": "Fashion-MNIST",
            "metrics": {"Fashion-MNIST": {"acc@1": round(result["acc@1"], 2),
                                           "correct": result["correct"],
                                           "total": result["total"]}},
            # How the metrics were measured (metrics hold numbers only).
            "evaluation": {"split": "test", "eval_mode": result["eval_mode"]},
            "num_luts": luts,
            "license": "CC0-1.0",
            "recipe": f"modelzoo train lut plugins/lut/configs/{name}.yaml --data fashion-mnist "
                      "(the config's training: section); trained on this project's CPU",
        },
    }
    manifest_path = HERE / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    entry = {
        "name": name,
        "summary": f"LUT network, {luts:,} six-input LUTs ({widths}), Fashion-MNIST "
                   f"{variant['meta']['metrics']['Fashion-MNIST']['acc@1']:.2f}% (hard)",
        "doc": f"A DiffLUT-style LUT network trained here on Fashion-MNIST: "
               f"{config['encoder_config']['name']} encoder ({config['encoder_config']['num_bits']} bits per pixel), "
               f"layers {config['layer_widths']} of {config['node_input_dim']}-input {config['node_type']} LUT nodes "
               f"with {config['layer_type']} connections"
               + (f" (the first layer's within {config['receptive_field']}x{config['receptive_field']} "
                  "pixel windows)" if config.get("receptive_field") else "")
               + ", group-sum head.\n"
               f"Config: plugins/lut/configs/{name}.yaml. Runtime keys may be overridden on the "
               f"pretrained weights (e.g. -c eval_mode=expectation); structural keys may not.",
        "config": config,
        "input": {"shape": ["N", 784], "dtype": "float32"},
        "variants": [variant],
    }
    # Published tags stay available (torchvision keeps IMAGENET1K_V1 next to
    # V2): earlier variants of NAME are kept, no longer the default. They must
    # have the same tensor shapes as the new one.
    # Each records in meta.config the keys of its own config that differ.
    for old in (e for e in manifest["entrypoints"] if e["name"] == name):
        for v in old["variants"]:
            if v["tag"] == tag:
                continue
            v["default"] = False
            own = dict(old["config"], **v["meta"].get("config", {}))
            differs = {k: own[k] for k in own if own[k] != config.get(k)}
            if differs:
                v["meta"]["config"] = differs
            entry["variants"].append(v)
    entries = [e for e in manifest["entrypoints"] if e["name"] != name]
    entries.append(entry)
    order = {"lut_network": 0, "fashion_mnist_small": 1, "fashion_mnist_large": 2}
    entries.sort(key=lambda e: order.get(e["name"], 9))
    manifest["entrypoints"] = entries
    manifest_path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    print(f"{name}.{tag}: {file_name} sha256 {variant['sha256']} "
          f"acc@1 {variant['meta']['metrics']['Fashion-MNIST']['acc@1']}")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Parity fixtures for the vision plugin, from torchvision itself.

  make_vision_fixtures.py OUT_DIR [NAME ...]

For every entrypoint (or the NAMEs given): builds torchvision's model with a
fixed seed (random init, nothing downloaded), randomises what torchvision
initialises to constants (norm statistics and affines, layer scales, the
ViT head) so that every parameter matters, saves the state dict with
torch.save (the format of torchvision's published checkpoints), and saves,
also with torch.save, the inputs it ran in eval mode with their logits and
the last feature map. OUT_DIR/index.json lists the cases with the feature
shapes torchvision's modules produced. One process writes everything; an
index whose script digest matches is reused.
"""
import collections
import hashlib
import json
import os
import sys

try:
    import torch
    import torchvision.models as tvm
except ImportError as e:  # the C++ tests then skip, saying why
    print(f"no fixtures: {e} (scripts/install-deps.sh installs python3-torchvision)")
    sys.exit(0)

# name -> (builder kwargs, [(batch, height, width), ...]). Inputs are small
# where the architecture allows (every CNN here accepts any size >= 32),
# never 224 except where noted, always one batch > 1.
CASES = {
    "resnet18": ({}, [(2, 64, 64), (1, 224, 224)]),
    "resnet34": ({}, [(2, 64, 64)]),
    "resnet50": ({}, [(2, 64, 64), (3, 97, 75)]),
    "resnet101": ({}, [(2, 64, 64)]),
    "resnet152": ({}, [(2, 64, 64)]),
    "resnext50_32x4d": ({}, [(2, 64, 64)]),
    "resnext101_32x8d": ({}, [(2, 64, 64)]),
    "resnext101_64x4d": ({}, [(2, 64, 64)]),
    "wide_resnet50_2": ({}, [(2, 64, 64)]),
    "wide_resnet101_2": ({}, [(2, 64, 64)]),
    "efficientnet_b0": ({}, [(2, 64, 64), (1, 224, 224)]),
    "efficientnet_b1": ({}, [(2, 64, 64)]),
    "efficientnet_b2": ({}, [(2, 64, 64)]),
    "efficientnet_b3": ({}, [(2, 64, 64)]),
    "efficientnet_b4": ({}, [(2, 72, 56)]),
    "vit_b_16": ({}, [(2, 224, 224)]),
    "vit_b_16@64": ({"image_size": 64}, [(2, 64, 64)]),
    "convnext_tiny": ({}, [(2, 64, 64), (1, 96, 128)]),
}


def feature_modules(name, model):
    """The modules whose outputs the plugin's forward_features returns."""
    if name.startswith(("resnet", "resnext", "wide_resnet")):
        return [("stem", model.maxpool)] + [(f"layer{i}", getattr(model, f"layer{i}"))
                                            for i in range(1, 5)]
    if name.startswith("efficientnet"):
        n = len(model.features)
        return [("stem" if i == 0 else "head" if i == n - 1 else f"stage{i}", model.features[i])
                for i in range(n)]
    if name.startswith("vit"):
        return [("patch_embed", model.conv_proj), ("encoder", model.encoder)]
    if name.startswith("convnext"):
        return [("stem", model.features[0])] + [(f"stage{s + 1}", model.features[2 * s + 1])
                                                for s in range(4)]
    raise KeyError(name)


def randomise(model, generator):
    """Gives random values to what torchvision initialises to constants."""
    def uniform(t, lo, hi):
        t.copy_(torch.rand(t.shape, generator=generator) * (hi - lo) + lo)

    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                uniform(m.weight, 0.5, 1.5)
                uniform(m.bias, -0.2, 0.2)
                uniform(m.running_mean, -0.2, 0.2)
                uniform(m.running_var, 0.5, 2.0)
                m.num_batches_tracked.fill_(100)
            elif isinstance(m, torch.nn.LayerNorm):
                uniform(m.weight, 0.5, 1.5)
                uniform(m.bias, -0.2, 0.2)
        for name, p in model.named_parameters():
            if name.endswith("layer_scale"):
                uniform(p, 0.1, 0.5)
            elif name.startswith("heads.head.") or name in ("class_token",):
                p.copy_(torch.randn(p.shape, generator=generator) * 0.02)


def main():
    out_dir = sys.argv[1]
    names = sys.argv[2:] or list(CASES)
    os.makedirs(out_dir, exist_ok=True)
    with open(__file__, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    index_path = os.path.join(out_dir, "index.json")
    if os.path.exists(index_path):
        with open(index_path) as f:
            old = json.load(f)
        if old.get("script") == digest and set(names) <= set(old["cases"]):
            return
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    index = {"script": digest, "torch": torch.__version__, "cases": {}}
    for seed, case in enumerate(names):
        kwargs, inputs = CASES[case]
        entrypoint = case.split("@")[0]
        torch.manual_seed(seed)
        generator = torch.Generator().manual_seed(1000 + seed)
        model = getattr(tvm, entrypoint)(weights=None, **kwargs)
        randomise(model, generator)
        model.eval()
        stem = case.replace("@", "_at_")
        checkpoint = os.path.join(out_dir, stem + ".pth")
        torch.save(model.state_dict(), checkpoint)

        captured = collections.OrderedDict()
        hooks = [m.register_forward_hook(lambda _m, _i, out, key=key: captured.__setitem__(key, out))
                 for key, m in feature_modules(entrypoint, model)]
        tensors = collections.OrderedDict()
        runs = []
        with torch.no_grad():
            for i, (n, h, w) in enumerate(inputs):
                x = torch.randn(n, 3, h, w, generator=generator)
                captured.clear()
                y = model(x)
                tensors[f"input{i}"] = x
                tensors[f"logits{i}"] = y
                last_key = next(reversed(captured))
                tensors[f"features{i}"] = captured[last_key]
                runs.append({"input": [n, 3, h, w], "logits": list(y.shape),
                             "features": [[k, list(v.shape)] for k, v in captured.items()]})
        for hook in hooks:
            hook.remove()
        reference = os.path.join(out_dir, stem + ".ref.pth")
        torch.save(tensors, reference)
        index["cases"][case] = {"entrypoint": entrypoint, "config": kwargs,
                                "checkpoint": os.path.basename(checkpoint),
                                "reference": os.path.basename(reference),
                                "num_params": sum(p.numel() for p in model.parameters()),
                                "runs": runs}
        del model
    with open(index_path + ".tmp", "w") as f:
        json.dump(index, f, indent=1)
    os.replace(index_path + ".tmp", index_path)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Writes plugins/vision/manifest.json from torchvision 0.14's Weights enums.

Run with Debian's interpreter, which has python3-torchvision:

  /usr/bin/python3 plugins/vision/gen_manifest.py > plugins/vision/manifest.json

Every variant, URL, hash prefix, metric, category list and preprocessing
setting is read from torchvision itself; only the summaries, docs and config
defaults below are ours. The output is committed: the build needs no Python.
"""
import json
import os
import re
import sys

import torchvision
from torchvision.models import get_model_weights

# name -> (summary, doc, config defaults)
RESNET_DOC = ("Deep residual network (He et al. 2015, https://arxiv.org/abs/1512.03385), "
              "torchvision's variant with the stride on the 3x3 convolution (ResNet v1.5). "
              "Config: num_classes (a pretrained head is replaced when it differs), in_chans "
              "(the first convolution of a pretrained model is adapted), zero_init_residual, "
              "groups and width_per_group (ResNeXt cardinality and width).")
RESNEXT_DOC = ("ResNeXt (Xie et al. 2016, https://arxiv.org/abs/1611.05431): a bottleneck ResNet "
               "with grouped 3x3 convolutions. " + RESNET_DOC.split(". ", 1)[1])
WIDE_DOC = ("Wide ResNet (Zagoruyko & Komodakis 2016, https://arxiv.org/abs/1605.07146): a "
            "bottleneck ResNet with twice the inner width. " + RESNET_DOC.split(". ", 1)[1])
EFFNET_DOC = ("EfficientNet (Tan & Le 2019, https://arxiv.org/abs/1905.11946): MBConv blocks with "
              "squeeze-excitation, compound-scaled. Config: num_classes, in_chans, dropout (before "
              "the head), stochastic_depth_prob (largest per-block drop rate).")
VIT_DOC = ("Vision Transformer B/16 (Dosovitskiy et al. 2020, https://arxiv.org/abs/2010.11929): "
           "16x16 patches, 12 layers, 12 heads, width 768. Inputs must be image_size x image_size "
           "(224; the IMAGENET1K_SWAG_E2E_V1 weights are for 384, which loading that variant "
           "sets). Config: num_classes, in_chans, image_size, dropout, attention_dropout.")
CONVNEXT_DOC = ("ConvNeXt (Liu et al. 2022, https://arxiv.org/abs/2201.03545): a ResNet modernised "
                "toward vision transformers. Config: num_classes, in_chans, stochastic_depth_prob, "
                "layer_scale (initial value).")


def resnet_config(groups=1, width=64):
    return {"num_classes": 1000, "in_chans": 3, "zero_init_residual": False,
            "groups": groups, "width_per_group": width}


def effnet_config(dropout):
    return {"num_classes": 1000, "in_chans": 3, "dropout": dropout, "stochastic_depth_prob": 0.2}


ENTRYPOINTS = [
    ("resnet18", "ResNet-18 (He et al. 2015)", RESNET_DOC, resnet_config()),
    ("resnet34", "ResNet-34 (He et al. 2015)", RESNET_DOC, resnet_config()),
    ("resnet50", "ResNet-50 (He et al. 2015)", RESNET_DOC, resnet_config()),
    ("resnet101", "ResNet-101 (He et al. 2015)", RESNET_DOC, resnet_config()),
    ("resnet152", "ResNet-152 (He et al. 2015)", RESNET_DOC, resnet_config()),
    ("resnext50_32x4d", "ResNeXt-50 32x4d (Xie et al. 2016)", RESNEXT_DOC, resnet_config(32, 4)),
    ("resnext101_32x8d", "ResNeXt-101 32x8d (Xie et al. 2016)", RESNEXT_DOC, resnet_config(32, 8)),
    ("resnext101_64x4d", "ResNeXt-101 64x4d (Xie et al. 2016)", RESNEXT_DOC, resnet_config(64, 4)),
    ("wide_resnet50_2", "Wide ResNet-50-2 (Zagoruyko & Komodakis 2016)", WIDE_DOC,
     resnet_config(1, 128)),
    ("wide_resnet101_2", "Wide ResNet-101-2 (Zagoruyko & Komodakis 2016)", WIDE_DOC,
     resnet_config(1, 128)),
    ("efficientnet_b0", "EfficientNet-B0 (Tan & Le 2019)", EFFNET_DOC, effnet_config(0.2)),
    ("efficientnet_b1", "EfficientNet-B1 (Tan & Le 2019)", EFFNET_DOC, effnet_config(0.2)),
    ("efficientnet_b2", "EfficientNet-B2 (Tan & Le 2019)", EFFNET_DOC, effnet_config(0.3)),
    ("efficientnet_b3", "EfficientNet-B3 (Tan & Le 2019)", EFFNET_DOC, effnet_config(0.3)),
    ("efficientnet_b4", "EfficientNet-B4 (Tan & Le 2019)", EFFNET_DOC, effnet_config(0.4)),
    ("vit_b_16", "Vision Transformer B/16 (Dosovitskiy et al. 2020)", VIT_DOC,
     {"num_classes": 1000, "in_chans": 3, "image_size": 224, "dropout": 0.0,
      "attention_dropout": 0.0}),
    ("convnext_tiny", "ConvNeXt-Tiny (Liu et al. 2022)", CONVNEXT_DOC,
     {"num_classes": 1000, "in_chans": 3, "stochastic_depth_prob": 0.1, "layer_scale": 1e-6}),
]


def clean_doc(text):
    text = re.sub(r"\s+", " ", text or "").strip()
    return re.sub(r"`([^<`]*?)\s*<([^>]*)>`_", r"\1 (\2)", text)


def transforms_of(weights):
    t = weights.transforms()
    return {"resize": int(t.resize_size[0]), "crop": int(t.crop_size[0]),
            "interpolation": t.interpolation.value, "mean": list(t.mean), "std": list(t.std)}


def gmacs(name, weights):
    """Multiply-accumulates of one forward at the variant's crop size, in
    billions: convolutions, linears and attention (torchvision 0.15 calls
    this "_ops"; 0.14 has no such field, so it is counted here)."""
    import torch
    t = weights.transforms()
    size = int(t.crop_size[0])
    kwargs = {"image_size": weights.meta["min_size"][0]} if name.startswith("vit_") else {}
    model = getattr(torchvision.models, name)(weights=None, **kwargs).eval()
    total = [0]

    def count(module, inputs, output):
        if isinstance(module, torch.nn.Conv2d):
            k = module.kernel_size[0] * module.kernel_size[1] * module.in_channels // module.groups
            total[0] += output.numel() * k
        elif isinstance(module, torch.nn.Linear):
            total[0] += output.numel() * module.in_features
        elif isinstance(module, torch.nn.MultiheadAttention):
            s, e = output[0].shape[1], module.embed_dim  # called with keywords: no inputs
            total[0] += 4 * s * e * e + 2 * s * s * e

    hooks = [m.register_forward_hook(count) for m in model.modules()
             if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear, torch.nn.MultiheadAttention))
             and not isinstance(m, torch.nn.modules.linear.NonDynamicallyQuantizableLinear)]
    with torch.no_grad():
        model(torch.zeros(1, 3, size, size))
    for h in hooks:
        h.remove()
    return round(total[0] / 1e9, 3)


def variant(name, w, is_default):
    url = w.url
    file = os.path.basename(url)
    m = re.search(r"-([0-9a-f]{8,64})\.pth$", file)
    if not m:
        sys.exit(f"{name}.{w.name}: no hash prefix in {file}")
    meta = {"num_classes": len(w.meta["categories"]), "num_params": w.meta["num_params"],
            "min_size": list(w.meta["min_size"]), "metrics": w.meta["_metrics"],
            "recipe": w.meta["recipe"], "transforms": transforms_of(w), "_ops": gmacs(name, w)}
    if "license" in w.meta:
        meta["license"] = w.meta["license"]
    if "_docs" in w.meta:
        meta["doc"] = clean_doc(w.meta["_docs"])
    if name.startswith("vit_"):
        # The position embedding is sized for this input; the model must be built for it.
        meta["config"] = {"image_size": w.meta["min_size"][0]}
    categories = list(w.meta["categories"])
    # Written once in the manifest's tables, referred to by each variant.
    meta["categories"] = ({"$table": "imagenet1k_categories"} if categories == IMAGENET_CATEGORIES
                          else categories)
    v = {"tag": w.name}
    if is_default:
        v["default"] = True
    v.update({"file": file, "format": "pth", "urls": [url], "sha256_prefix": m.group(1),
              "meta": meta})
    return v


def entrypoint(name, summary, doc, config):
    enum = get_model_weights(name)
    default = enum.DEFAULT
    t = transforms_of(default)
    preprocess = {"resize": t["resize"], "crop": t["crop"], "interpolation": t["interpolation"],
                  "mean": t["mean"], "std": t["std"]}
    return {"name": name, "summary": summary,
            "doc": doc + f" Pretrained variants from torchvision {torchvision.__version__}.",
            "config": config,
            "task": "image-classification",
            "input": {"kind": "image", "shape": ["N", 3, "H", "W"], "dtype": "float32",
                      "preprocess": preprocess},
            "variants": [variant(name, w, w == default) for w in enum]}


IMAGENET_CATEGORIES = list(torchvision.models.ResNet50_Weights.DEFAULT.meta["categories"])

# The commands the plugin's code registers (vision_plugin.cpp): the SDK's
# image-classification run command.
COMMANDS = [
    {"verb": "run", "task": "image-classification",
     "summary": "Classify an image: top-k classes with probabilities",
     "options": [
         {"name": "image", "type": "path", "required": True, "short": "i",
          "help": "PNG or JPEG file"},
         {"name": "topk", "type": "int", "default": 5, "short": "k",
          "help": "How many classes to show"}]},
]


def main():
    manifest = {"family": "vision", "plugin_version": "1.1.0", "vendor": "modelzoo",
                "commands": COMMANDS,
                "tables": {"imagenet1k_categories": IMAGENET_CATEGORIES},
                "entrypoints": [entrypoint(*e) for e in ENTRYPOINTS]}
    json.dump(manifest, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

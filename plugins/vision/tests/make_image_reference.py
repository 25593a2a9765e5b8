#!/usr/bin/python3
"""Reference decodes and preprocessing for test_vision_image.cpp.

  make_image_reference.py OUT_DIR

Writes test images with PIL (PNG RGB, PNG gray, PNG RGBA, JPEG), and with
torch.save OUT_DIR/reference.pth: PIL's decoded pixels, and torchvision's
ImageClassification steps (resize with antialias, center crop, scale,
normalise) applied to the decoded tensor, for bilinear and bicubic; also
the preset applied to the PIL image (PIL's own resampling).
"""
import collections
import os
import sys

import numpy as np
import torch
from PIL import Image
from torchvision.transforms import functional as F
from torchvision.transforms import InterpolationMode
from torchvision.transforms._presets import ImageClassification

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
h, w = 131, 173
yy, xx = np.mgrid[0:h, 0:w]
rng = np.random.RandomState(5)
rgb = np.stack([128 + 100 * np.sin(xx / 9.0), 128 + 100 * np.cos(yy / 7.0),
                (xx * 3 + yy * 5) % 256], axis=-1) + rng.randint(-20, 20, (h, w, 3))
rgb = np.clip(rgb, 0, 255).astype(np.uint8)
Image.fromarray(rgb).save(os.path.join(out, "rgb.png"))
Image.fromarray(rgb).save(os.path.join(out, "rgb.jpg"), quality=90)
Image.fromarray(rgb[:, :, 0]).save(os.path.join(out, "gray.png"))
rgba = np.concatenate([rgb, np.full((h, w, 1), 99, np.uint8)], axis=-1)
Image.fromarray(rgba, "RGBA").save(os.path.join(out, "rgba.png"))


def pixels(path):
    return torch.from_numpy(np.asarray(Image.open(path).convert("RGB")).copy()).permute(2, 0, 1)


def steps(img, resize, crop, interpolation):
    x = F.resize(img, [resize], interpolation=interpolation, antialias=True)
    x = F.center_crop(x, [crop])
    x = F.convert_image_dtype(x, torch.float)
    return F.normalize(x, mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])


t = collections.OrderedDict()
t["png"] = pixels(os.path.join(out, "rgb.png")).contiguous()
t["jpg"] = pixels(os.path.join(out, "rgb.jpg")).contiguous()
t["gray"] = pixels(os.path.join(out, "gray.png")).contiguous()
t["bilinear"] = steps(t["png"], 256, 224, InterpolationMode.BILINEAR).contiguous()
t["bicubic"] = steps(t["png"], 255, 240, InterpolationMode.BICUBIC).contiguous()
t["bilinear_pil"] = ImageClassification(crop_size=224, resize_size=256)(
    Image.open(os.path.join(out, "rgb.png"))).contiguous()
torch.save(t, os.path.join(out, "reference.pth"))

#!/usr/bin/python3
"""Reference decodes and preprocessing for test_vision_image.cpp.

  make_image_reference.py OUT_DIR

Writes test images with PIL (PNG RGB, PNG gray, PNG RGBA, JPEG), and with
torch.save OUT_DIR/reference.pth: PIL's decoded pixels, and torchvision's
ImageClassification steps (resize with antialias, center crop, scale,
normalise) applied to the decoded tensor, for bilinear and bicubic; also
the preset applied to the PIL image (PIL's own resampling).

Also: photos of 640x480, 500x375 and 333x500 (W x H) with torchvision's
crop offsets and preprocessed tensors; the gray input (PIL's convert("L"),
mean and std averaged); a palette PNG with transparency; truncated PNG and
JPEG files with whether PIL refuses them; and 4096 x 4096 images for the
decoder's memory budget.
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


def steps_stats(img, resize, crop, mean, std):
    x = F.resize(img, [resize], interpolation=InterpolationMode.BILINEAR, antialias=True)
    x = F.center_crop(x, [crop])
    x = F.convert_image_dtype(x, torch.float)
    return F.normalize(x, mean=mean, std=std)


def photo(w, h, seed, noise=12):
    # Smooth shapes, edges and noise: something like a photo, so that a
    # one-pixel shift of the crop changes the tensor everywhere.
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    r = np.random.RandomState(seed)
    img = np.stack([
        128 + 90 * np.sin(xx / 23.0 + yy / 41.0),
        128 + 90 * np.cos(np.hypot(xx - w / 3, yy - h / 2) / 17.0),
        np.where((xx // 37 + yy // 29) % 2 == 0, 200.0, 50.0)], axis=-1)
    img += r.normal(0, noise, img.shape) if noise else 0
    return np.clip(img, 0, 255).astype(np.uint8)


def pil_refuses(path):
    try:
        Image.open(path).convert("RGB")
        return 0
    except OSError as e:
        return 1 if "truncated" in str(e) else 2


t = collections.OrderedDict()
for w_, h_ in [(640, 480), (500, 375), (333, 500)]:
    name = "photo_%dx%d" % (w_, h_)
    Image.fromarray(photo(w_, h_, w_)).save(os.path.join(out, name + ".png"))
    img = pixels(os.path.join(out, name + ".png")).contiguous()
    t[name] = steps(img, 256, 224, InterpolationMode.BILINEAR).contiguous()
    resized = F.resize(img, [256], interpolation=InterpolationMode.BILINEAR, antialias=True)
    rh, rw = resized.shape[-2:]
    # torchvision's own center_crop on an image of pixel indices says where
    # its window starts.
    index = torch.arange(rh * rw, dtype=torch.int64).view(1, rh, rw)
    first = int(F.center_crop(index, [224])[0, 0, 0])
    t[name + "_window"] = torch.tensor([rh, rw, first // rw, first % rw])

mean, std = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
gray_l = torch.from_numpy(np.asarray(Image.open(os.path.join(out, "rgb.png")).convert("L")).copy())
t["gray_l"] = gray_l.unsqueeze(0).contiguous()
t["gray_input"] = steps_stats(gray_l.unsqueeze(0), 256, 224, [sum(mean) / 3],
                              [sum(std) / 3]).contiguous()

pal = Image.fromarray(rgb).quantize(colors=64)
pal.info["transparency"] = 3
pal.save(os.path.join(out, "palette.png"), transparency=3)
t["palette"] = pixels(os.path.join(out, "palette.png")).contiguous()

Image.fromarray(rgb).save(os.path.join(out, "progressive.jpg"), quality=90, progressive=True)
for src, dst in [("rgb.png", "truncated.png"), ("rgb.jpg", "truncated.jpg"),
                 ("progressive.jpg", "truncated_progressive.jpg")]:
    data = open(os.path.join(out, src), "rb").read()
    open(os.path.join(out, dst), "wb").write(data[:len(data) * 6 // 10])
    t["pil_refuses_" + dst.replace(".", "_")] = torch.tensor(pil_refuses(os.path.join(out, dst)))

big = photo(4096, 4096, 7, noise=0)  # smooth: small files, quickly written
Image.fromarray(big).save(os.path.join(out, "large.png"), compress_level=1)
Image.fromarray(big).save(os.path.join(out, "large.jpg"), quality=85)

t["png"] = pixels(os.path.join(out, "rgb.png")).contiguous()
t["jpg"] = pixels(os.path.join(out, "rgb.jpg")).contiguous()
t["gray"] = pixels(os.path.join(out, "gray.png")).contiguous()
t["bilinear"] = steps(t["png"], 256, 224, InterpolationMode.BILINEAR).contiguous()
t["bicubic"] = steps(t["png"], 255, 240, InterpolationMode.BICUBIC).contiguous()
t["bilinear_pil"] = ImageClassification(crop_size=224, resize_size=256)(
    Image.open(os.path.join(out, "rgb.png"))).contiguous()
torch.save(t, os.path.join(out, "reference.pth"))

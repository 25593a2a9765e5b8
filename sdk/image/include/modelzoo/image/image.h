// Images in, model inputs out: PNG and JPEG decoding (libpng, libjpeg) and
// the preprocessing a weight variant declares (resize the shorter side with
// antialiasing, center crop, scale to [0, 1], normalise), as torch ops.
//
//   torch::Tensor rgb = modelzoo::image::decode_file("cat.jpg");        // uint8 [3, H, W]
//   torch::Tensor x = modelzoo::image::preprocess(rgb, variant_preprocess);  // float [3, 224, 224]
//   auto logits = model->forward(x.unsqueeze(0));
//
// The preprocessing is torchvision's ImageClassification preset applied to
// a tensor with antialias=True, which follows PIL's resampling closely.
#pragma once

#include <torch/types.h>

#include <string>

#include <nlohmann/json.hpp>

#include "modelzoo/sdk/export.h"
#include "modelzoo/sdk/manifest.h"

namespace modelzoo::image {

/// Decodes a PNG or JPEG file (told apart by magic bytes) into RGB uint8
/// [3, H, W]; gray, palette and alpha images become RGB. Throws
/// modelzoo::Error naming the file and what is wrong with it.
MODELZOO_API torch::Tensor decode_file(const std::string& path);

/// Preprocessing from a variant's `meta.transforms` object (resize, crop,
/// interpolation, mean, std), falling back to `fallback` for what is absent.
MODELZOO_API Preprocess preprocess_from_json(const nlohmann::json& transforms,
                                             const Preprocess& fallback = {});

/// uint8 or float [C, H, W] (or [N, C, H, W]) -> float32 normalised input.
/// Steps absent from `p` are skipped.
MODELZOO_API torch::Tensor preprocess(const torch::Tensor& image, const Preprocess& p);

/// Resizes so that the shorter side is `size` (torchvision's rule for the
/// longer side: int(size * long / short)), antialiased when shrinking.
MODELZOO_API torch::Tensor resize_shorter(const torch::Tensor& image, int64_t size,
                                          const std::string& interpolation);

/// The central `size` x `size` window (torchvision's rounding).
MODELZOO_API torch::Tensor center_crop(const torch::Tensor& image, int64_t size);

/// RGB uint8 [3, H, W] -> gray uint8 [1, H, W] by PIL's convert("L")
/// integer formula (L = (19595 R + 38470 G + 7471 B + 2^15) >> 16), which
/// keeps gray pixels exactly.
MODELZOO_API torch::Tensor to_gray(const torch::Tensor& rgb);

/// uint8 [C, H, W] fitted into a `side` x `side` square: resized (bilinear,
/// antialiased, aspect kept) so that the longer side is `side`, centred on
/// black (0). An image already `side` x `side` is returned as it is. For
/// datasets of objects on a dark background (MNIST, Fashion-MNIST).
MODELZOO_API torch::Tensor fit_into_square(const torch::Tensor& image, int64_t side);

}  // namespace modelzoo::image

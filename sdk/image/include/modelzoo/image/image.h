// Images in, model inputs out: PNG and JPEG decoding (libpng, libjpeg) and
// the preprocessing a weight variant declares (resize the shorter side with
// antialiasing, center crop, scale to [0, 1], normalise), as torch ops.
//
//   torch::Tensor rgb = modelzoo::image::decode_file("cat.jpg");        // uint8 [3, H, W]
//   torch::Tensor x = modelzoo::image::preprocess(rgb, variant_preprocess);  // float [3, 224, 224]
//   auto logits = model->forward(x.unsqueeze(0));
//
// or, for a model of any number of input channels, in one call:
//
//   auto x = modelzoo::image::model_input("cat.jpg", variant_preprocess, in_chans);
//
// The preprocessing is torchvision's ImageClassification preset applied to
// a tensor with antialias=True, which follows PIL's resampling closely.
//
// Images are untrusted input. The decoder reads the header first and refuses
// an image of more than max_image_pixels() pixels before allocating
// anything (a 255 KB PNG can declare 16384 x 16384); it then decodes row by
// row straight into the returned tensor, converting to gray on the way when
// asked, so the only full-size buffer is the result. A file that ends before
// its last row is an error ("image file is truncated"), as in PIL, never
// half an image.
#pragma once

#include <torch/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "modelzoo/sdk/export.h"
#include "modelzoo/sdk/manifest.h"

namespace modelzoo::image {

/// PIL's DecompressionBombError threshold (2 x Image.MAX_IMAGE_PIXELS =
/// 178,956,970 pixels, about 13377 x 13377): what PIL opens, we open.
constexpr int64_t kDefaultMaxImagePixels = 2 * (int64_t{1024} * 1024 * 1024 / 4 / 3);

/// The largest width x height decoded: $MODELZOO_MAX_IMAGE_PIXELS when set
/// (a positive integer, else an Error naming the variable), otherwise
/// kDefaultMaxImagePixels. Decoding takes about C bytes a pixel for C
/// channels; `preprocess` resizes through float one channel at a time (4
/// more bytes a pixel): 1.25 GB for an RGB image at the default limit.
MODELZOO_API int64_t max_image_pixels();

struct DecodeOptions {
  /// 3: RGB; 1: gray by PIL's convert("L") formula (see to_gray), computed
  /// row by row while decoding. A gray image is taken as it is.
  int64_t channels = 3;
  /// Images of more pixels are refused from their header; unset:
  /// max_image_pixels().
  std::optional<int64_t> max_pixels;
};

/// What an image's header says, checked as decode_file would check it.
struct ImageInfo {
  std::string format;  ///< "PNG" or "JPEG"
  int64_t width = 0;
  int64_t height = 0;
};

/// Decodes a PNG or JPEG file (told apart by magic bytes) into uint8
/// [C, H, W] with C = options.channels; gray, palette and alpha images
/// become RGB as PIL's convert("RGB") makes them (alpha dropped, 16-bit
/// samples cut to their high byte). Throws modelzoo::Error naming the file
/// and what is wrong with it: not an image, too large (with the limit and
/// how to raise it), truncated, or corrupted.
MODELZOO_API torch::Tensor decode_file(const std::string& path, const DecodeOptions& options = {});

/// decode_file for bytes in memory; `name` is what errors call them.
MODELZOO_API torch::Tensor decode_bytes(const uint8_t* data, size_t size, const std::string& name,
                                        const DecodeOptions& options = {});

/// Reads only the header of a PNG or JPEG file and checks it as
/// decode_file does (format, size limit, a PNG too short for its size), so
/// that a command can refuse an image before it loads a model.
MODELZOO_API ImageInfo probe_file(const std::string& path, const DecodeOptions& options = {});

/// The input of a model with `channels` input channels for the image at
/// `path`, float [channels, H, W]: decoded as gray for one channel (as timm
/// reads images for a model whose in_chans is not 3) and as RGB otherwise,
/// pre-processed by `p`, and for a count other than 1 and 3 the RGB
/// channels taken in turn (R, G, B, R, ...), the order in which a
/// 3-channel first layer is repeated when adapted to in_chans. A mean or
/// std of 3 values is averaged for one channel and taken in the same turn
/// for more; one value serves every channel.
MODELZOO_API torch::Tensor model_input(const std::string& path, const Preprocess& p,
                                       int64_t channels = 3, const DecodeOptions& options = {});

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

/// The central `size` x `size` window, its offsets (H - size) / 2 and
/// (W - size) / 2 rounded half to even as torchvision's center_crop rounds
/// them (Python's round): 58.5 -> 58, 1.5 -> 2.
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

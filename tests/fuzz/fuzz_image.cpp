// libFuzzer target: PNG and JPEG decoding (libpng, libjpeg through our
// header checks, row placement, interlace passes, gray conversion) and the
// preprocessing that follows it in `modelzoo run`. Any bytes must give an
// image or a modelzoo::Error, never a crash; a decoded image must have the
// shape its header promised and preprocess to finite values.
//
// The pixel limit is 2^16 here, so that each input costs at most a few
// milliseconds; what the limit guards is tested in test_vision_image.
#include <cmath>
#include <cstdint>
#include <cstdlib>

#include "modelzoo/image/image.h"
#include "modelzoo/sdk/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  modelzoo::image::DecodeOptions options;
  options.max_pixels = int64_t{1} << 16;
  // Gray for inputs of odd length: both conversions on the same corpus.
  options.channels = size % 2 == 1 ? 1 : 3;
  torch::Tensor image;
  try {
    image = modelzoo::image::decode_bytes(data, size, "fuzz input", options);
  } catch (const modelzoo::Error&) {
    return 0;
  }
  if (image.dim() != 3 || image.size(0) != options.channels || image.size(1) < 1 ||
      image.size(2) < 1 || image.size(1) * image.size(2) > *options.max_pixels ||
      image.scalar_type() != torch::kUInt8)
    std::abort();
  modelzoo::Preprocess p;
  p.resize = 8;
  p.crop = 8;
  p.interpolation = size % 3 == 0 ? "bicubic" : "bilinear";
  p.mean = std::vector<double>(static_cast<size_t>(options.channels), 0.5);
  p.std = std::vector<double>(static_cast<size_t>(options.channels), 0.25);
  try {
    const torch::Tensor x = modelzoo::image::preprocess(image, p);
    if (x.size(1) != 8 || x.size(2) != 8 || !torch::isfinite(x).all().item<bool>()) std::abort();
  } catch (const modelzoo::Error&) {
    // A side below 8 after resizing (a 1 x 1000 strip) cannot be cropped.
  }
  return 0;
}

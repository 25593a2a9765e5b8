#include <torch/nn/functional/upsampling.h>

#include <cmath>
#include <string>
#include <vector>

#include "modelzoo/image/image.h"
#include "modelzoo/sdk/error.h"

namespace modelzoo::image {

Preprocess preprocess_from_json(const nlohmann::json& t, const Preprocess& fallback) {
  Preprocess p = fallback;
  if (!t.is_object()) return p;
  if (t.contains("resize")) p.resize = t["resize"].get<int64_t>();
  if (t.contains("crop")) p.crop = t["crop"].get<int64_t>();
  if (t.contains("interpolation")) p.interpolation = t["interpolation"].get<std::string>();
  if (t.contains("mean")) p.mean = t["mean"].get<std::vector<double>>();
  if (t.contains("std")) p.std = t["std"].get<std::vector<double>>();
  return p;
}

torch::Tensor resize_shorter(const torch::Tensor& image, int64_t size,
                             const std::string& interpolation) {
  namespace F = torch::nn::functional;
  const bool batched = image.dim() == 4;
  auto x = batched ? image : image.unsqueeze(0);
  const int64_t h = x.size(2), w = x.size(3);
  const int64_t short_side = std::min(h, w), long_side = std::max(h, w);
  const auto other = static_cast<int64_t>(static_cast<double>(size) * long_side / short_side);
  const int64_t out_h = h <= w ? size : other, out_w = h <= w ? other : size;
  if (out_h == h && out_w == w) return image;
  auto options = F::InterpolateFuncOptions().size(std::vector<int64_t>{out_h, out_w});
  if (interpolation == "nearest") {
    options.mode(torch::kNearest);
  } else if (interpolation == "bicubic") {
    options.mode(torch::kBicubic).align_corners(false).antialias(true);
  } else if (interpolation == "bilinear" || interpolation.empty()) {
    options.mode(torch::kBilinear).align_corners(false).antialias(true);
  } else {
    throw Error("unknown interpolation '" + interpolation +
                "' (expected nearest, bilinear or bicubic)");
  }
  if (x.scalar_type() != torch::kUInt8) {
    auto y = F::interpolate(x.to(torch::kFloat32), options);
    return batched ? y : y.squeeze(0);
  }
  // The kernel needs float input. One channel at a time, so that the float
  // copy is one plane (4 bytes a pixel), not the whole image (4 C bytes a
  // pixel, 3.2 GB for a 268 Mpx RGB image); each plane is resampled on its
  // own anyway, so the result is the same. As torchvision, uint8 images are
  // rounded and clamped back to uint8.
  auto y = torch::empty({x.size(0), x.size(1), out_h, out_w}, torch::kUInt8);
  for (int64_t c = 0; c < x.size(1); ++c)
    y.select(1, c).copy_(F::interpolate(x.narrow(1, c, 1).to(torch::kFloat32), options)
                             .round_()
                             .clamp_(0, 255)
                             .squeeze(1));
  return batched ? y : y.squeeze(0);
}

torch::Tensor to_gray(const torch::Tensor& rgb) {
  if (rgb.dim() != 3 || rgb.size(0) != 3 || rgb.scalar_type() != torch::kUInt8)
    throw Error("to_gray: expected an RGB uint8 image [3, H, W]");
  // One pass over the bytes: no int32 or float copy of the image.
  const torch::Tensor in = rgb.contiguous();
  const int64_t n = in.size(1) * in.size(2);
  auto out = torch::empty({1, in.size(1), in.size(2)}, torch::kUInt8);
  const uint8_t* r = in.data_ptr<uint8_t>();
  const uint8_t *g = r + n, *b = g + n;
  uint8_t* l = out.data_ptr<uint8_t>();
  for (int64_t i = 0; i < n; ++i)
    l[i] = static_cast<uint8_t>((r[i] * 19595u + g[i] * 38470u + b[i] * 7471u + 0x8000u) >> 16);
  return out;
}

torch::Tensor fit_into_square(const torch::Tensor& image, int64_t side) {
  if (image.dim() != 3 || image.scalar_type() != torch::kUInt8 || side < 1)
    throw Error("fit_into_square: expected a uint8 image [C, H, W] and a positive side");
  const int64_t channels = image.size(0), h = image.size(1), w = image.size(2);
  if (h == side && w == side) return image;
  const double scale = double(side) / double(std::max(h, w));
  const int64_t fit_h = std::max<int64_t>(1, std::lround(double(h) * scale));
  const int64_t fit_w = std::max<int64_t>(1, std::lround(double(w) * scale));
  namespace F = torch::nn::functional;
  const auto fitted = F::interpolate(image.to(torch::kFloat32).unsqueeze(0),
                                     F::InterpolateFuncOptions()
                                         .size(std::vector<int64_t>{fit_h, fit_w})
                                         .mode(torch::kBilinear)
                                         .align_corners(false)
                                         .antialias(true))
                          .round_()
                          .clamp_(0, 255)
                          .to(torch::kUInt8)
                          .squeeze(0);
  const int64_t top = (side - fit_h) / 2, left = (side - fit_w) / 2;
  auto out = torch::zeros({channels, side, side}, torch::kUInt8);
  out.slice(1, top, top + fit_h).slice(2, left, left + fit_w).copy_(fitted);
  return out;
}

torch::Tensor center_crop(const torch::Tensor& image, int64_t size) {
  const int64_t h = image.size(-2), w = image.size(-1);
  if (h < size || w < size)
    throw Error("center crop of " + std::to_string(size) + " from an image of " +
                std::to_string(h) + "x" + std::to_string(w) + " (resize it first)");
  // torchvision: int(round((h - size) / 2.0)), and Python rounds half to
  // even: an odd difference 2k + 1 gives k for even k, k + 1 for odd k.
  auto offset = [](int64_t excess) {
    const int64_t half = excess / 2;
    return excess % 2 == 1 && half % 2 == 1 ? half + 1 : half;
  };
  const int64_t top = offset(h - size), left = offset(w - size);
  return image.narrow(-2, top, size).narrow(-1, left, size);
}

torch::Tensor preprocess(const torch::Tensor& image, const Preprocess& p) {
  if (image.dim() != 3 && image.dim() != 4)
    throw Error("expected an image [C, H, W] or a batch [N, C, H, W]");
  torch::Tensor x = image;
  if (p.resize) x = resize_shorter(x, *p.resize, p.interpolation);
  if (p.crop) x = center_crop(x, *p.crop);
  x = x.scalar_type() == torch::kUInt8 ? x.to(torch::kFloat32).div_(255.0) : x.to(torch::kFloat32);
  const int64_t channels = x.size(-3);
  auto per_channel = [&](const std::vector<double>& v, const char* what) {
    if (static_cast<int64_t>(v.size()) != channels)
      throw Error(std::string("preprocessing ") + what + " has " + std::to_string(v.size()) +
                  " values for an image of " + std::to_string(channels) + " channels");
    return torch::tensor(v, torch::kFloat64).to(torch::kFloat32).view({channels, 1, 1});
  };
  if (!p.mean.empty()) x = x - per_channel(p.mean, "mean");
  if (!p.std.empty()) x = x / per_channel(p.std, "std");
  return x.contiguous();
}

namespace {

// Per-channel statistics given for `given` channels, for an image of
// `channels`: kept when they match, one value repeated, three averaged for
// gray or taken in turn for more (model_input's channel order).
std::vector<double> stats_for(const std::vector<double>& v, int64_t channels, const char* what) {
  const auto n = static_cast<int64_t>(v.size());
  if (v.empty() || n == channels) return v;
  if (n == 1) return std::vector<double>(static_cast<size_t>(channels), v[0]);
  if (n == 3 && channels == 1) return {(v[0] + v[1] + v[2]) / 3.0};
  if (n == 3) {
    std::vector<double> out;
    for (int64_t c = 0; c < channels; ++c) out.push_back(v[static_cast<size_t>(c % 3)]);
    return out;
  }
  throw Error(std::string("preprocessing ") + what + " has " + std::to_string(n) +
              " values, which fit neither the model's " + std::to_string(channels) +
              " input channels nor RGB");
}

}  // namespace

torch::Tensor model_input(const std::string& path, const Preprocess& p, int64_t channels,
                          const DecodeOptions& options) {
  if (channels < 1)
    throw Error("model_input: a model of " + std::to_string(channels) + " input channels");
  DecodeOptions decode = options;
  decode.channels = channels == 1 ? 1 : 3;
  Preprocess adapted = p;
  adapted.mean = stats_for(p.mean, channels, "mean");
  adapted.std = stats_for(p.std, channels, "std");
  if (channels == decode.channels) return preprocess(decode_file(path, decode), adapted);
  // Resized and cropped as RGB (cheaper than at N channels), then the
  // channels taken in turn, normalised with the statistics in that turn.
  Preprocess geometry = adapted;
  geometry.mean.clear();
  geometry.std.clear();
  std::vector<int64_t> order;
  for (int64_t c = 0; c < channels; ++c) order.push_back(c % 3);
  torch::Tensor x = preprocess(decode_file(path, decode), geometry)
                        .index_select(0, torch::tensor(order, torch::kLong));
  Preprocess normalise;
  normalise.mean = adapted.mean;
  normalise.std = adapted.std;
  return preprocess(x, normalise);
}

}  // namespace modelzoo::image

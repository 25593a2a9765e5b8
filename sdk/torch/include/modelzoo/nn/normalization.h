// nn.LayerNorm with PyTorch's parameter names, allocated uninitialised (see
// modelzoo/nn/conv.h for why); also torchvision's LayerNorm2d, the same
// parameters applied over the channels of an NCHW tensor; and the RMSNorm
// of LLaMA-family decoders.
//
//   modelzoo::nn::LayerNorm ln(modelzoo::nn::LayerNormOptions(768).eps(1e-6));
//   modelzoo::nn::LayerNorm
//   ln2d(modelzoo::nn::LayerNormOptions(96).eps(1e-6).channels_first(true));
#pragma once

#include <torch/arg.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include <cstdint>

#include "modelzoo/sdk/export.h"

namespace modelzoo::nn {

/// Options for LayerNorm: normalises one dimension, always affine.
struct MODELZOO_API LayerNormOptions {
  /* implicit */ LayerNormOptions(int64_t dim);
  /// Size of the normalised dimension (nn.LayerNorm's normalized_shape, one dimension).
  TORCH_ARG(int64_t, dim);
  /// Added to the variance for numerical stability (PyTorch's default; many
  /// checkpoints were trained with 1e-6 or 1e-12: set it from the config).
  TORCH_ARG(double, eps) = 1e-5;
  /// Normalise dim 1 of an [N, C, H, W] input instead of the last one
  /// (torchvision's LayerNorm2d, ConvNeXt's channels_first).
  TORCH_ARG(bool, channels_first) = false;
};

/// nn.LayerNorm(dim): `weight`, `bias` [dim]; [..., dim] -> [..., dim]
/// (or [N, dim, H, W] -> [N, dim, H, W] with channels_first).
struct MODELZOO_API LayerNormImpl : torch::nn::Module {
  explicit LayerNormImpl(const LayerNormOptions& options);

  torch::Tensor forward(const torch::Tensor& x);
  /// weight 1, bias 0.
  void reset_parameters();

  LayerNormOptions options;
  torch::Tensor weight, bias;
};
TORCH_MODULE(LayerNorm);

/// RMSNorm (Zhang & Sennrich 2019) as Hugging Face's LlamaRMSNorm computes
/// it: x / sqrt(mean(x²) + eps) in fp32, cast back to x's dtype, then
/// times `weight` [dim] (no bias, no mean subtraction). The order matters
/// for half-precision inputs, where weighting before the cast rounds
/// differently. [..., dim] -> [..., dim].
struct MODELZOO_API RMSNormImpl : torch::nn::Module {
  RMSNormImpl(int64_t dim, double eps);

  torch::Tensor forward(const torch::Tensor& x);
  /// weight 1.
  void reset_parameters();

  int64_t dim;
  double eps;
  torch::Tensor weight;
};
TORCH_MODULE(RMSNorm);

}  // namespace modelzoo::nn

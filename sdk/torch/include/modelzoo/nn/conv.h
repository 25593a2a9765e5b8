// nn.Conv2d with PyTorch's parameter names, allocated uninitialised.
//
// The modules of modelzoo/nn/ hold exactly the parameters and buffers of
// the PyTorch module they are named after, under the same names, so a
// Python state dict loads with no remapping. Unlike LibTorch's own modules
// they do not initialise in their constructors: a model is either about to
// load a checkpoint (modelzoo::SkipInit) or initialises itself the way its
// reference implementation does, and paying for LibTorch's initialisation
// first would be waste either way. Each module has reset_parameters()
// (PyTorch's default initialisation) for architectures that want it.
//
//   modelzoo::nn::Conv2d conv(modelzoo::nn::Conv2dOptions(3, 64,
//   7).stride(2).padding(3).bias(false));
#pragma once

#include <torch/arg.h>
#include <torch/expanding_array.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include <cstdint>

#include "modelzoo/sdk/export.h"

namespace modelzoo::nn {

/// Options for Conv2d, as nn.Conv2d's arguments (zero padding only).
///
///   Conv2dOptions(64, 64, 3).padding(1).groups(64)   // depthwise 3x3
struct MODELZOO_API Conv2dOptions {
  Conv2dOptions(int64_t in_channels, int64_t out_channels, torch::ExpandingArray<2> kernel_size);
  /// Channels of the input; a multiple of groups.
  TORCH_ARG(int64_t, in_channels);
  /// Channels of the output; a multiple of groups.
  TORCH_ARG(int64_t, out_channels);
  /// One size for a square kernel, or {height, width}.
  TORCH_ARG(torch::ExpandingArray<2>, kernel_size);
  TORCH_ARG(torch::ExpandingArray<2>, stride) = 1;
  /// Zeros added on each side.
  TORCH_ARG(torch::ExpandingArray<2>, padding) = 0;
  TORCH_ARG(torch::ExpandingArray<2>, dilation) = 1;
  /// Blocked connections from input to output channels (in_channels: depthwise).
  TORCH_ARG(int64_t, groups) = 1;
  /// Whether the layer has a `bias` parameter.
  TORCH_ARG(bool, bias) = true;
};

/// nn.Conv2d: `weight` [out, in/groups, kh, kw], `bias` [out] when
/// options.bias(). Input [N, in, H, W] (or unbatched [in, H, W]).
struct MODELZOO_API Conv2dImpl : torch::nn::Module {
  explicit Conv2dImpl(const Conv2dOptions& options);
  Conv2dImpl(int64_t in_channels, int64_t out_channels, torch::ExpandingArray<2> kernel_size)
      : Conv2dImpl(Conv2dOptions(in_channels, out_channels, kernel_size)) {}

  torch::Tensor forward(const torch::Tensor& x);
  /// PyTorch's default: kaiming_uniform(a=sqrt(5)), bias uniform(±1/sqrt(fan_in)).
  void reset_parameters();

  Conv2dOptions options;
  torch::Tensor weight;
  torch::Tensor bias;  ///< undefined without options.bias()
};
TORCH_MODULE(Conv2d);

}  // namespace modelzoo::nn

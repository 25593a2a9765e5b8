// nn.BatchNorm2d with PyTorch's parameter and buffer names, allocated
// uninitialised (see modelzoo/nn/conv.h for why).
//
//   modelzoo::nn::BatchNorm2d bn(64);                                   // eps 1e-5
//   modelzoo::nn::BatchNorm2d bn(modelzoo::nn::BatchNorm2dOptions(64).eps(1e-3));
#pragma once

#include <torch/arg.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include <cstdint>

#include "modelzoo/sdk/export.h"

namespace modelzoo::nn {

/// Options for BatchNorm2d: always affine, always tracking running statistics.
struct MODELZOO_API BatchNorm2dOptions {
  /* implicit */ BatchNorm2dOptions(int64_t num_features);
  /// Channels (dim 1) of the input.
  TORCH_ARG(int64_t, num_features);
  /// Added to the variance for numerical stability.
  TORCH_ARG(double, eps) = 1e-5;
  /// Weight of the current batch in the running statistics (training only).
  TORCH_ARG(double, momentum) = 0.1;
};

/// nn.BatchNorm2d: parameters `weight`, `bias` [C]; buffers `running_mean`,
/// `running_var` [C] and `num_batches_tracked` (int64 scalar). Batch
/// statistics while training (updating the running ones), running
/// statistics in eval.
struct MODELZOO_API BatchNorm2dImpl : torch::nn::Module {
  explicit BatchNorm2dImpl(const BatchNorm2dOptions& options);

  torch::Tensor forward(const torch::Tensor& x);
  /// weight 1, bias 0, running statistics of a standard normal, no batches tracked.
  void reset_parameters();

  BatchNorm2dOptions options;
  torch::Tensor weight, bias, running_mean, running_var, num_batches_tracked;
};
TORCH_MODULE(BatchNorm2d);

}  // namespace modelzoo::nn

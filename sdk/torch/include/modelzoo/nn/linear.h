// nn.Linear with PyTorch's parameter names, allocated uninitialised (see
// modelzoo/nn/conv.h for why), and the classifier-head swap that
// fine-tuning with another number of classes needs.
//
//   modelzoo::nn::Linear fc(2048, 1000);
//   fc = modelzoo::nn::replace_head(*this, "fc", fc, 2048, 10);   // a new 10-class head
#pragma once

#include <torch/arg.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include <cstdint>
#include <string>

#include "modelzoo/sdk/export.h"

namespace modelzoo::nn {

/// x · weightᵀ + bias (torch.nn.functional.linear; `bias` may be
/// undefined), as a GEMV when x is one row: a batch-1 decode step of a
/// language model, and the tied output layers that reuse an embedding
/// table as `weight`.
MODELZOO_API torch::Tensor linear(const torch::Tensor& x, const torch::Tensor& weight,
                                  const torch::Tensor& bias = {});

/// Options for Linear, as nn.Linear's arguments.
struct MODELZOO_API LinearOptions {
  LinearOptions(int64_t in_features, int64_t out_features);
  /// Size of the input's last dimension.
  TORCH_ARG(int64_t, in_features);
  /// Size of the output's last dimension.
  TORCH_ARG(int64_t, out_features);
  /// Whether the layer has a `bias` parameter.
  TORCH_ARG(bool, bias) = true;
};

/// nn.Linear: `weight` [out, in], `bias` [out] when options.bias();
/// [..., in] -> [..., out].
struct MODELZOO_API LinearImpl : torch::nn::Module {
  explicit LinearImpl(const LinearOptions& options);
  LinearImpl(int64_t in_features, int64_t out_features)
      : LinearImpl(LinearOptions(in_features, out_features)) {}

  torch::Tensor forward(const torch::Tensor& x);
  /// PyTorch's default: kaiming_uniform(a=sqrt(5)), bias uniform(±1/sqrt(in_features)).
  void reset_parameters();

  LinearOptions options;
  torch::Tensor weight;
  torch::Tensor bias;  ///< undefined without options.bias()
};
TORCH_MODULE(Linear);

/// A classifier head swapped for one with `num_classes` outputs: `current`
/// (nullptr if none) is unregistered from `parent`, and a new uninitialised
/// Linear(in_features, num_classes) is registered there as `name` and
/// returned — nullptr when num_classes is 0 (the head removed). The caller
/// initialises the new head as its architecture does.
MODELZOO_API Linear replace_head(torch::nn::Module& parent, const std::string& name,
                                 const Linear& current, int64_t in_features, int64_t num_classes);

}  // namespace modelzoo::nn

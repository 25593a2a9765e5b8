// Two small models with the structure of real families (a config in, named
// parameters, a classifier head), used by the tests to exercise the plugin
// contract end to end.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <nlohmann/json.hpp>

namespace toy {

struct TinyMlpImpl : torch::nn::Module {
  explicit TinyMlpImpl(const nlohmann::json& config);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
};
TORCH_MODULE(TinyMlp);

struct TinyCnnImpl : torch::nn::Module {
  explicit TinyCnnImpl(const nlohmann::json& config);
  torch::Tensor forward(const torch::Tensor& x);
  /// New head with `num_classes` outputs; 0 removes it (forward then
  /// returns the pooled features).
  void reset_classifier(int64_t num_classes);
  int64_t num_features() const { return 2 * width; }
  int64_t width = 0;
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  torch::nn::Linear fc{nullptr};
};
TORCH_MODULE(TinyCnn);

}  // namespace toy

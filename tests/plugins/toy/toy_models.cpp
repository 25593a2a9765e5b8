#include "toy_models.h"

#include <torch/nn/functional/activation.h>

#include <stdexcept>
#include <string>

namespace toy {
namespace {
int64_t positive(const nlohmann::json& config, const char* key) {
  const int64_t value = config.at(key).get<int64_t>();
  if (value <= 0)
    throw std::invalid_argument(std::string("config '") + key + "' must be positive (got " +
                                std::to_string(value) + ")");
  return value;
}
}  // namespace

TinyMlpImpl::TinyMlpImpl(const nlohmann::json& config) {
  const int64_t in = positive(config, "in_features");
  const int64_t hidden = positive(config, "hidden");
  const int64_t classes = positive(config, "num_classes");
  fc1 = register_module("fc1", torch::nn::Linear(in, hidden));
  fc2 = register_module("fc2", torch::nn::Linear(hidden, classes));
}

torch::Tensor TinyMlpImpl::forward(const torch::Tensor& x) {
  return fc2->forward(torch::relu(fc1->forward(x.flatten(1))));
}

TinyCnnImpl::TinyCnnImpl(const nlohmann::json& config) {
  const int64_t in = positive(config, "in_chans");
  width = positive(config, "width");
  const int64_t classes = positive(config, "num_classes");
  conv1 = register_module("conv1",
                          torch::nn::Conv2d(torch::nn::Conv2dOptions(in, width, 3).padding(1)));
  conv2 = register_module(
      "conv2",
      torch::nn::Conv2d(torch::nn::Conv2dOptions(width, 2 * width, 3).stride(2).padding(1)));
  fc = register_module("fc", torch::nn::Linear(2 * width, classes));
}

torch::Tensor TinyCnnImpl::forward(const torch::Tensor& x) {
  auto y = torch::relu(conv1->forward(x));
  y = torch::relu(conv2->forward(y));
  const auto pooled = y.mean({2, 3});
  return fc ? fc->forward(pooled) : pooled;
}

void TinyCnnImpl::reset_classifier(int64_t num_classes) {
  if (fc) unregister_module("fc");
  fc = nullptr;
  if (num_classes > 0) fc = register_module("fc", torch::nn::Linear(num_features(), num_classes));
}

}  // namespace toy

// The two-layer perceptron of transformer blocks: Linear -> activation ->
// dropout -> Linear -> dropout, with the two linears registered under the
// names the checkpoint uses, since every code base names them its own way:
//
//   torchvision ViT (ops.MLP)   "0", "3"      Whisper (OpenAI)   "0", "2"
//   timm, Hugging Face          "fc1", "fc2"  CLIP (OpenAI)      "c_fc", "c_proj"
//
//   modelzoo::nn::Mlp mlp(modelzoo::nn::MlpOptions(768, 3072).fc1_name("0").fc2_name("3"));
#pragma once

#include <torch/arg.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include <cstdint>
#include <string>

#include "modelzoo/nn/activation.h"
#include "modelzoo/nn/linear.h"
#include "modelzoo/sdk/export.h"

namespace modelzoo::nn {

/// Options for Mlp.
struct MODELZOO_API MlpOptions {
  MlpOptions(int64_t in_features, int64_t hidden_features);
  /// Width of the input.
  TORCH_ARG(int64_t, in_features);
  /// Width of the hidden layer (typically 4 x in_features).
  TORCH_ARG(int64_t, hidden_features);
  /// Width of the output; 0 means in_features.
  TORCH_ARG(int64_t, out_features) = 0;
  /// Between the two linears.
  TORCH_ARG(Activation, activation) = Activation::kGELU;
  /// After the activation and after the second linear, while training.
  TORCH_ARG(double, dropout) = 0.0;
  /// Whether both linears have a bias.
  TORCH_ARG(bool, bias) = true;
  /// State-dict names of the first and second linear.
  TORCH_ARG(std::string, fc1_name) = "fc1";
  TORCH_ARG(std::string, fc2_name) = "fc2";
};

/// [..., in] -> [..., out]: fc2(dropout(activation(fc1(x)))), then dropout.
struct MODELZOO_API MlpImpl : torch::nn::Module {
  explicit MlpImpl(const MlpOptions& options);

  torch::Tensor forward(const torch::Tensor& x);

  MlpOptions options;
  Linear fc1{nullptr};  ///< registered as options.fc1_name()
  Linear fc2{nullptr};  ///< registered as options.fc2_name()
};
TORCH_MODULE(Mlp);

}  // namespace modelzoo::nn

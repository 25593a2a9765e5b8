// ConvNeXt (Liu et al. 2022) with torchvision 0.14's module names:
// features.0 (patchify stem + LayerNorm2d), features.{1,3,5,7} (stages of
// CNBlocks), features.{2,4,6} (downsampling), classifier.0 (LayerNorm2d),
// classifier.2 (the linear head).
//
//   ConvNeXtOptions o;  o.depths = {3, 3, 9, 3};  o.dims = {96, 192, 384, 768};   // tiny
#pragma once

#include <vector>

#include "modelzoo/nn/conv.h"
#include "modelzoo/nn/linear.h"
#include "modelzoo/nn/normalization.h"
#include "vision_net.h"

namespace modelzoo::vision {

struct ConvNeXtOptions {
  std::vector<int64_t> depths = {3, 3, 9, 3};
  std::vector<int64_t> dims = {96, 192, 384, 768};
  /// Largest per-block drop rate, reached by the last block.
  double stochastic_depth_prob = 0.1;
  /// Initial value of every block's layer_scale.
  double layer_scale = 1e-6;
  int64_t num_classes = 1000;
  int64_t in_chans = 3;
};

/// dwconv 7x7 -> LayerNorm -> Linear 4x -> GELU -> Linear, scaled, residual.
struct CNBlock : torch::nn::Module {
  CNBlock(int64_t dim, double stochastic_depth_prob);
  torch::Tensor forward(const torch::Tensor& x);

  double stochastic_depth_prob;
  std::shared_ptr<torch::nn::Module> block;  ///< "0" dwconv, "2" norm, "3" and "5" linears
  nn::Conv2d dwconv{nullptr};
  nn::LayerNorm norm{nullptr};
  nn::Linear pwconv1{nullptr}, pwconv2{nullptr};
  torch::Tensor layer_scale;  ///< [dim, 1, 1]
};

struct ConvNeXt : VisionNet {
  explicit ConvNeXt(const ConvNeXtOptions& options);

  torch::Tensor forward(const torch::Tensor& x) override;
  NamedTensors forward_features(const torch::Tensor& x) override;
  int64_t num_features() const override { return options.dims.back(); }
  int64_t num_classes() const override { return head ? head->options.out_features() : 0; }
  void reset_classifier(int64_t num_classes) override;
  std::string head_prefix() const override { return "classifier.2."; }
  std::string stem_weight() const override { return "features.0.0.weight"; }
  void init_weights() override;

  ConvNeXtOptions options;
  std::shared_ptr<torch::nn::Module> features;
  nn::Conv2d stem_conv{nullptr};
  nn::LayerNorm stem_norm{nullptr};
  std::vector<std::vector<std::shared_ptr<CNBlock>>> stages;
  std::vector<std::pair<nn::LayerNorm, nn::Conv2d>> downsamples;
  std::shared_ptr<torch::nn::Module> classifier;
  nn::LayerNorm head_norm{nullptr};  ///< classifier.0
  nn::Linear head{nullptr};          ///< classifier.2

 private:
  void check_input(const torch::Tensor& x) const;
  void build_head(int64_t num_classes);
  void init_head();
};

}  // namespace modelzoo::vision

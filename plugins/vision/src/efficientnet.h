// EfficientNet B0–B4 (Tan & Le 2019) with torchvision 0.14's module names:
// features.0 (stem), features.1–7 (MBConv stages), features.8 (1x1 head
// conv), classifier.1 (the linear head).
//
//   EfficientNetOptions o;  o.width_mult = 1.1;  o.depth_mult = 1.2;  o.dropout = 0.3;  // b2
#pragma once

#include "conv_norm_activation.h"
#include "modelzoo/nn/conv.h"
#include "modelzoo/nn/linear.h"
#include "modelzoo/nn/sequential.h"
#include "vision_net.h"

namespace modelzoo::vision {

struct EfficientNetOptions {
  double width_mult = 1.0;
  double depth_mult = 1.0;
  /// Before the head (torchvision: 0.2 for b0/b1, 0.3 for b2/b3, 0.4 for b4).
  double dropout = 0.2;
  /// Largest per-block drop rate, reached by the last block.
  double stochastic_depth_prob = 0.2;
  int64_t num_classes = 1000;
  int64_t in_chans = 3;
};

/// Inverted residual: [expand 1x1] -> depthwise kxk -> squeeze-excitation
/// -> project 1x1, children of `block`; residual when shapes allow.
struct MBConv : torch::nn::Module {
  MBConv(double expand_ratio, int64_t kernel, int64_t stride, int64_t in_channels,
         int64_t out_channels, double stochastic_depth_prob);
  torch::Tensor forward(const torch::Tensor& x);

  bool use_residual;
  double stochastic_depth_prob;
  nn::Sequential block{nullptr};
};

/// torchvision's SqueezeExcitation: avgpool, fc1 (SiLU), fc2 (sigmoid), scale.
struct SqueezeExcitation : torch::nn::Module {
  SqueezeExcitation(int64_t channels, int64_t squeeze_channels);
  torch::Tensor forward(const torch::Tensor& x);
  nn::Conv2d fc1{nullptr}, fc2{nullptr};
};

struct EfficientNet : VisionNet {
  explicit EfficientNet(const EfficientNetOptions& options);

  torch::Tensor forward(const torch::Tensor& x) override;
  NamedTensors forward_features(const torch::Tensor& x) override;
  int64_t num_features() const override { return num_features_; }
  int64_t num_classes() const override { return head ? head->options.out_features() : 0; }
  void reset_classifier(int64_t num_classes) override;
  std::string head_prefix() const override { return "classifier.1."; }
  std::string stem_weight() const override { return "features.0.0.weight"; }
  void init_weights() override;

  EfficientNetOptions options;
  nn::Sequential features{nullptr};
  nn::Sequential classifier{nullptr};  ///< "1" is the head; "0" (dropout) is implicit
  nn::Linear head{nullptr};

 private:
  void check_input(const torch::Tensor& x) const;
  void build_head(int64_t num_classes);  // uninitialised
  void init_head();
  int64_t num_features_ = 0;
};

}  // namespace modelzoo::vision

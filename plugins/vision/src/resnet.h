// ResNet, ResNeXt and Wide ResNet (He et al. 2015; Xie et al. 2017;
// Zagoruyko & Komodakis 2016) with torchvision 0.14's module names, so its
// checkpoints load as they are. torchvision's variant: the stride of a
// bottleneck is on its 3x3 convolution (ResNet v1.5).
//
//   ResNetOptions o;  o.layers = {3, 4, 6, 3};  o.bottleneck = true;   // resnet50
//   auto net = std::make_shared<ResNet>(o);
#pragma once

#include <vector>

#include "modelzoo/nn/batch_norm.h"
#include "modelzoo/nn/conv.h"
#include "modelzoo/nn/linear.h"
#include "modelzoo/nn/sequential.h"
#include "vision_net.h"

namespace modelzoo::vision {

struct ResNetOptions {
  /// Blocks per stage ({2, 2, 2, 2} for resnet18).
  std::vector<int64_t> layers;
  /// Bottleneck blocks (expansion 4) instead of basic blocks.
  bool bottleneck = false;
  int64_t num_classes = 1000;
  int64_t in_chans = 3;
  /// ResNeXt cardinality and per-group width (Wide ResNet: 128).
  int64_t groups = 1;
  int64_t width_per_group = 64;
  /// Zero the last norm of every residual branch (each block starts as the identity).
  bool zero_init_residual = false;
};

/// torchvision's BasicBlock and Bottleneck in one module: conv1/bn1,
/// conv2/bn2[, conv3/bn3], optional downsample ("0" conv, "1" norm).
struct ResidualBlock : torch::nn::Module {
  ResidualBlock(bool bottleneck, int64_t inplanes, int64_t planes, int64_t stride, int64_t groups,
                int64_t base_width, bool downsample);
  torch::Tensor forward(const torch::Tensor& x);

  bool bottleneck;
  nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
  nn::BatchNorm2d bn1{nullptr}, bn2{nullptr}, bn3{nullptr};
  nn::Sequential downsample{nullptr};
};

struct ResNet : VisionNet {
  explicit ResNet(const ResNetOptions& options);

  torch::Tensor forward(const torch::Tensor& x) override;
  NamedTensors forward_features(const torch::Tensor& x) override;
  int64_t num_features() const override { return num_features_; }
  int64_t num_classes() const override { return fc ? fc->options.out_features() : 0; }
  void reset_classifier(int64_t num_classes) override;
  std::string head_prefix() const override { return "fc."; }
  std::string stem_weight() const override { return "conv1.weight"; }
  void init_weights() override;

  ResNetOptions options;
  nn::Conv2d conv1{nullptr};
  nn::BatchNorm2d bn1{nullptr};
  nn::Sequential layer1{nullptr}, layer2{nullptr}, layer3{nullptr}, layer4{nullptr};
  nn::Linear fc{nullptr};

 private:
  torch::Tensor stem(const torch::Tensor& x);
  int64_t num_features_ = 0;
};

}  // namespace modelzoo::vision

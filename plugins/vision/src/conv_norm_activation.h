// torchvision's Conv2dNormActivation (torchvision.ops.misc), the block of
// the vision family's CNNs: a bias-free convolution, batch norm and an
// activation, stored as children "0" (conv) and "1" (norm) as torchvision
// stores them. The generic layers it is built from are the SDK's
// (modelzoo/nn/); this block stays here because its layout is
// torchvision's and only image CNNs use it.
#pragma once

#include <cstdint>

#include "modelzoo/nn/activation.h"
#include "modelzoo/nn/batch_norm.h"
#include "modelzoo/nn/conv.h"

namespace modelzoo::vision {

/// Conv2d (padding (k-1)/2, no bias) -> BatchNorm2d(eps) -> activation.
struct ConvNormActImpl : torch::nn::Module {
  ConvNormActImpl(int64_t in_channels, int64_t out_channels, int64_t kernel_size, int64_t stride,
                  int64_t groups, nn::Activation activation, double eps = 1e-5);
  torch::Tensor forward(const torch::Tensor& x);

  nn::Conv2d conv{nullptr};
  nn::BatchNorm2d norm{nullptr};
  nn::Activation activation;
};
TORCH_MODULE(ConvNormAct);

}  // namespace modelzoo::vision

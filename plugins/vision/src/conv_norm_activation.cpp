#include "conv_norm_activation.h"

namespace modelzoo::vision {

ConvNormActImpl::ConvNormActImpl(int64_t in_channels, int64_t out_channels, int64_t kernel_size,
                                 int64_t stride, int64_t groups, nn::Activation activation_,
                                 double eps)
    : activation(activation_) {
  conv = register_module("0", nn::Conv2d(nn::Conv2dOptions(in_channels, out_channels, kernel_size)
                                             .stride(stride)
                                             .padding((kernel_size - 1) / 2)
                                             .groups(groups)
                                             .bias(false)));
  norm = register_module("1", nn::BatchNorm2d(nn::BatchNorm2dOptions(out_channels).eps(eps)));
}

torch::Tensor ConvNormActImpl::forward(const torch::Tensor& x) {
  return nn::activate(norm->forward(conv->forward(x)), activation);
}

}  // namespace modelzoo::vision

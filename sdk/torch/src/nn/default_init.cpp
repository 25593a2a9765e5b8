#include "default_init.h"

#include <torch/csrc/autograd/grad_mode.h>
#include <torch/nn/init.h>

#include <cmath>

namespace modelzoo::nn::detail {

void default_init(torch::Tensor& weight, torch::Tensor& bias) {
  torch::NoGradGuard no_grad;
  torch::nn::init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    const int64_t fan_in = weight.numel() / weight.size(0);
    const double bound = fan_in > 0 ? 1.0 / std::sqrt(static_cast<double>(fan_in)) : 0.0;
    torch::nn::init::uniform_(bias, -bound, bound);
  }
}

}  // namespace modelzoo::nn::detail

#include "modelzoo/nn/batch_norm.h"

#include <torch/csrc/autograd/grad_mode.h>

namespace modelzoo::nn {

BatchNorm2dOptions::BatchNorm2dOptions(int64_t num_features) : num_features_(num_features) {}

BatchNorm2dImpl::BatchNorm2dImpl(const BatchNorm2dOptions& options_) : options(options_) {
  const int64_t c = options.num_features();
  weight = register_parameter("weight", torch::empty({c}));
  bias = register_parameter("bias", torch::empty({c}));
  running_mean = register_buffer("running_mean", torch::empty({c}));
  running_var = register_buffer("running_var", torch::empty({c}));
  num_batches_tracked = register_buffer("num_batches_tracked", torch::zeros({}, torch::kLong));
}

torch::Tensor BatchNorm2dImpl::forward(const torch::Tensor& x) {
  if (is_training()) {
    torch::NoGradGuard no_grad;
    num_batches_tracked.add_(1);
  }
  return torch::batch_norm(x, weight, bias, running_mean, running_var, is_training(),
                           options.momentum(), options.eps(), /*cudnn_enabled=*/true);
}

void BatchNorm2dImpl::reset_parameters() {
  torch::NoGradGuard no_grad;
  weight.fill_(1);
  bias.zero_();
  running_mean.zero_();
  running_var.fill_(1);
  num_batches_tracked.zero_();
}

}  // namespace modelzoo::nn

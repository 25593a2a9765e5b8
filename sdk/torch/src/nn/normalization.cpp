#include "modelzoo/nn/normalization.h"

#include <torch/csrc/autograd/grad_mode.h>

namespace modelzoo::nn {

LayerNormOptions::LayerNormOptions(int64_t dim) : dim_(dim) {}

LayerNormImpl::LayerNormImpl(const LayerNormOptions& options_) : options(options_) {
  weight = register_parameter("weight", torch::empty({options.dim()}));
  bias = register_parameter("bias", torch::empty({options.dim()}));
}

torch::Tensor LayerNormImpl::forward(const torch::Tensor& x) {
  const int64_t dim = options.dim();
  if (!options.channels_first()) return torch::layer_norm(x, {dim}, weight, bias, options.eps());
  TORCH_CHECK(x.dim() == 4, "LayerNorm (channels_first): expected [N, ", dim, ", H, W] (got ",
              x.sizes(), ")");
  return torch::layer_norm(x.permute({0, 2, 3, 1}), {dim}, weight, bias, options.eps())
      .permute({0, 3, 1, 2});
}

void LayerNormImpl::reset_parameters() {
  torch::NoGradGuard no_grad;
  weight.fill_(1);
  bias.zero_();
}

}  // namespace modelzoo::nn

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

RMSNormImpl::RMSNormImpl(int64_t dim_, double eps_) : dim(dim_), eps(eps_) {
  weight = register_parameter("weight", torch::empty({dim}));
}

torch::Tensor RMSNormImpl::forward(const torch::Tensor& x) {
  TORCH_CHECK(x.dim() >= 1 && x.size(-1) == dim, "RMSNorm(", dim, "): expected [..., ", dim,
              "] (got ", x.sizes(), ")");
  const auto x32 = x.to(torch::kFloat);
  const auto normalised = x32 * torch::rsqrt(x32.pow(2).mean(-1, /*keepdim=*/true) + eps);
  return weight * normalised.to(x.scalar_type());
}

void RMSNormImpl::reset_parameters() {
  torch::NoGradGuard no_grad;
  weight.fill_(1);
}

}  // namespace modelzoo::nn

#include "modelzoo/nn/attention.h"

#include <torch/csrc/autograd/grad_mode.h>
#include <torch/nn/init.h>

#include <cmath>

namespace modelzoo::nn {

MultiheadAttentionOptions::MultiheadAttentionOptions(int64_t embed_dim, int64_t num_heads)
    : embed_dim_(embed_dim), num_heads_(num_heads) {}

MultiheadAttentionImpl::MultiheadAttentionImpl(const MultiheadAttentionOptions& options_)
    : options(options_) {
  const int64_t e = options.embed_dim(), h = options.num_heads();
  TORCH_CHECK(h > 0 && e % h == 0, "MultiheadAttention: embed_dim ", e,
              " is not divisible by num_heads ", h);
  in_proj_weight = register_parameter("in_proj_weight", torch::empty({3 * e, e}));
  in_proj_bias = register_parameter("in_proj_bias", torch::empty({3 * e}));
  out_proj = register_module("out_proj", Linear(e, e));
}

torch::Tensor MultiheadAttentionImpl::forward(const torch::Tensor& x) {
  const int64_t e = options.embed_dim(), heads = options.num_heads();
  TORCH_CHECK(x.dim() == 3 && x.size(2) == e, "MultiheadAttention: expected [batch, sequence, ", e,
              "] (got ", x.sizes(), ")");
  if (!is_training() && !torch::GradMode::is_enabled()) {
    return std::get<0>(torch::_native_multi_head_attention(
        x, x, x, e, heads, in_proj_weight, in_proj_bias, out_proj->weight, out_proj->bias,
        c10::nullopt, /*need_weights=*/false));
  }
  const int64_t n = x.size(0), s = x.size(1), head_dim = e / heads;
  auto qkv = torch::linear(x, in_proj_weight, in_proj_bias)
                 .view({n, s, 3, heads, head_dim})
                 .permute({2, 0, 3, 1, 4});
  auto q = qkv[0] / std::sqrt(static_cast<double>(head_dim));
  auto attn = torch::softmax(torch::matmul(q, qkv[1].transpose(-2, -1)), -1);
  if (options.dropout() > 0.0) attn = torch::dropout(attn, options.dropout(), is_training());
  auto out = torch::matmul(attn, qkv[2]).transpose(1, 2).reshape({n, s, e});
  return out_proj->forward(out);
}

void MultiheadAttentionImpl::reset_parameters() {
  torch::NoGradGuard no_grad;
  torch::nn::init::xavier_uniform_(in_proj_weight);
  in_proj_bias.zero_();
  out_proj->reset_parameters();
  out_proj->bias.zero_();
}

}  // namespace modelzoo::nn

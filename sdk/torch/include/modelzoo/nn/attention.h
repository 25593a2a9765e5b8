// nn.MultiheadAttention's parameters and self-attention, allocated
// uninitialised (see modelzoo/nn/conv.h for why). Inputs are batch first,
// [N, S, E], as nn.MultiheadAttention(batch_first=True) takes them; ViT
// and CLIP's transformers store their attention this way.
//
//   modelzoo::nn::MultiheadAttention attn(768, 12);
//   auto y = attn->forward(x);   // x: [N, S, 768] -> [N, S, 768]
#pragma once

#include <torch/arg.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include <cstdint>

#include "modelzoo/nn/linear.h"
#include "modelzoo/sdk/export.h"

namespace modelzoo::nn {

/// Options for MultiheadAttention (query, key and value all of embed_dim).
struct MODELZOO_API MultiheadAttentionOptions {
  MultiheadAttentionOptions(int64_t embed_dim, int64_t num_heads);
  /// Model width E; a multiple of num_heads.
  TORCH_ARG(int64_t, embed_dim);
  /// Heads, each of embed_dim / num_heads.
  TORCH_ARG(int64_t, num_heads);
  /// Dropout on the attention weights while training.
  TORCH_ARG(double, dropout) = 0.0;
};

/// nn.MultiheadAttention(embed_dim, num_heads, dropout, batch_first=True)
/// used as self-attention (query = key = value = x), without masks:
/// `in_proj_weight` [3E, E], `in_proj_bias` [3E], `out_proj.weight` [E, E],
/// `out_proj.bias` [E].
struct MODELZOO_API MultiheadAttentionImpl : torch::nn::Module {
  explicit MultiheadAttentionImpl(const MultiheadAttentionOptions& options);
  MultiheadAttentionImpl(int64_t embed_dim, int64_t num_heads)
      : MultiheadAttentionImpl(MultiheadAttentionOptions(embed_dim, num_heads)) {}

  /// Self-attention, x: [N, S, E] -> [N, S, E]. In eval without autograd
  /// this is PyTorch's fused kernel (the one nn.MultiheadAttention uses
  /// there: same numbers, less memory traffic).
  torch::Tensor forward(const torch::Tensor& x);
  /// As nn.MultiheadAttention: xavier_uniform in-projection, zero biases,
  /// out_proj.weight as nn.Linear.
  void reset_parameters();

  MultiheadAttentionOptions options;
  torch::Tensor in_proj_weight, in_proj_bias;
  Linear out_proj{nullptr};
};
TORCH_MODULE(MultiheadAttention);

}  // namespace modelzoo::nn

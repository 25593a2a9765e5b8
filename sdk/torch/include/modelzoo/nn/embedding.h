// nn.Embedding with PyTorch's parameter name, allocated uninitialised (see
// modelzoo/nn/conv.h for why): the token, position and segment tables of
// language models.
//
//   modelzoo::nn::Embedding wte(50257, 768);
//   auto x = wte->forward(input_ids);   // int64 [N, T] -> [N, T, 768]
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include <cstdint>

#include "modelzoo/sdk/export.h"

namespace modelzoo::nn {

/// nn.Embedding(num_embeddings, embedding_dim): `weight` [num, dim];
/// integer indices [...] -> [..., dim]. An index outside [0, num) is an
/// error naming it, not a read past the table.
struct MODELZOO_API EmbeddingImpl : torch::nn::Module {
  EmbeddingImpl(int64_t num_embeddings, int64_t embedding_dim);

  torch::Tensor forward(const torch::Tensor& indices);
  /// PyTorch's default: normal(0, 1).
  void reset_parameters();

  int64_t num_embeddings, embedding_dim;
  torch::Tensor weight;
};
TORCH_MODULE(Embedding);

}  // namespace modelzoo::nn

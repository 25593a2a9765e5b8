#include "modelzoo/nn/embedding.h"

#include <torch/csrc/autograd/grad_mode.h>

namespace modelzoo::nn {

EmbeddingImpl::EmbeddingImpl(int64_t num_embeddings_, int64_t embedding_dim_)
    : num_embeddings(num_embeddings_), embedding_dim(embedding_dim_) {
  TORCH_CHECK(num_embeddings > 0 && embedding_dim > 0, "Embedding: expected positive sizes (got ",
              num_embeddings, " x ", embedding_dim, ")");
  weight = register_parameter("weight", torch::empty({num_embeddings, embedding_dim}));
}

torch::Tensor EmbeddingImpl::forward(const torch::Tensor& indices) {
  // at::embedding checks the range too, but its message names no table size.
  if (indices.numel() > 0) {
    const int64_t low = indices.min().item<int64_t>();
    const int64_t high = indices.max().item<int64_t>();
    TORCH_CHECK(low >= 0 && high < num_embeddings, "Embedding: index ", low < 0 ? low : high,
                " is outside the table of ", num_embeddings, " entries");
  }
  return torch::embedding(weight, indices);
}

void EmbeddingImpl::reset_parameters() {
  torch::NoGradGuard no_grad;
  weight.normal_(0, 1);
}

}  // namespace modelzoo::nn

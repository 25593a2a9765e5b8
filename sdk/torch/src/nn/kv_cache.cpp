#include "modelzoo/nn/kv_cache.h"

#include <ATen/ops/cat.h>
#include <c10/util/Exception.h>

namespace modelzoo::nn {

KVCache::KVCache(int64_t num_layers) {
  TORCH_CHECK(num_layers > 0, "a KV cache needs at least one layer (got ", num_layers, ")");
  keys_.resize(static_cast<std::size_t>(num_layers));
  values_.resize(static_cast<std::size_t>(num_layers));
}

std::pair<torch::Tensor, torch::Tensor> KVCache::append(int64_t layer, const torch::Tensor& keys,
                                                        const torch::Tensor& values) {
  TORCH_CHECK(layer >= 0 && layer < num_layers(), "KV cache layer ", layer, " out of range (",
              num_layers(), " layers)");
  TORCH_CHECK(keys.dim() == 4 && values.dim() == 4,
              "KV cache entries are [batch, heads, positions, head_dim] (got ", keys.sizes(),
              " and ", values.sizes(), ")");
  auto& k = keys_[static_cast<std::size_t>(layer)];
  auto& v = values_[static_cast<std::size_t>(layer)];
  // Concatenation copies the past once per step; at GPT-2's sizes that is
  // small beside the weights every step reads, and it keeps the cache exact
  // for any length (no preallocated maximum).
  k = k.defined() ? at::cat({k, keys}, 2) : keys;
  v = v.defined() ? at::cat({v, values}, 2) : values;
  return {k, v};
}

int64_t KVCache::length() const {
  return keys_.front().defined() ? keys_.front().size(2) : 0;
}

void KVCache::select_rows(const torch::Tensor& rows) {
  for (auto* list : {&keys_, &values_})
    for (auto& t : *list)
      if (t.defined()) t = t.index_select(0, rows);
}

void KVCache::clear() {
  for (auto& t : keys_) t = torch::Tensor();
  for (auto& t : values_) t = torch::Tensor();
}

}  // namespace modelzoo::nn

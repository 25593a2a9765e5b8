#include "modelzoo/nn/kv_cache.h"

#include <ATen/ops/cat.h>
#include <ATen/ops/empty.h>
#include <c10/util/Exception.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <algorithm>

namespace modelzoo::nn {
namespace {

/// A buffer like `like` ([batch, heads, ·, dim]) with room for `capacity`
/// positions, holding the first `length` positions of `old` (if defined).
torch::Tensor buffer(const torch::Tensor& like, int64_t capacity, const torch::Tensor& old,
                     int64_t length) {
  torch::Tensor b = at::empty({like.size(0), like.size(1), capacity, like.size(3)}, like.options());
  if (old.defined() && length > 0) b.narrow(2, 0, length).copy_(old.narrow(2, 0, length));
  return b;
}

void check_matches(const torch::Tensor& held, const torch::Tensor& step, const char* what,
                   int64_t layer) {
  TORCH_CHECK(
      held.size(0) == step.size(0) && held.size(1) == step.size(1) && held.size(3) == step.size(3),
      "KV cache layer ", layer, ": this step's ", what, " ", step.sizes(),
      " do not match the cached [batch, heads, ·, head_dim] ", held.sizes(),
      "; clear() the cache before a new batch");
}

}  // namespace

KVCache::KVCache(int64_t num_layers) {
  TORCH_CHECK(num_layers > 0, "a KV cache needs at least one layer (got ", num_layers, ")");
  layers_.resize(static_cast<std::size_t>(num_layers));
}

void KVCache::reserve(int64_t positions) {
  TORCH_CHECK(positions >= 0, "KV cache: cannot reserve ", positions, " positions");
  reserved_ = std::max(reserved_, positions);
  for (auto& l : layers_)
    if (l.keys.defined() && l.keys.size(2) < reserved_) {
      l.keys = buffer(l.keys, reserved_, l.keys, l.length);
      l.values = buffer(l.values, reserved_, l.values, l.length);
    }
}

std::pair<torch::Tensor, torch::Tensor> KVCache::append(int64_t layer, const torch::Tensor& keys,
                                                        const torch::Tensor& values) {
  TORCH_CHECK(layer >= 0 && layer < num_layers(), "KV cache layer ", layer, " out of range (",
              num_layers(), " layers)");
  TORCH_CHECK(keys.dim() == 4 && values.dim() == 4,
              "KV cache entries are [batch, heads, positions, head_dim] (got ", keys.sizes(),
              " and ", values.sizes(), ")");
  TORCH_CHECK(keys.size(2) == values.size(2), "KV cache layer ", layer, ": ", keys.size(2),
              " key positions but ", values.size(2), " value positions");
  auto& l = layers_[static_cast<std::size_t>(layer)];
  const int64_t n = keys.size(2);
  if (l.keys.defined()) {
    check_matches(l.keys, keys, "keys", layer);
    check_matches(l.values, values, "values", layer);
  }
  if (torch::GradMode::is_enabled() && (keys.requires_grad() || values.requires_grad())) {
    // In-place writes would break autograd's view of the past steps.
    l.keys = l.keys.defined() ? at::cat({l.keys.narrow(2, 0, l.length), keys}, 2) : keys;
    l.values = l.values.defined() ? at::cat({l.values.narrow(2, 0, l.length), values}, 2) : values;
    l.length += n;
    return {l.keys, l.values};
  }
  const int64_t capacity = l.keys.defined() ? l.keys.size(2) : 0;
  if (l.length + n > capacity) {
    const int64_t grown = std::max({reserved_, 2 * capacity, l.length + n});
    l.keys = buffer(keys, grown, l.keys, l.length);
    l.values = buffer(values, grown, l.values, l.length);
  }
  l.keys.narrow(2, l.length, n).copy_(keys);
  l.values.narrow(2, l.length, n).copy_(values);
  l.length += n;
  return {l.keys.narrow(2, 0, l.length), l.values.narrow(2, 0, l.length)};
}

int64_t KVCache::length() const {
  return layers_.front().length;
}

void KVCache::select_rows(const torch::Tensor& rows) {
  for (auto& l : layers_)
    if (l.keys.defined()) {
      l.keys = l.keys.index_select(0, rows);
      l.values = l.values.index_select(0, rows);
    }
}

void KVCache::clear() {
  for (auto& l : layers_) l = Layer{};
}

}  // namespace modelzoo::nn

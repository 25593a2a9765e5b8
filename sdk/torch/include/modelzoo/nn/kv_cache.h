// The keys and values a decoder's self-attention has already computed, so
// that generating one more token costs one position, not the whole
// sequence again (Hugging Face's past_key_values, whisper.cpp's kv cache).
//
//   modelzoo::nn::KVCache cache(num_layers);
//   // in layer i's attention, k and v of this step: [batch, heads, new, head_dim]
//   auto [keys, values] = cache.append(i, k, v);   // [batch, heads, past + new, head_dim]
//
// Each layer's keys and values live in a buffer with room for more
// positions (reserve(), else grown by doubling), and a step writes into
// its slice: a step costs its own positions, not a copy of the whole past
// (which concatenating would cost, every step, every layer). The tensors
// append() returns are views of the first length() positions, so they are
// strided along dim 2; they stay valid (unchanged) after later appends.
// Under autograd (inputs that require grad) append concatenates instead, so
// gradients flow through the returned tensors.
//
// Invariant: every layer holds the same number of positions once a step has
// gone through all layers; length() is layer 0's count, which a model reads
// before its first layer runs (it is the offset of the new positions).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <utility>
#include <vector>

#include "modelzoo/sdk/export.h"

namespace modelzoo::nn {

class MODELZOO_API KVCache {
 public:
  explicit KVCache(int64_t num_layers);

  /// Makes room for `positions` per layer, so that appends up to that
  /// length write into place (generate() reserves prompt + new tokens).
  /// Applies to buffers allocated from now on and grows existing ones.
  void reserve(int64_t positions);

  /// Adds this step's keys and values of `layer` ([batch, heads, new,
  /// head_dim]) and returns all of that layer's, past and new, along dim 2.
  std::pair<torch::Tensor, torch::Tensor> append(int64_t layer, const torch::Tensor& keys,
                                                 const torch::Tensor& values);
  /// Positions held (layer 0's); 0 before the first step.
  int64_t length() const;
  int64_t num_layers() const { return static_cast<int64_t>(layers_.size()); }
  /// Keeps only the batch rows `rows` (a 1-D int64 index), in that order:
  /// for dropping finished sequences or reordering beams.
  void select_rows(const torch::Tensor& rows);
  /// Forgets every position (the reservation stays).
  void clear();

 private:
  /// One layer: buffers [batch, heads, capacity, head_dim], of which the
  /// first `length` positions are filled.
  struct Layer {
    torch::Tensor keys, values;
    int64_t length = 0;
  };
  std::vector<Layer> layers_;
  int64_t reserved_ = 0;
};

}  // namespace modelzoo::nn

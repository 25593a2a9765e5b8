// What every decoder of the family derives from a step's arguments before
// its first layer (CausalLM::forward_causal): the positions of the new
// tokens and which keys each query may attend to, under the rules Hugging
// Face's generate uses for left-padded batches. GPT-2 adds learned
// position embeddings at these positions, LLaMA-family decoders rotate by
// them; both mask their attention with `allowed`.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <string>

#include "modelzoo/nn/kv_cache.h"

namespace modelzoo::language {

/// What the checks need to know of the model.
struct DecoderShape {
  std::string model;          ///< names it in messages ("GPT-2")
  int64_t num_layers = 0;     ///< the KV cache it expects
  int64_t max_positions = 0;  ///< its context length …
  std::string limit_key;      ///< … under its config.json name ("n_positions")
};

struct CausalInputs {
  int64_t past = 0;         ///< positions already in the cache
  torch::Tensor positions;  ///< [batch, new] int64
  /// [batch, 1, new, past + new] bool: query i (absolute position past + i)
  /// sees key j when j <= past + i and key j is not padding.
  torch::Tensor allowed;
};

/// Checks the arguments' shapes against each other and the model's `shape`,
/// and derives the positions when
/// `position_ids` is undefined: the count of real tokens before each one
/// (cumsum(mask) - 1, pads at 1, so left padding does not shift them), or
/// past … past + new without a mask. Throws c10::Error naming the problem.
CausalInputs causal_inputs(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                           const torch::Tensor& position_ids, const nn::KVCache* cache,
                           const DecoderShape& shape);

}  // namespace modelzoo::language

// Capabilities of language models, asked for at run time:
//
//   auto* lm = dynamic_cast<modelzoo::CausalLM*>(pretrained.model.get());
//   if (lm) { modelzoo::nn::KVCache cache(lm->num_layers()); auto logits = lm->forward_causal(...);
//   }
//
// A family's model class derives from Model and from the capabilities it
// has (GPT-2: CausalLM; BERT: TextEncoder). The classes have default
// visibility, so dynamic_cast works across the plugin boundary. The SDK's
// generation (modelzoo/generation.h) runs on any CausalLM.
#pragma once

#include <torch/types.h>

#include <cstdint>

#include "modelzoo/nn/kv_cache.h"
#include "modelzoo/sdk/export.h"

namespace modelzoo {

/// A decoder that predicts the next token (GPT-2, LLaMA-family).
class MODELZOO_API CausalLM {
 public:
  virtual ~CausalLM();
  /// Logits [batch, new, vocab] for `input_ids` [batch, new] (int64).
  /// `attention_mask` [batch, past + new] is 1 for real tokens and 0 for
  /// padding (left padding of batched prompts); `position_ids` [batch, new]
  /// are each row's positions, which padding shifts. With `cache`, the
  /// past positions come from it and this step's are appended to it;
  /// without, `input_ids` is the whole sequence (past = 0).
  virtual torch::Tensor forward_causal(const torch::Tensor& input_ids,
                                       const torch::Tensor& attention_mask,
                                       const torch::Tensor& position_ids, nn::KVCache* cache) = 0;
  /// The logits of the last position only, [batch, vocab], for the same
  /// arguments: what generation needs each step. The default takes the
  /// last position of forward_causal(); a model overrides it to skip the
  /// output layer on the other positions (GPT-2's tied head is a third of
  /// its weights, so a 32-token prefill spends as much there as in the body).
  virtual torch::Tensor next_token_logits(const torch::Tensor& input_ids,
                                          const torch::Tensor& attention_mask,
                                          const torch::Tensor& position_ids, nn::KVCache* cache);
  /// Decoder layers (the KV cache's size).
  virtual int64_t num_layers() const = 0;
  /// Longest sequence the model takes (GPT-2's n_positions).
  virtual int64_t max_positions() const = 0;
  virtual int64_t vocab_size() const = 0;
};

/// A bidirectional encoder (BERT, MiniLM).
class MODELZOO_API TextEncoder {
 public:
  virtual ~TextEncoder();
  /// Last hidden states [batch, tokens, hidden] for `input_ids` [batch,
  /// tokens], `attention_mask` (1 real, 0 padding) and `token_type_ids`
  /// (segment A = 0, B = 1), all int64 of the same shape.
  virtual torch::Tensor encode(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                               const torch::Tensor& token_type_ids) = 0;
  virtual int64_t hidden_size() const = 0;
  virtual int64_t max_positions() const = 0;
};

}  // namespace modelzoo

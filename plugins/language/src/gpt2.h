// GPT-2 (Radford et al. 2019) with Hugging Face's parameter names, so the
// published model.safetensors loads as it is: `wte.weight`, `wpe.weight`,
// `h.{i}.ln_1`, `h.{i}.attn.c_attn` (q|k|v fused), `h.{i}.attn.c_proj`,
// `h.{i}.ln_2`, `h.{i}.mlp.c_fc`, `h.{i}.mlp.c_proj`, `ln_f`. The output
// layer is tied to `wte` (logits = hidden · wteᵀ), so there is no
// `lm_head.weight` of its own.
//
//   auto model = std::make_shared<modelzoo::language::Gpt2Model>(options, /*initialised=*/true);
//   modelzoo::nn::KVCache cache(model->num_layers());
//   auto logits = model->forward_causal(prompt_ids, mask, positions, &cache);  // prefill
//   logits = model->forward_causal(next_ids, mask_plus_one, next_positions, &cache);
//
// Load rules (load_weights): the `transformer.` prefix of GPT2LMHeadModel's
// state dict is stripped; the causal-mask buffers `attn.bias` and
// `attn.masked_bias` that older checkpoints carry are ignored (the model
// builds its mask from the positions); `lm_head.weight` may be absent, and
// when present must equal `wte.weight` — it is the same tensor in Hugging
// Face's tied model, so a different one means a checkpoint this
// architecture cannot represent, which is refused rather than dropped.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "modelzoo/language_model.h"
#include "modelzoo/model.h"
#include "modelzoo/nn/embedding.h"
#include "modelzoo/nn/kv_cache.h"
#include "modelzoo/nn/normalization.h"

namespace modelzoo::language {

/// GPT-2's hyper-parameters, under the names of Hugging Face's config.json.
struct Gpt2Options {
  int64_t n_layer = 12;
  int64_t n_head = 12;
  int64_t n_embd = 768;
  int64_t n_positions = 1024;
  int64_t vocab_size = 50257;
  double layer_norm_epsilon = 1e-5;

  /// From a config (the manifest's defaults under the user's overrides, or
  /// a snapshot's config.json): the keys above, `n_ctx` standing for
  /// n_positions when that is absent (older config.json files). Throws
  /// modelzoo::Error naming a bad value.
  static Gpt2Options from_config(const nlohmann::json& config);
};

/// Hugging Face's Conv1D (the transformers port of OpenAI's TensorFlow
/// layer): a linear layer whose `weight` is stored [in, out], the transpose
/// of nn.Linear's, and `bias` [out]. [..., in] -> [..., out].
struct Conv1DImpl : torch::nn::Module {
  Conv1DImpl(int64_t in_features, int64_t out_features);
  torch::Tensor forward(const torch::Tensor& x);
  torch::Tensor weight, bias;
};
TORCH_MODULE(Conv1D);

/// Causal self-attention: `c_attn` [E, 3E] (q|k|v along the output),
/// `c_proj` [E, E].
struct Gpt2AttentionImpl : torch::nn::Module {
  Gpt2AttentionImpl(int64_t n_embd, int64_t n_head);
  /// x [B, new, E]; `allowed` [B, 1, new, past + new] (bool) says which key
  /// each query may see. With `cache`, this layer's past keys and values
  /// come from it and the new ones are appended.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& allowed, int64_t layer,
                        nn::KVCache* cache);
  int64_t n_head, head_dim;
  Conv1D c_attn{nullptr}, c_proj{nullptr};
};
TORCH_MODULE(Gpt2Attention);

/// The feed-forward: `c_fc` [E, 4E], gelu_new (tanh form), `c_proj` [4E, E].
struct Gpt2MlpImpl : torch::nn::Module {
  explicit Gpt2MlpImpl(int64_t n_embd);
  torch::Tensor forward(const torch::Tensor& x);
  Conv1D c_fc{nullptr}, c_proj{nullptr};
};
TORCH_MODULE(Gpt2Mlp);

/// A pre-LayerNorm block: x + attn(ln_1(x)), then + mlp(ln_2(·)).
struct Gpt2BlockImpl : torch::nn::Module {
  explicit Gpt2BlockImpl(const Gpt2Options& options);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& allowed, int64_t layer,
                        nn::KVCache* cache);
  nn::LayerNorm ln_1{nullptr}, ln_2{nullptr};
  Gpt2Attention attn{nullptr};
  Gpt2Mlp mlp{nullptr};
};
TORCH_MODULE(Gpt2Block);

/// GPT2Model of transformers: embeddings, blocks, final LayerNorm.
struct Gpt2TransformerImpl : torch::nn::Module {
  explicit Gpt2TransformerImpl(const Gpt2Options& options);
  /// The final hidden states [B, new, E] (after ln_f); see CausalLM::forward_causal.
  torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                        const torch::Tensor& position_ids, nn::KVCache* cache);
  /// transformers' _init_weights: normal(0, 0.02) weights, zero biases,
  /// unit LayerNorms, and the residual projections (c_proj) at
  /// 0.02/sqrt(2·n_layer), as GPT-2's paper prescribes.
  void init_weights();

  Gpt2Options options;
  nn::Embedding wte{nullptr}, wpe{nullptr};
  torch::nn::ModuleList h{nullptr};
  nn::LayerNorm ln_f{nullptr};
};
TORCH_MODULE(Gpt2Transformer);

/// GPT2LMHeadModel as a modelzoo model: forward(input_ids) gives the
/// logits of every position, and the CausalLM capability runs generation.
class Gpt2Model : public Model, public CausalLM {
 public:
  /// `initialised`: whether the parameters hold values (false under SkipInit).
  Gpt2Model(std::string name, const Gpt2Options& options, bool initialised);

  torch::nn::Module& module() override { return *net_; }
  /// Logits [B, T, vocab] for token ids [B, T] (no padding, positions 0…T-1).
  torch::Tensor forward(const torch::Tensor& input_ids) override;

  /// Positions default, when `position_ids` is undefined, to those
  /// Hugging Face's generate derives from the mask (the count of real
  /// tokens before each one, so left padding does not shift them), or to
  /// past…past+new without a mask. `attention_mask` may be undefined (all
  /// real).
  torch::Tensor forward_causal(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                               const torch::Tensor& position_ids, nn::KVCache* cache) override;
  /// The last position's logits [B, vocab], the head computed there only.
  torch::Tensor next_token_logits(const torch::Tensor& input_ids,
                                  const torch::Tensor& attention_mask,
                                  const torch::Tensor& position_ids, nn::KVCache* cache) override;
  /// The final hidden states instead of the logits (same arguments).
  torch::Tensor hidden_states(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                              const torch::Tensor& position_ids, nn::KVCache* cache);
  /// Hidden states [..., E] -> logits [..., vocab] through the tied output layer.
  torch::Tensor logits(const torch::Tensor& hidden);

  int64_t num_layers() const override { return net_->options.n_layer; }
  int64_t max_positions() const override { return net_->options.n_positions; }
  int64_t vocab_size() const override { return net_->options.vocab_size; }

  LoadReport load_weights(const Weights& weights, const LoadOptions& options) override;
  using Model::load_weights;

  Gpt2Transformer& net() { return net_; }

 private:
  std::string name_;
  Gpt2Transformer net_;
  bool initialised_;
};

}  // namespace modelzoo::language

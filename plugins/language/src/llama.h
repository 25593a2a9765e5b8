// LLaMA-architecture decoders (Touvron et al. 2023) — SmolLM2, TinyLlama,
// Qwen2.5 — with Hugging Face's parameter names, so the published
// model.safetensors (one file or shards) loads as it is:
// `model.embed_tokens`, `model.layers.{i}.input_layernorm`,
// `model.layers.{i}.self_attn.{q,k,v,o}_proj`,
// `model.layers.{i}.post_attention_layernorm`,
// `model.layers.{i}.mlp.{gate,up,down}_proj`, `model.norm`, and `lm_head`
// unless the head is tied to the embeddings.
//
//   auto model = std::make_shared<modelzoo::language::LlamaModel>(
//       "smollm2-135m", LlamaOptions::from_config(config, LlamaKind::kLlama), true);
//   modelzoo::nn::KVCache cache(model->num_layers());
//   auto logits = model->forward_causal(prompt_ids, mask, positions, &cache);
//
// The computation is Hugging Face's LlamaForCausalLM / Qwen2ForCausalLM:
// RMSNorm (SDK), rotate-half rotary embeddings with inv_freq = 1/θ^(2j/d)
// computed in fp32 (rope_scaling "linear" or "llama3"), grouped-query
// attention (query head h reads key/value head h / (heads / kv_heads)),
// SwiGLU down(silu(gate(x)) * up(x)), pre-norm residual blocks.
//
// Load rules (load_weights): buffers `rotary_emb.inv_freq` that older
// checkpoints carry are ignored (the model computes them from the config);
// with a tied head, `lm_head.weight` may be absent, and when present must
// equal `model.embed_tokens.weight` (see tied_weights.h).
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
#include "modelzoo/nn/linear.h"
#include "modelzoo/nn/normalization.h"

namespace modelzoo::language {

/// The two architectures Hugging Face names separately, which differ in
/// their attention biases only: Llama's are all on or all off
/// (`attention_bias`), Qwen2's q/k/v projections always have one and its
/// o_proj never.
enum class LlamaKind { kLlama, kQwen2 };

/// How positions are rescaled before the rotation (config.json's
/// `rope_scaling`); kNone is Llama's original RoPE.
struct RopeScaling {
  enum class Type { kNone, kLinear, kLlama3 };
  Type type = Type::kNone;
  double factor = 1.0;
  // llama3 only (Llama 3.1's long-context rule):
  double low_freq_factor = 1.0;
  double high_freq_factor = 4.0;
  int64_t original_max_position_embeddings = 8192;
};

/// The hyper-parameters, under the names of Hugging Face's config.json.
struct LlamaOptions {
  LlamaKind kind = LlamaKind::kLlama;
  int64_t hidden_size = 576;
  int64_t intermediate_size = 1536;
  int64_t num_hidden_layers = 30;
  int64_t num_attention_heads = 9;
  int64_t num_key_value_heads = 3;
  int64_t head_dim = 64;  ///< hidden_size / num_attention_heads unless given
  int64_t max_position_embeddings = 8192;
  int64_t vocab_size = 49152;
  double rms_norm_eps = 1e-5;
  double rope_theta = 10000.0;
  RopeScaling rope_scaling;
  bool tie_word_embeddings = false;
  bool qkv_bias = false;  ///< biases on q_proj, k_proj, v_proj
  bool o_bias = false;    ///< a bias on o_proj
  bool mlp_bias = false;  ///< biases on gate_proj, up_proj, down_proj

  /// From a config (the manifest's defaults under the user's overrides, or
  /// a snapshot's config.json). Refuses by name what this architecture does
  /// not compute: a `hidden_act` other than silu, a `rope_scaling` type
  /// other than linear or llama3, sliding-window attention, a `model_type`
  /// of another architecture. Throws modelzoo::Error naming the key.
  static LlamaOptions from_config(const nlohmann::json& config, LlamaKind kind);
};

/// The rotary embedding's inverse frequencies [head_dim / 2] (fp32), as
/// Hugging Face's rope initialisers compute them for `options`.
torch::Tensor rope_inverse_frequencies(const LlamaOptions& options);

/// Self-attention with grouped-query heads and rotary positions.
struct LlamaAttentionImpl : torch::nn::Module {
  explicit LlamaAttentionImpl(const LlamaOptions& options);
  /// x [B, new, hidden]; cos/sin [B, new, head_dim] (fp32); `allowed`
  /// [B, 1, new, past + new]. With `cache`, this layer's past keys and
  /// values ([B, kv_heads, past, head_dim], rotated) come from it and the
  /// new ones are appended.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                        const torch::Tensor& allowed, int64_t layer, nn::KVCache* cache);
  int64_t heads, kv_heads, head_dim;
  nn::Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, o_proj{nullptr};
};
TORCH_MODULE(LlamaAttention);

/// SwiGLU: down_proj(silu(gate_proj(x)) * up_proj(x)).
struct LlamaMlpImpl : torch::nn::Module {
  explicit LlamaMlpImpl(const LlamaOptions& options);
  torch::Tensor forward(const torch::Tensor& x);
  nn::Linear gate_proj{nullptr}, up_proj{nullptr}, down_proj{nullptr};
};
TORCH_MODULE(LlamaMlp);

/// x + attn(input_layernorm(x)), then + mlp(post_attention_layernorm(·)).
struct LlamaDecoderLayerImpl : torch::nn::Module {
  explicit LlamaDecoderLayerImpl(const LlamaOptions& options);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                        const torch::Tensor& allowed, int64_t layer, nn::KVCache* cache);
  nn::RMSNorm input_layernorm{nullptr}, post_attention_layernorm{nullptr};
  LlamaAttention self_attn{nullptr};
  LlamaMlp mlp{nullptr};
};
TORCH_MODULE(LlamaDecoderLayer);

/// LlamaModel of transformers (the `model.` of the checkpoint's names).
struct LlamaBackboneImpl : torch::nn::Module {
  explicit LlamaBackboneImpl(const LlamaOptions& options);
  /// The final hidden states [B, new, hidden] (after `norm`).
  torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                        const torch::Tensor& position_ids, nn::KVCache* cache);
  LlamaOptions options;
  torch::Tensor inv_freq;  ///< computed, not a parameter (not in the state dict)
  nn::Embedding embed_tokens{nullptr};
  torch::nn::ModuleList layers{nullptr};
  nn::RMSNorm norm{nullptr};
};
TORCH_MODULE(LlamaBackbone);

/// LlamaForCausalLM: the backbone as `model` and, untied, `lm_head`.
struct LlamaForCausalLMImpl : torch::nn::Module {
  explicit LlamaForCausalLMImpl(const LlamaOptions& options);
  /// transformers' _init_weights: normal(0, initializer_range 0.02) for
  /// the linear layers and embeddings, zero biases, unit norms.
  void init_weights();
  LlamaBackbone model{nullptr};
  nn::Linear lm_head{nullptr};  ///< null when tied to model.embed_tokens
};
TORCH_MODULE(LlamaForCausalLM);

/// A LLaMA-family decoder as a modelzoo model: forward(input_ids) gives the
/// logits of every position, and the CausalLM capability runs generation.
class LlamaModel : public Model, public CausalLM {
 public:
  /// `initialised`: whether the parameters hold values (false under SkipInit).
  LlamaModel(std::string name, const LlamaOptions& options, bool initialised);

  torch::nn::Module& module() override { return *net_; }
  /// Logits [B, T, vocab] for token ids [B, T] (no padding, positions 0…T-1).
  torch::Tensor forward(const torch::Tensor& input_ids) override;

  /// As Gpt2Model::forward_causal (the positions rules are the same).
  torch::Tensor forward_causal(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                               const torch::Tensor& position_ids, nn::KVCache* cache) override;
  /// The last position's logits [B, vocab], the head computed there only.
  torch::Tensor next_token_logits(const torch::Tensor& input_ids,
                                  const torch::Tensor& attention_mask,
                                  const torch::Tensor& position_ids, nn::KVCache* cache) override;
  /// Hidden states [..., hidden] -> logits [..., vocab].
  torch::Tensor logits(const torch::Tensor& hidden);

  int64_t num_layers() const override { return options().num_hidden_layers; }
  int64_t max_positions() const override { return options().max_position_embeddings; }
  int64_t vocab_size() const override { return options().vocab_size; }
  const LlamaOptions& options() const { return net_->model->options; }

  LoadReport load_weights(const Weights& weights, const LoadOptions& options) override;
  using Model::load_weights;

  LlamaForCausalLM& net() { return net_; }

 private:
  std::string name_;
  LlamaForCausalLM net_;
  bool initialised_;
};

}  // namespace modelzoo::language

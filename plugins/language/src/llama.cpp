#include "llama.h"

#include <c10/util/Exception.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <cmath>
#include <limits>
#include <utility>

#include "causal_inputs.h"
#include "family_load.h"
#include "hf_config.h"
#include "modelzoo/sdk/error.h"
#include "state_names.h"

namespace modelzoo::language {
namespace {

constexpr double kPi = 3.14159265358979323846;

// The rotary inverse frequencies older checkpoints saved as a buffer:
// computed from the config here, so not weights.
bool is_rotary_buffer(const std::string& name) {
  return ends_with(name, ".rotary_emb.inv_freq");
}

const char* kind_name(LlamaKind kind) {
  return kind == LlamaKind::kQwen2 ? "qwen2" : "llama";
}

RopeScaling rope_scaling_of(const nlohmann::json& config) {
  RopeScaling s;
  const auto it = config.find("rope_scaling");
  if (it == config.end() || it->is_null()) return s;
  if (!it->is_object())
    throw Error("config 'rope_scaling': expected an object or null (got " + it->dump() + ")");
  const auto& r = *it;
  // transformers renamed "type" to "rope_type"; files have either.
  const std::string type = text(r, "rope_type", text(r, "type", "default"));
  if (type == "default") return s;
  if (type != "linear" && type != "llama3")
    throw Error("config 'rope_scaling': the type \"" + type +
                "\" is not supported (linear and llama3 are); this checkpoint needs an "
                "architecture modelzoo does not implement yet");
  s.type = type == "linear" ? RopeScaling::Type::kLinear : RopeScaling::Type::kLlama3;
  s.factor = positive_number(r, "factor", 0);
  if (s.factor == 0) throw Error("config 'rope_scaling': a " + type + " scaling needs a 'factor'");
  if (s.type == RopeScaling::Type::kLlama3) {
    s.low_freq_factor = positive_number(r, "low_freq_factor", s.low_freq_factor);
    s.high_freq_factor = positive_number(r, "high_freq_factor", s.high_freq_factor);
    s.original_max_position_embeddings =
        positive_int(r, "original_max_position_embeddings", s.original_max_position_embeddings);
    if (s.high_freq_factor <= s.low_freq_factor)
      throw Error("config 'rope_scaling': high_freq_factor must exceed low_freq_factor");
  }
  return s;
}

// [B, T, heads, d] rotated by cos/sin [B, T, 1, d]: x·cos + rotate_half(x)·sin,
// rotate_half(x) = cat(-x₂, x₁) over the two halves of d.
torch::Tensor rotate(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin) {
  const int64_t half = x.size(-1) / 2;
  const auto rotated = torch::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
  return x * cos + rotated * sin;
}

}  // namespace

LlamaOptions LlamaOptions::from_config(const nlohmann::json& config, LlamaKind kind) {
  LlamaOptions o;
  o.kind = kind;
  const std::string model_type = text(config, "model_type", kind_name(kind));
  if (model_type != kind_name(kind))
    throw Error(std::string("config 'model_type' is \"") + model_type + "\", but this entrypoint " +
                "builds the " + kind_name(kind) + " architecture: use an entrypoint of that " +
                "model type, or a config.json of this one");
  o.hidden_size = positive_int(config, "hidden_size", o.hidden_size);
  o.intermediate_size = positive_int(config, "intermediate_size", o.intermediate_size);
  o.num_hidden_layers = positive_int(config, "num_hidden_layers", o.num_hidden_layers);
  o.num_attention_heads = positive_int(config, "num_attention_heads", o.num_attention_heads);
  o.num_key_value_heads = positive_int(config, "num_key_value_heads", o.num_attention_heads);
  if (config.contains("head_dim") && !config.at("head_dim").is_null()) {
    o.head_dim = positive_int(config, "head_dim", 0);
  } else {
    check_divisible("hidden_size", o.hidden_size, "num_attention_heads", o.num_attention_heads);
    o.head_dim = o.hidden_size / o.num_attention_heads;
  }
  if (o.head_dim % 2 != 0)
    throw Error("config: head_dim (" + std::to_string(o.head_dim) +
                ") must be even: the rotary embedding turns pairs of dimensions");
  check_divisible("num_attention_heads", o.num_attention_heads, "num_key_value_heads",
                  o.num_key_value_heads);
  o.max_position_embeddings =
      positive_int(config, "max_position_embeddings", o.max_position_embeddings);
  o.vocab_size = positive_int(config, "vocab_size", o.vocab_size);
  o.rms_norm_eps = positive_number(config, "rms_norm_eps", o.rms_norm_eps);
  o.rope_theta = positive_number(config, "rope_theta", o.rope_theta);
  o.rope_scaling = rope_scaling_of(config);
  o.tie_word_embeddings = boolean(config, "tie_word_embeddings", o.tie_word_embeddings);
  if (kind == LlamaKind::kQwen2) {
    o.qkv_bias = true;
    if (boolean(config, "use_sliding_window", false))
      throw Error(
          "config 'use_sliding_window': sliding-window attention is not supported; set "
          "it to false (Qwen2.5's published configs do)");
  } else {
    o.qkv_bias = o.o_bias = boolean(config, "attention_bias", false);
    o.mlp_bias = boolean(config, "mlp_bias", false);
  }
  const std::string act = text(config, "hidden_act", "silu");
  if (act != "silu")
    throw Error("config 'hidden_act': \"" + act +
                "\" is not supported (LLaMA-family decoders use \"silu\")");
  return o;
}

torch::Tensor rope_inverse_frequencies(const LlamaOptions& o) {
  const int64_t d = o.head_dim;
  // Hugging Face's default initialiser, in fp32: 1 / θ^(arange(0, d, 2) / d).
  auto inv_freq = torch::reciprocal(
      torch::pow(o.rope_theta, torch::arange(0, d, 2, torch::kLong).to(torch::kFloat) / d));
  const RopeScaling& s = o.rope_scaling;
  if (s.type == RopeScaling::Type::kLinear) return inv_freq / s.factor;
  if (s.type != RopeScaling::Type::kLlama3) return inv_freq;
  // Llama 3.1: long wavelengths slowed by `factor`, short ones kept, and a
  // smooth blend between the two thresholds.
  const double old_context = static_cast<double>(s.original_max_position_embeddings);
  const double low_freq_wavelen = old_context / s.low_freq_factor;
  const double high_freq_wavelen = old_context / s.high_freq_factor;
  const auto wavelen = 2 * kPi / inv_freq;
  auto scaled = torch::where(wavelen > low_freq_wavelen, inv_freq / s.factor, inv_freq);
  const auto smooth =
      (old_context / wavelen - s.low_freq_factor) / (s.high_freq_factor - s.low_freq_factor);
  const auto smoothed = (1 - smooth) * scaled / s.factor + smooth * scaled;
  const auto medium = (wavelen >= high_freq_wavelen) & (wavelen <= low_freq_wavelen);
  return torch::where(medium, smoothed, scaled);
}

LlamaAttentionImpl::LlamaAttentionImpl(const LlamaOptions& o)
    : heads(o.num_attention_heads), kv_heads(o.num_key_value_heads), head_dim(o.head_dim) {
  auto linear = [](int64_t in, int64_t out, bool bias) {
    return nn::Linear(nn::LinearOptions(in, out).bias(bias));
  };
  q_proj = register_module("q_proj", linear(o.hidden_size, heads * head_dim, o.qkv_bias));
  k_proj = register_module("k_proj", linear(o.hidden_size, kv_heads * head_dim, o.qkv_bias));
  v_proj = register_module("v_proj", linear(o.hidden_size, kv_heads * head_dim, o.qkv_bias));
  o_proj = register_module("o_proj", linear(heads * head_dim, o.hidden_size, o.o_bias));
}

torch::Tensor LlamaAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& cos,
                                          const torch::Tensor& sin, const torch::Tensor& allowed,
                                          int64_t layer, nn::KVCache* cache) {
  const int64_t batch = x.size(0), steps = x.size(1), group = heads / kv_heads;
  const auto rope_cos = cos.unsqueeze(2), rope_sin = sin.unsqueeze(2);  // [B, T, 1, d]
  auto q = rotate(q_proj->forward(x).view({batch, steps, heads, head_dim}), rope_cos, rope_sin);
  auto k = rotate(k_proj->forward(x).view({batch, steps, kv_heads, head_dim}), rope_cos, rope_sin)
               .transpose(1, 2);
  auto v = v_proj->forward(x).view({batch, steps, kv_heads, head_dim}).transpose(1, 2);
  if (cache) std::tie(k, v) = cache->append(layer, k, v);
  const int64_t total = k.size(2);
  // Query head h reads key/value head h / group. Instead of repeating the
  // keys and values `group` times (a copy of the whole cache every step),
  // each KV head's group of query heads is stacked along the rows:
  // q [B, kv_heads, group·T, d] against k [B, kv_heads, total, d].
  q = q.view({batch, steps, kv_heads, group, head_dim})
          .permute({0, 2, 3, 1, 4})
          .reshape({batch, kv_heads, group * steps, head_dim});
  auto scores = torch::matmul(q, k.transpose(-1, -2)) / std::sqrt(static_cast<double>(head_dim));
  // The lowest finite value, not -inf, as in GPT-2: a padding query that
  // may see no key gets uniform weights rather than NaN.
  scores =
      scores.view({batch, kv_heads, group, steps, total})
          .masked_fill(allowed.unsqueeze(2).logical_not(), std::numeric_limits<float>::lowest());
  auto out = torch::matmul(torch::softmax(scores, -1).view({batch, kv_heads, group * steps, total}),
                           v);  // [B, kv_heads, group·T, d]
  out = out.view({batch, kv_heads, group, steps, head_dim})
            .permute({0, 3, 1, 2, 4})
            .reshape({batch, steps, heads * head_dim});
  return o_proj->forward(out);
}

LlamaMlpImpl::LlamaMlpImpl(const LlamaOptions& o) {
  auto linear = [&](int64_t in, int64_t out) {
    return nn::Linear(nn::LinearOptions(in, out).bias(o.mlp_bias));
  };
  gate_proj = register_module("gate_proj", linear(o.hidden_size, o.intermediate_size));
  up_proj = register_module("up_proj", linear(o.hidden_size, o.intermediate_size));
  down_proj = register_module("down_proj", linear(o.intermediate_size, o.hidden_size));
}

torch::Tensor LlamaMlpImpl::forward(const torch::Tensor& x) {
  return down_proj->forward(torch::silu(gate_proj->forward(x)) * up_proj->forward(x));
}

LlamaDecoderLayerImpl::LlamaDecoderLayerImpl(const LlamaOptions& o) {
  self_attn = register_module("self_attn", LlamaAttention(o));
  mlp = register_module("mlp", LlamaMlp(o));
  input_layernorm = register_module("input_layernorm", nn::RMSNorm(o.hidden_size, o.rms_norm_eps));
  post_attention_layernorm =
      register_module("post_attention_layernorm", nn::RMSNorm(o.hidden_size, o.rms_norm_eps));
}

torch::Tensor LlamaDecoderLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& cos,
                                             const torch::Tensor& sin, const torch::Tensor& allowed,
                                             int64_t layer, nn::KVCache* cache) {
  auto h = x + self_attn->forward(input_layernorm->forward(x), cos, sin, allowed, layer, cache);
  return h + mlp->forward(post_attention_layernorm->forward(h));
}

LlamaBackboneImpl::LlamaBackboneImpl(const LlamaOptions& options_)
    : options(options_), inv_freq(rope_inverse_frequencies(options_)) {
  embed_tokens =
      register_module("embed_tokens", nn::Embedding(options.vocab_size, options.hidden_size));
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < options.num_hidden_layers; ++i)
    layers->push_back(LlamaDecoderLayer(options));
  norm = register_module("norm", nn::RMSNorm(options.hidden_size, options.rms_norm_eps));
}

torch::Tensor LlamaBackboneImpl::forward(const torch::Tensor& input_ids,
                                         const torch::Tensor& attention_mask,
                                         const torch::Tensor& position_ids, nn::KVCache* cache) {
  const CausalInputs in = causal_inputs(
      input_ids, attention_mask, position_ids, cache,
      {options.kind == LlamaKind::kQwen2 ? "Qwen2" : "Llama", options.num_hidden_layers,
       options.max_position_embeddings, "max_position_embeddings"});
  // cos/sin [B, T, d] in fp32, one table for every layer: the angle of
  // position p in pair j is p · inv_freq[j], and both halves of d share it.
  const auto angles =
      in.positions.to(torch::kFloat).unsqueeze(-1) * inv_freq.to(input_ids.device());
  const auto doubled = torch::cat({angles, angles}, -1);
  const auto cos = doubled.cos(), sin = doubled.sin();

  auto x = embed_tokens->forward(input_ids);
  for (int64_t i = 0; i < options.num_hidden_layers; ++i)
    x = layers[i]->as<LlamaDecoderLayerImpl>()->forward(x, cos, sin, in.allowed, i, cache);
  return norm->forward(x);
}

LlamaForCausalLMImpl::LlamaForCausalLMImpl(const LlamaOptions& options) {
  model = register_module("model", LlamaBackbone(options));
  if (!options.tie_word_embeddings)
    lm_head = register_module(
        "lm_head",
        nn::Linear(nn::LinearOptions(options.hidden_size, options.vocab_size).bias(false)));
}

void LlamaForCausalLMImpl::init_weights() {
  torch::NoGradGuard no_grad;
  const double std = 0.02;
  for (auto& item : named_parameters()) {
    const auto& name = item.key();
    auto& p = item.value();
    if (ends_with(name, "layernorm.weight") || name == "model.norm.weight")
      p.fill_(1);
    else if (ends_with(name, ".bias"))
      p.zero_();
    else
      p.normal_(0, std);
  }
}

LlamaModel::LlamaModel(std::string name, const LlamaOptions& options, bool initialised)
    : name_(std::move(name)), net_(options), initialised_(initialised) {
  if (initialised_) net_->init_weights();
}

torch::Tensor LlamaModel::forward(const torch::Tensor& input_ids) {
  return forward_causal(input_ids.to(torch::kLong), {}, {}, nullptr);
}

torch::Tensor LlamaModel::logits(const torch::Tensor& hidden) {
  if (net_->lm_head) return net_->lm_head->forward(hidden);
  return nn::linear(hidden, net_->model->embed_tokens->weight);  // tied to the embeddings
}

torch::Tensor LlamaModel::forward_causal(const torch::Tensor& input_ids,
                                         const torch::Tensor& attention_mask,
                                         const torch::Tensor& position_ids, nn::KVCache* cache) {
  return logits(net_->model->forward(input_ids, attention_mask, position_ids, cache));
}

torch::Tensor LlamaModel::next_token_logits(const torch::Tensor& input_ids,
                                            const torch::Tensor& attention_mask,
                                            const torch::Tensor& position_ids, nn::KVCache* cache) {
  const auto hidden = net_->model->forward(input_ids, attention_mask, position_ids, cache);
  return logits(hidden.select(1, hidden.size(1) - 1));  // the head on one position only
}

LoadReport LlamaModel::load_weights(const Weights& weights, const LoadOptions& options) {
  FamilyLoadRules rules;
  if (net_->model->options.tie_word_embeddings)
    rules.tied = {{"lm_head.weight", "model.embed_tokens.weight"}};
  rules.ignore = rules.noted = is_rotary_buffer;
  rules.note = [](std::size_t n) {
    return std::to_string(n) +
           " rotary_emb.inv_freq buffers ignored: the model computes them from rope_theta and "
           "rope_scaling";
  };
  return load_family_weights(weights, options, rules, *net_, name_, initialised_,
                             [this] { net_->init_weights(); });
}

}  // namespace modelzoo::language

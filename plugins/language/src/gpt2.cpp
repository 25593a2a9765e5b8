#include "gpt2.h"

#include <c10/util/Exception.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <cmath>
#include <limits>
#include <utility>

#include "causal_inputs.h"
#include "family_load.h"
#include "hf_config.h"
#include "modelzoo/nn/linear.h"
#include "modelzoo/sdk/error.h"
#include "state_names.h"

namespace modelzoo::language {
namespace {

// The causal-mask buffers GPT2Attention registered before transformers
// made them non-persistent: constants of the architecture, not weights.
bool is_mask_buffer(const std::string& name) {
  return ends_with(name, ".attn.bias") || ends_with(name, ".attn.masked_bias");
}

}  // namespace

Gpt2Options Gpt2Options::from_config(const nlohmann::json& config) {
  Gpt2Options o;
  o.n_layer = positive_int(config, "n_layer", o.n_layer);
  o.n_head = positive_int(config, "n_head", o.n_head);
  o.n_embd = positive_int(config, "n_embd", o.n_embd);
  o.n_positions = config.contains("n_positions") ? positive_int(config, "n_positions", 0)
                                                 : positive_int(config, "n_ctx", o.n_positions);
  o.vocab_size = positive_int(config, "vocab_size", o.vocab_size);
  o.layer_norm_epsilon = positive_number(config, "layer_norm_epsilon", o.layer_norm_epsilon);
  check_divisible("n_embd", o.n_embd, "n_head", o.n_head);
  return o;
}

Conv1DImpl::Conv1DImpl(int64_t in_features, int64_t out_features) {
  weight = register_parameter("weight", torch::empty({in_features, out_features}));
  bias = register_parameter("bias", torch::empty({out_features}));
}

torch::Tensor Conv1DImpl::forward(const torch::Tensor& x) {
  auto sizes = x.sizes().vec();
  sizes.back() = weight.size(1);
  // One row (a batch-1 decode step) as a GEMV: the BLAS under LibTorch
  // here (OpenBLAS 0.3.21) runs a one-row GEMM through its whole GEMM path,
  // ~7x slower for these shapes (bench/language/README.md).
  if (x.numel() == x.size(-1)) return torch::addmv(bias, weight.t(), x.reshape({-1})).view(sizes);
  return torch::addmm(bias, x.reshape({-1, x.size(-1)}), weight).view(sizes);
}

Gpt2AttentionImpl::Gpt2AttentionImpl(int64_t n_embd, int64_t n_head_)
    : n_head(n_head_), head_dim(n_embd / n_head_) {
  c_attn = register_module("c_attn", Conv1D(n_embd, 3 * n_embd));
  c_proj = register_module("c_proj", Conv1D(n_embd, n_embd));
}

torch::Tensor Gpt2AttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& allowed,
                                         int64_t layer, nn::KVCache* cache) {
  const int64_t batch = x.size(0), steps = x.size(1), width = x.size(2);
  // [B, T, E] -> [B, heads, T, head_dim]
  auto heads = [&](const torch::Tensor& t) {
    return t.view({batch, steps, n_head, head_dim}).transpose(1, 2);
  };
  const auto qkv = c_attn->forward(x).split(width, /*dim=*/-1);
  torch::Tensor q = heads(qkv[0]), k = heads(qkv[1]), v = heads(qkv[2]);
  if (cache) std::tie(k, v) = cache->append(layer, k, v);
  auto scores = torch::matmul(q, k.transpose(-1, -2)) / std::sqrt(static_cast<double>(head_dim));
  // The lowest finite value, not -inf: a query that may see no key (a
  // padding position) gets uniform weights instead of NaN, which would
  // reach the real positions through the next layer's keys.
  scores = scores.masked_fill(allowed.logical_not(), std::numeric_limits<float>::lowest());
  auto out = torch::matmul(torch::softmax(scores, -1), v);
  return c_proj->forward(out.transpose(1, 2).reshape({batch, steps, width}));
}

Gpt2MlpImpl::Gpt2MlpImpl(int64_t n_embd) {
  c_fc = register_module("c_fc", Conv1D(n_embd, 4 * n_embd));
  c_proj = register_module("c_proj", Conv1D(4 * n_embd, n_embd));
}

torch::Tensor Gpt2MlpImpl::forward(const torch::Tensor& x) {
  return c_proj->forward(torch::gelu(c_fc->forward(x), "tanh"));  // gelu_new
}

Gpt2BlockImpl::Gpt2BlockImpl(const Gpt2Options& o) {
  ln_1 = register_module("ln_1",
                         nn::LayerNorm(nn::LayerNormOptions(o.n_embd).eps(o.layer_norm_epsilon)));
  attn = register_module("attn", Gpt2Attention(o.n_embd, o.n_head));
  ln_2 = register_module("ln_2",
                         nn::LayerNorm(nn::LayerNormOptions(o.n_embd).eps(o.layer_norm_epsilon)));
  mlp = register_module("mlp", Gpt2Mlp(o.n_embd));
}

torch::Tensor Gpt2BlockImpl::forward(const torch::Tensor& x, const torch::Tensor& allowed,
                                     int64_t layer, nn::KVCache* cache) {
  auto h = x + attn->forward(ln_1->forward(x), allowed, layer, cache);
  return h + mlp->forward(ln_2->forward(h));
}

Gpt2TransformerImpl::Gpt2TransformerImpl(const Gpt2Options& options_) : options(options_) {
  wte = register_module("wte", nn::Embedding(options.vocab_size, options.n_embd));
  wpe = register_module("wpe", nn::Embedding(options.n_positions, options.n_embd));
  h = register_module("h", torch::nn::ModuleList());
  for (int64_t i = 0; i < options.n_layer; ++i) h->push_back(Gpt2Block(options));
  ln_f = register_module(
      "ln_f", nn::LayerNorm(nn::LayerNormOptions(options.n_embd).eps(options.layer_norm_epsilon)));
}

torch::Tensor Gpt2TransformerImpl::forward(const torch::Tensor& input_ids,
                                           const torch::Tensor& attention_mask,
                                           const torch::Tensor& position_ids, nn::KVCache* cache) {
  const CausalInputs in =
      causal_inputs(input_ids, attention_mask, position_ids, cache,
                    {"GPT-2", options.n_layer, options.n_positions, "n_positions"});
  auto x = wte->forward(input_ids) + wpe->forward(in.positions);
  for (int64_t i = 0; i < options.n_layer; ++i)
    x = h[i]->as<Gpt2BlockImpl>()->forward(x, in.allowed, i, cache);
  return ln_f->forward(x);
}

void Gpt2TransformerImpl::init_weights() {
  torch::NoGradGuard no_grad;
  const double std = 0.02, residual_std = 0.02 / std::sqrt(2.0 * options.n_layer);
  wte->weight.normal_(0, std);
  wpe->weight.normal_(0, std);
  for (const auto& item : h->named_children()) {
    auto& block = *item.value()->as<Gpt2BlockImpl>();
    for (auto* ln : {&block.ln_1, &block.ln_2}) (*ln)->reset_parameters();
    block.attn->c_attn->weight.normal_(0, std);
    block.attn->c_proj->weight.normal_(0, residual_std);
    block.mlp->c_fc->weight.normal_(0, std);
    block.mlp->c_proj->weight.normal_(0, residual_std);
    for (auto* conv :
         {&block.attn->c_attn, &block.attn->c_proj, &block.mlp->c_fc, &block.mlp->c_proj})
      (*conv)->bias.zero_();
  }
  ln_f->reset_parameters();
}

Gpt2Model::Gpt2Model(std::string name, const Gpt2Options& options, bool initialised)
    : name_(std::move(name)), net_(options), initialised_(initialised) {
  if (initialised_) net_->init_weights();
}

torch::Tensor Gpt2Model::forward(const torch::Tensor& input_ids) {
  return forward_causal(input_ids.to(torch::kLong), {}, {}, nullptr);
}

torch::Tensor Gpt2Model::hidden_states(const torch::Tensor& input_ids,
                                       const torch::Tensor& attention_mask,
                                       const torch::Tensor& position_ids, nn::KVCache* cache) {
  return net_->forward(input_ids, attention_mask, position_ids, cache);
}

torch::Tensor Gpt2Model::logits(const torch::Tensor& hidden) {
  return nn::linear(hidden, net_->wte->weight);  // the tied head: hidden · wteᵀ
}

torch::Tensor Gpt2Model::next_token_logits(const torch::Tensor& input_ids,
                                           const torch::Tensor& attention_mask,
                                           const torch::Tensor& position_ids, nn::KVCache* cache) {
  const auto hidden = hidden_states(input_ids, attention_mask, position_ids, cache);
  return logits(hidden.select(1, hidden.size(1) - 1));  // the tied head on one position only
}

torch::Tensor Gpt2Model::forward_causal(const torch::Tensor& input_ids,
                                        const torch::Tensor& attention_mask,
                                        const torch::Tensor& position_ids, nn::KVCache* cache) {
  return logits(hidden_states(input_ids, attention_mask, position_ids, cache));
}

LoadReport Gpt2Model::load_weights(const Weights& weights, const LoadOptions& options) {
  LoadOptions mapped = options;
  mapped.strip_prefixes.push_back("transformer.");  // GPT2LMHeadModel's state dict
  FamilyLoadRules rules;
  rules.tied = {{"lm_head.weight", "wte.weight"}};
  rules.ignore = rules.noted = is_mask_buffer;
  rules.note = [](std::size_t n) {
    return std::to_string(n) +
           " causal-mask buffers (attn.bias, attn.masked_bias) ignored: the model builds its mask "
           "from the positions";
  };
  return load_family_weights(weights, mapped, rules, *net_, name_, initialised_,
                             [this] { net_->init_weights(); });
}

}  // namespace modelzoo::language

// A CausalLM of GPT-2 124M's shapes and computation (12 pre-LN blocks of
// width 768 and 12 heads, fused q|k|v Conv1D weights stored [in, out],
// gelu_new, ln_f, the head tied to wte), with random weights, in which each
// decode optimisation of the language plugin's Gpt2Model can be switched
// off to measure what it brings (`language_bench gpt2 … --ablation`). The
// bench's headline figures are the plugin's model, not this one.
// bench/language/python_peer.py computes the same thing in plain torch.
#pragma once

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <limits>
#include <vector>

#include "modelzoo/language_model.h"

namespace bench {

struct Gpt2ShapedOptions {
  int64_t n_layer = 12, n_head = 12, n_embd = 768, n_positions = 1024, vocab_size = 50257;
  /// Batch-1 head as at::mv(wte, h) instead of h @ wteᵀ (a GEMM of one row).
  bool head_mv = true;
  /// Conv1D as addmm(bias, x, W), the bias fused into the GEMM, instead of
  /// x @ W + bias (a second pass over the output).
  bool fused_bias = true;
  /// Layers of a batch-1 step as addmv(bias, Wᵀ, x) instead of addmm:
  /// OpenBLAS 0.3.21 (Debian's, under LibTorch here) runs a one-row GEMM
  /// through its full GEMM path, ~7× slower than its GEMV.
  bool decode_mv = true;
  /// The past kept by concatenating it with each step (a copy of the
  /// whole cache per layer and step) instead of the SDK KVCache's
  /// preallocated buffer. Batch 1 only (rows are never dropped).
  bool concat_cache = false;
};

class Gpt2Shaped : public modelzoo::CausalLM {
 public:
  explicit Gpt2Shaped(const Gpt2ShapedOptions& o, uint64_t seed = 0) : o_(o) {
    auto g = at::make_generator<at::CPUGeneratorImpl>(seed);
    const int64_t e = o.n_embd;
    const auto w = [&](std::vector<int64_t> shape) {
      return at::randn(shape, g, at::kFloat) * 0.02;
    };
    wte_ = w({o.vocab_size, e});
    wpe_ = w({o.n_positions, e});
    for (int64_t i = 0; i < o.n_layer; ++i)
      blocks_.push_back({at::ones({e}), at::zeros({e}), w({e, 3 * e}), at::zeros({3 * e}),
                         w({e, e}), at::zeros({e}), at::ones({e}), at::zeros({e}), w({e, 4 * e}),
                         at::zeros({4 * e}), w({4 * e, e}), at::zeros({e})});
    ln_f_w_ = at::ones({e});
    ln_f_b_ = at::zeros({e});
    past_k_.resize(static_cast<std::size_t>(o.n_layer));
    past_v_.resize(static_cast<std::size_t>(o.n_layer));
  }

  torch::Tensor forward_causal(const torch::Tensor& ids, const torch::Tensor& mask,
                               const torch::Tensor& positions,
                               modelzoo::nn::KVCache* cache) override {
    const auto h = body(ids, mask, positions, cache);
    return head(h.reshape({-1, o_.n_embd})).view({ids.size(0), ids.size(1), o_.vocab_size});
  }

  torch::Tensor next_token_logits(const torch::Tensor& ids, const torch::Tensor& mask,
                                  const torch::Tensor& positions,
                                  modelzoo::nn::KVCache* cache) override {
    return head(body(ids, mask, positions, cache).select(1, ids.size(1) - 1));
  }

  int64_t num_layers() const override { return o_.n_layer; }
  int64_t max_positions() const override { return o_.n_positions; }
  int64_t vocab_size() const override { return o_.vocab_size; }

  /// Bytes of weights one decode step reads: every block, ln_f, and the
  /// whole of wte for the head (the embedding rows and wpe row are noise).
  int64_t decode_weight_bytes() const {
    int64_t n = wte_.numel() + ln_f_w_.numel() + ln_f_b_.numel();
    for (const auto& b : blocks_)
      for (const auto* t : {&b.ln_1_w, &b.ln_1_b, &b.attn_w, &b.attn_b, &b.proj_w, &b.proj_b,
                            &b.ln_2_w, &b.ln_2_b, &b.fc_w, &b.fc_b, &b.mlp_proj_w, &b.mlp_proj_b})
        n += t->numel();
    return n * static_cast<int64_t>(sizeof(float));
  }

 private:
  struct Block {
    at::Tensor ln_1_w, ln_1_b, attn_w, attn_b, proj_w, proj_b, ln_2_w, ln_2_b, fc_w, fc_b,
        mlp_proj_w, mlp_proj_b;
  };

  /// HF's Conv1D: x [rows, in] · W [in, out] + b.
  at::Tensor conv1d(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) const {
    if (o_.decode_mv && x.size(0) == 1) return at::addmv(b, w.t(), x[0]).unsqueeze(0);
    return o_.fused_bias ? at::addmm(b, x, w) : at::matmul(x, w) + b;
  }

  at::Tensor head(const at::Tensor& h) const {  // [rows, E] -> [rows, vocab]
    if (o_.head_mv && h.size(0) == 1) return at::mv(wte_, h[0]).unsqueeze(0);
    return at::matmul(h, wte_.t());
  }

  std::pair<at::Tensor, at::Tensor> remember(int64_t layer, const at::Tensor& k,
                                             const at::Tensor& v, modelzoo::nn::KVCache* cache) {
    if (!o_.concat_cache) return cache->append(layer, k, v);
    auto& pk = past_k_[static_cast<std::size_t>(layer)];
    auto& pv = past_v_[static_cast<std::size_t>(layer)];
    if (cache->length() == 0 && layer == 0) {  // a new run
      std::fill(past_k_.begin(), past_k_.end(), at::Tensor());
      std::fill(past_v_.begin(), past_v_.end(), at::Tensor());
    }
    pk = pk.defined() ? at::cat({pk, k}, 2) : k.contiguous();
    pv = pv.defined() ? at::cat({pv, v}, 2) : v.contiguous();
    const auto length_only = at::empty({k.size(0), 1, k.size(2), 1});
    cache->append(layer, length_only, length_only);  // the cache only counts
    return {pk, pv};
  }

  at::Tensor body(const at::Tensor& ids, const at::Tensor& mask, const at::Tensor& positions,
                  modelzoo::nn::KVCache* cache) {
    const int64_t b = ids.size(0), n = ids.size(1), e = o_.n_embd, heads = o_.n_head, d = e / heads;
    const int64_t past = cache ? cache->length() : 0, total = past + n;
    // Which keys each query sees; not needed (all) for one new position
    // without padding, the common decode step.
    at::Tensor hidden_keys;
    if (n > 1 || !mask.eq(1).all().item<bool>()) {
      const auto causal = at::arange(total, at::kLong)
                              .view({1, total})
                              .le(at::arange(past, total, at::kLong).view({n, 1}));
      hidden_keys = causal.view({1, 1, n, total})
                        .logical_and(mask.view({b, 1, 1, total}).eq(1))
                        .logical_not();
    }
    auto x = (wte_.index_select(0, ids.reshape(-1)) + wpe_.index_select(0, positions.reshape(-1)));
    const double scale = 1.0 / std::sqrt(static_cast<double>(d));
    for (int64_t i = 0; i < o_.n_layer; ++i) {
      const auto& blk = blocks_[static_cast<std::size_t>(i)];
      auto h = at::layer_norm(x, {e}, blk.ln_1_w, blk.ln_1_b, 1e-5);
      const auto qkv = conv1d(h, blk.attn_w, blk.attn_b).view({b, n, 3, heads, d});
      const auto q = qkv.select(2, 0).transpose(1, 2);
      auto [k, v] = cache ? remember(i, qkv.select(2, 1).transpose(1, 2),
                                     qkv.select(2, 2).transpose(1, 2), cache)
                          : std::pair<at::Tensor, at::Tensor>{qkv.select(2, 1).transpose(1, 2),
                                                              qkv.select(2, 2).transpose(1, 2)};
      auto scores = at::matmul(q, k.transpose(2, 3)).mul_(scale);
      // The lowest finite value, not -inf: a padding query that sees no
      // key gets uniform weights instead of NaN.
      if (hidden_keys.defined())
        scores.masked_fill_(hidden_keys, std::numeric_limits<float>::lowest());
      const auto a = at::matmul(scores.softmax(3), v).transpose(1, 2).reshape({b * n, e});
      x = x + conv1d(a, blk.proj_w, blk.proj_b);
      h = at::layer_norm(x, {e}, blk.ln_2_w, blk.ln_2_b, 1e-5);
      x = x +
          conv1d(at::gelu(conv1d(h, blk.fc_w, blk.fc_b), "tanh"), blk.mlp_proj_w, blk.mlp_proj_b);
    }
    return at::layer_norm(x, {e}, ln_f_w_, ln_f_b_, 1e-5).view({b, n, e});
  }

  Gpt2ShapedOptions o_;
  at::Tensor wte_, wpe_, ln_f_w_, ln_f_b_;
  std::vector<Block> blocks_;
  std::vector<at::Tensor> past_k_, past_v_;  // concat_cache only
};

}  // namespace bench

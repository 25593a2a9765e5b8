// BERT (Devlin et al. 2018) with Hugging Face's parameter names:
// BertModel's `embeddings.*`, `encoder.layer.{i}.*`, `pooler.dense`, and —
// for the fill-mask models — BertForMaskedLM's head `cls.predictions.*`,
// whose decoder is tied to the word embeddings (logits = transform(h) ·
// word_embeddingsᵀ + cls.predictions.bias). sentence-transformers'
// all-MiniLM-L6-v2 is the same encoder without the head.
//
// What the family's commands use (plugins/language/src/commands/):
//
//   auto* bert = dynamic_cast<modelzoo::language::BertModel*>(loaded.model.get());
//   auto logits = bert->mlm_logits(ids, mask, types);   // fill-mask: [B, T, vocab]
//   auto vectors = bert->embed(ids, mask);              // feature-extraction: [B, hidden], unit L2
//
// (Across the plugin boundary these classes are not visible: a host app
// reaches the encoder through the SDK's TextEncoder capability and pools
// as mean_pool_normalized() below does.)
//
// Load rules (load_weights): the `bert.` prefix is stripped; the
// TensorFlow-era names `LayerNorm.gamma` / `LayerNorm.beta` read as
// `weight` / `bias`; `embeddings.position_ids` (a buffer older checkpoints
// saved) is ignored; the next-sentence head `cls.seq_relationship.*` of
// BertForPreTraining checkpoints is ignored, with a note; the decoder's
// `cls.predictions.decoder.weight` / `.bias` may be absent (tied) and when
// present must equal the word embeddings / `cls.predictions.bias`.
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
#include "modelzoo/nn/linear.h"
#include "modelzoo/nn/normalization.h"

namespace modelzoo::language {

/// BERT's hyper-parameters, under the names of Hugging Face's config.json.
struct BertOptions {
  int64_t num_hidden_layers = 12;
  int64_t hidden_size = 768;
  int64_t num_attention_heads = 12;
  int64_t intermediate_size = 3072;
  int64_t max_position_embeddings = 512;
  int64_t type_vocab_size = 2;
  double layer_norm_eps = 1e-12;
  int64_t vocab_size = 30522;
  /// BertForMaskedLM's cls.predictions head (fill-mask); not a config key:
  /// each entrypoint says whether its checkpoint has one.
  bool mlm_head = true;

  /// From a config (the manifest's defaults under the user's overrides, or
  /// a snapshot's config.json). Throws modelzoo::Error naming a bad value.
  static BertOptions from_config(const nlohmann::json& config, bool mlm_head);
};

/// Word + position + token-type embeddings, then LayerNorm.
struct BertEmbeddingsImpl : torch::nn::Module {
  explicit BertEmbeddingsImpl(const BertOptions& options);
  torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& token_type_ids);
  nn::Embedding word_embeddings{nullptr}, position_embeddings{nullptr},
      token_type_embeddings{nullptr};
  nn::LayerNorm LayerNorm{nullptr};  // NOLINT: the checkpoint's name
};
TORCH_MODULE(BertEmbeddings);

/// A post-LayerNorm encoder layer: self-attention (attention.self.query /
/// key / value, attention.output.dense + LayerNorm), then the feed-forward
/// (intermediate.dense, exact GELU, output.dense + LayerNorm).
struct BertLayerImpl : torch::nn::Module {
  explicit BertLayerImpl(const BertOptions& options);
  /// x [B, T, H]; `key_bias` [B, 1, 1, T]: 0 for real keys, a large
  /// negative value for padding.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& key_bias);
  int64_t heads;
  nn::Linear query{nullptr}, key{nullptr}, value{nullptr}, attention_output{nullptr},
      intermediate{nullptr}, output{nullptr};
  nn::LayerNorm attention_norm{nullptr}, output_norm{nullptr};
};
TORCH_MODULE(BertLayer);

/// BertModel, and BertForMaskedLM's head when options.mlm_head.
struct BertNetImpl : torch::nn::Module {
  explicit BertNetImpl(const BertOptions& options);
  /// Last hidden states [B, T, H].
  torch::Tensor encode(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                       const torch::Tensor& token_type_ids);
  /// transformers' _init_weights: normal(0, 0.02) weights and embeddings,
  /// zero biases (and the [PAD] row, id 0), unit LayerNorms.
  void init_weights();

  BertOptions options;
  BertEmbeddings embeddings{nullptr};
  torch::nn::ModuleList layers{nullptr};  ///< registered as encoder.layer
  nn::Linear pooler{nullptr};             ///< pooler.dense
  // cls.predictions (with the head only)
  nn::Linear transform{nullptr};          ///< cls.predictions.transform.dense
  nn::LayerNorm transform_norm{nullptr};  ///< cls.predictions.transform.LayerNorm
  torch::Tensor mlm_bias;                 ///< cls.predictions.bias [vocab]
};
TORCH_MODULE(BertNet);

/// The mean of `hidden` [B, T, H] over the real tokens of `attention_mask`
/// [B, T], divided by its L2 norm: sentence-transformers' Pooling(mean) +
/// Normalize, the sentence embedding of all-MiniLM-L6-v2. [B, H].
torch::Tensor mean_pool_normalized(const torch::Tensor& hidden,
                                   const torch::Tensor& attention_mask);

/// BERT as a modelzoo model. forward(input_ids) is the task's output: MLM
/// logits [B, T, vocab] with the head, the last hidden states [B, T, H]
/// without.
class BertModel : public Model, public TextEncoder {
 public:
  /// `initialised`: whether the parameters hold values (false under SkipInit).
  BertModel(std::string name, const BertOptions& options, bool initialised);

  torch::nn::Module& module() override { return *net_; }
  torch::Tensor forward(const torch::Tensor& input_ids) override;

  /// `attention_mask` and `token_type_ids` may be undefined (all real,
  /// segment A).
  torch::Tensor encode(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                       const torch::Tensor& token_type_ids) override;
  int64_t hidden_size() const override { return net_->options.hidden_size; }
  int64_t max_positions() const override { return net_->options.max_position_embeddings; }

  /// pooler: tanh(dense(hidden[:, 0])), [B, H].
  torch::Tensor pooled(const torch::Tensor& hidden);
  /// Fill-mask logits [B, T, vocab]; throws when the model has no MLM head.
  torch::Tensor mlm_logits(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                           const torch::Tensor& token_type_ids);
  /// Sentence embeddings [B, H]: mean_pool_normalized of encode().
  torch::Tensor embed(const torch::Tensor& input_ids, const torch::Tensor& attention_mask);
  bool has_mlm_head() const { return net_->options.mlm_head; }
  int64_t vocab_size() const { return net_->options.vocab_size; }

  LoadReport load_weights(const Weights& weights, const LoadOptions& options) override;
  using Model::load_weights;

  BertNet& net() { return net_; }

 private:
  std::string name_;
  BertNet net_;
  bool initialised_;
};

}  // namespace modelzoo::language

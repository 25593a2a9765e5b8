#include "bert.h"

#include <c10/util/Exception.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <cmath>
#include <limits>
#include <memory>
#include <utility>

#include "family_load.h"
#include "hf_config.h"
#include "modelzoo/formats/tensor_view.h"
#include "modelzoo/sdk/error.h"
#include "state_names.h"

namespace modelzoo::language {
namespace {

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

// A module that only carries a level of Hugging Face's names
// ("attention" of attention.self.query): its children do the work.
torch::nn::Module& scope(torch::nn::Module& parent, const std::string& name) {
  return *parent.register_module(name, std::make_shared<torch::nn::Module>());
}

nn::LayerNorm layer_norm(const BertOptions& o) {
  return nn::LayerNorm(nn::LayerNormOptions(o.hidden_size).eps(o.layer_norm_eps));
}

std::string shape_of(const torch::Tensor& t) {
  return formats::shape_text(t.sizes().vec());
}

// The next-sentence head of BertForPreTraining, which fill-mask does not use.
bool is_nsp_head(const std::string& name) {
  return starts_with(name, "cls.seq_relationship.");
}

}  // namespace

BertOptions BertOptions::from_config(const nlohmann::json& config, bool mlm_head) {
  BertOptions o;
  o.num_hidden_layers = positive_int(config, "num_hidden_layers", o.num_hidden_layers);
  o.hidden_size = positive_int(config, "hidden_size", o.hidden_size);
  o.num_attention_heads = positive_int(config, "num_attention_heads", o.num_attention_heads);
  o.intermediate_size = positive_int(config, "intermediate_size", o.intermediate_size);
  o.max_position_embeddings =
      positive_int(config, "max_position_embeddings", o.max_position_embeddings);
  o.type_vocab_size = positive_int(config, "type_vocab_size", o.type_vocab_size);
  o.layer_norm_eps = positive_number(config, "layer_norm_eps", o.layer_norm_eps);
  o.vocab_size = positive_int(config, "vocab_size", o.vocab_size);
  o.mlm_head = mlm_head;
  check_divisible("hidden_size", o.hidden_size, "num_attention_heads", o.num_attention_heads);
  return o;
}

BertEmbeddingsImpl::BertEmbeddingsImpl(const BertOptions& o) {
  word_embeddings = register_module("word_embeddings", nn::Embedding(o.vocab_size, o.hidden_size));
  position_embeddings = register_module("position_embeddings",
                                        nn::Embedding(o.max_position_embeddings, o.hidden_size));
  token_type_embeddings =
      register_module("token_type_embeddings", nn::Embedding(o.type_vocab_size, o.hidden_size));
  LayerNorm = register_module("LayerNorm", layer_norm(o));
}

torch::Tensor BertEmbeddingsImpl::forward(const torch::Tensor& input_ids,
                                          const torch::Tensor& token_type_ids) {
  const int64_t steps = input_ids.size(1);
  TORCH_CHECK(steps <= position_embeddings->num_embeddings, "BERT: ", steps,
              " tokens exceed max_position_embeddings (", position_embeddings->num_embeddings,
              "); truncate the input");
  const auto positions = torch::arange(steps, input_ids.options()).unsqueeze(0);
  return LayerNorm->forward(word_embeddings->forward(input_ids) +
                            position_embeddings->forward(positions) +
                            token_type_embeddings->forward(token_type_ids));
}

BertLayerImpl::BertLayerImpl(const BertOptions& o) : heads(o.num_attention_heads) {
  const int64_t h = o.hidden_size, f = o.intermediate_size;
  auto& attention = scope(*this, "attention");
  auto& self = scope(attention, "self");
  query = self.register_module("query", nn::Linear(h, h));
  key = self.register_module("key", nn::Linear(h, h));
  value = self.register_module("value", nn::Linear(h, h));
  auto& attention_out = scope(attention, "output");
  attention_output = attention_out.register_module("dense", nn::Linear(h, h));
  attention_norm = attention_out.register_module("LayerNorm", layer_norm(o));
  intermediate = scope(*this, "intermediate").register_module("dense", nn::Linear(h, f));
  auto& out = scope(*this, "output");
  output = out.register_module("dense", nn::Linear(f, h));
  output_norm = out.register_module("LayerNorm", layer_norm(o));
}

torch::Tensor BertLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& key_bias) {
  const int64_t batch = x.size(0), steps = x.size(1), width = x.size(2);
  if (!torch::GradMode::is_enabled()) {
    // Inference: the same layer as one call of PyTorch's fused encoder
    // layer (nn.TransformerEncoderLayer's fast path: q|k|v as one GEMM,
    // masked softmax, post-LN, exact GELU), 20% faster for BERT-base
    // (bench/language/README.md). It has no autograd, hence only here.
    const auto pads = key_bias.view({batch, steps}).lt(0);
    const bool padded = pads.any().item<bool>();
    return torch::_transformer_encoder_layer_fwd(
        x, width, heads, torch::cat({query->weight, key->weight, value->weight}),
        torch::cat({query->bias, key->bias, value->bias}), attention_output->weight,
        attention_output->bias, /*use_gelu=*/true, /*norm_first=*/false,
        attention_norm->options.eps(), attention_norm->weight, attention_norm->bias,
        output_norm->weight, output_norm->bias, intermediate->weight, intermediate->bias,
        output->weight, output->bias, padded ? c10::optional<torch::Tensor>(pads) : c10::nullopt,
        padded ? c10::optional<int64_t>(1) : c10::nullopt);  // 1: a key padding mask
  }
  const int64_t head_dim = width / heads;
  auto split = [&](const torch::Tensor& t) {
    return t.view({batch, steps, heads, head_dim}).transpose(1, 2);
  };
  const auto q = split(query->forward(x)), k = split(key->forward(x)), v = split(value->forward(x));
  auto scores = torch::matmul(q, k.transpose(-1, -2)) / std::sqrt(static_cast<double>(head_dim));
  const auto context = torch::matmul(torch::softmax(scores + key_bias, -1), v)
                           .transpose(1, 2)
                           .reshape({batch, steps, width});
  const auto h = attention_norm->forward(attention_output->forward(context) + x);
  return output_norm->forward(output->forward(torch::gelu(intermediate->forward(h))) + h);
}

BertNetImpl::BertNetImpl(const BertOptions& options_) : options(options_) {
  embeddings = register_module("embeddings", BertEmbeddings(options));
  layers = scope(*this, "encoder").register_module("layer", torch::nn::ModuleList());
  for (int64_t i = 0; i < options.num_hidden_layers; ++i) layers->push_back(BertLayer(options));
  pooler = scope(*this, "pooler")
               .register_module("dense", nn::Linear(options.hidden_size, options.hidden_size));
  if (options.mlm_head) {
    auto& predictions = scope(scope(*this, "cls"), "predictions");
    auto& transform_scope = scope(predictions, "transform");
    transform = transform_scope.register_module(
        "dense", nn::Linear(options.hidden_size, options.hidden_size));
    transform_norm = transform_scope.register_module("LayerNorm", layer_norm(options));
    mlm_bias = predictions.register_parameter("bias", torch::empty({options.vocab_size}));
  }
}

torch::Tensor BertNetImpl::encode(const torch::Tensor& input_ids,
                                  const torch::Tensor& attention_mask,
                                  const torch::Tensor& token_type_ids) {
  TORCH_CHECK(input_ids.dim() == 2, "BERT: expected input_ids [batch, tokens] (got ",
              shape_of(input_ids), ")");
  const auto ids = input_ids.to(torch::kLong);
  const auto mask = attention_mask.defined() ? attention_mask : torch::ones_like(ids);
  const auto types =
      token_type_ids.defined() ? token_type_ids.to(torch::kLong) : torch::zeros_like(ids);
  TORCH_CHECK(mask.sizes() == ids.sizes() && types.sizes() == ids.sizes(),
              "BERT: expected attention_mask and token_type_ids of input_ids' shape ",
              shape_of(ids), " (got ", shape_of(mask), " and ", shape_of(types), ")");
  auto x = embeddings->forward(ids, types);
  // Padding keys get the lowest finite value added (transformers'
  // extended attention mask): no weight after the softmax.
  const auto key_bias = (1.0 - mask.to(x.dtype()))
                            .mul(std::numeric_limits<float>::lowest())
                            .view({ids.size(0), 1, 1, ids.size(1)});
  for (const auto& layer : *layers) x = layer->as<BertLayerImpl>()->forward(x, key_bias);
  return x;
}

void BertNetImpl::init_weights() {
  torch::NoGradGuard no_grad;
  for (const auto& m : modules(/*include_self=*/false)) {
    if (auto* linear = m->as<nn::LinearImpl>()) {
      linear->weight.normal_(0, 0.02);
      linear->bias.zero_();
    } else if (auto* table = m->as<nn::EmbeddingImpl>()) {
      table->weight.normal_(0, 0.02);
    } else if (auto* norm = m->as<nn::LayerNormImpl>()) {
      norm->reset_parameters();
    }
  }
  embeddings->word_embeddings->weight[0].zero_();  // pad_token_id 0
  if (mlm_bias.defined()) mlm_bias.zero_();
}

torch::Tensor mean_pool_normalized(const torch::Tensor& hidden,
                                   const torch::Tensor& attention_mask) {
  const auto mask = attention_mask.to(hidden.dtype()).unsqueeze(-1);
  const auto mean = (hidden * mask).sum(1) / mask.sum(1).clamp_min(1e-9);
  return mean / mean.norm(2, -1, /*keepdim=*/true).clamp_min(1e-12);
}

BertModel::BertModel(std::string name, const BertOptions& options, bool initialised)
    : name_(std::move(name)), net_(options), initialised_(initialised) {
  if (initialised_) net_->init_weights();
}

torch::Tensor BertModel::forward(const torch::Tensor& input_ids) {
  return has_mlm_head() ? mlm_logits(input_ids, {}, {}) : encode(input_ids, {}, {});
}

torch::Tensor BertModel::encode(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                                const torch::Tensor& token_type_ids) {
  return net_->encode(input_ids, attention_mask, token_type_ids);
}

torch::Tensor BertModel::pooled(const torch::Tensor& hidden) {
  return torch::tanh(net_->pooler->forward(hidden.select(1, 0)));
}

torch::Tensor BertModel::mlm_logits(const torch::Tensor& input_ids,
                                    const torch::Tensor& attention_mask,
                                    const torch::Tensor& token_type_ids) {
  if (!has_mlm_head())
    throw Error(name_ + " has no masked-language-model head (it is a " +
                "feature-extraction model); use embed() or encode()");
  const auto hidden = encode(input_ids, attention_mask, token_type_ids);
  const auto h = net_->transform_norm->forward(torch::gelu(net_->transform->forward(hidden)));
  return torch::matmul(h, net_->embeddings->word_embeddings->weight.t()) + net_->mlm_bias;
}

torch::Tensor BertModel::embed(const torch::Tensor& input_ids,
                               const torch::Tensor& attention_mask) {
  const auto mask = attention_mask.defined() ? attention_mask : torch::ones_like(input_ids);
  return mean_pool_normalized(encode(input_ids, mask, {}), mask);
}

LoadReport BertModel::load_weights(const Weights& weights, const LoadOptions& options) {
  LoadOptions mapped = options;
  mapped.strip_prefixes.push_back("bert.");  // BertForMaskedLM / BertForPreTraining
  mapped.remap = [user = options.remap](const std::string& key) {
    std::string name = user ? user(key) : key;
    // TensorFlow-converted checkpoints (the original bert-base-*) name
    // LayerNorm's affine gamma and beta.
    if (ends_with(name, "LayerNorm.gamma")) return name.substr(0, name.size() - 5) + "weight";
    if (ends_with(name, "LayerNorm.beta")) return name.substr(0, name.size() - 4) + "bias";
    return name;
  };
  const bool head = has_mlm_head();
  FamilyLoadRules rules;
  if (head)
    rules.tied = {{"cls.predictions.decoder.weight", "embeddings.word_embeddings.weight"},
                  {"cls.predictions.decoder.bias", "cls.predictions.bias"}};
  rules.ignore = [head](const std::string& name) {
    return name == "embeddings.position_ids" || (head && is_nsp_head(name));
  };
  rules.noted = is_nsp_head;
  rules.note = [this](std::size_t n) {
    return "cls.seq_relationship.*: the next-sentence head (" + std::to_string(n) +
           " tensors), which " + name_ + " does not use, ignored";
  };
  return load_family_weights(weights, mapped, rules, *net_, name_, initialised_,
                             [this] { net_->init_weights(); });
}

}  // namespace modelzoo::language

#include "wav2vec2.h"

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <torch/nn/init.h>

#include <cmath>
#include <memory>
#include <set>
#include <utility>

#include "modelzoo/sdk/error.h"

namespace modelzoo::audio {
namespace {

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

// A module that only carries a level of torchaudio's names ("encoder" of
// encoder.transformer.layers): its children do the work.
torch::nn::Module& scope(torch::nn::Module& parent, const std::string& name) {
  return *parent.register_module(name, std::make_shared<torch::nn::Module>());
}

int64_t positive(const nlohmann::json& config, const char* key, int64_t fallback) {
  const auto it = config.find(key);
  if (it == config.end() || it->is_null()) return fallback;
  if (!it->is_number_integer() || it->get<int64_t>() <= 0)
    throw Error(std::string("config '") + key + "': expected a positive integer (got " +
                it->dump() + ")");
  return it->get<int64_t>();
}

bool flag(const nlohmann::json& config, const char* key, bool fallback) {
  const auto it = config.find(key);
  if (it == config.end() || it->is_null()) return fallback;
  if (!it->is_boolean())
    throw Error(std::string("config '") + key + "': expected true or false (got " + it->dump() +
                ")");
  return it->get<bool>();
}

// Valid frames after a conv of `kernel` and `stride`: torchaudio's
// floor((length - kernel) / stride) + 1, never negative.
torch::Tensor conv_lengths(const torch::Tensor& lengths, int64_t kernel, int64_t stride) {
  return at::clamp_min(at::div(lengths - kernel, stride, "floor") + 1, 0);
}

nn::LayerNorm layer_norm(int64_t dim) {
  return nn::LayerNorm(nn::LayerNormOptions(dim).eps(1e-5));
}

}  // namespace

Wav2Vec2Options Wav2Vec2Options::from_config(const nlohmann::json& config) {
  Wav2Vec2Options o;
  if (auto it = config.find("extractor_mode"); it != config.end() && !it->is_null()) {
    if (!it->is_string() || (*it != "group_norm" && *it != "layer_norm"))
      throw Error("config 'extractor_mode': expected \"group_norm\" or \"layer_norm\" (got " +
                  it->dump() + ")");
    o.extractor_mode = it->get<std::string>();
  }
  if (auto it = config.find("extractor_conv_layer_config"); it != config.end() && !it->is_null()) {
    const std::string what =
        "config 'extractor_conv_layer_config': expected a non-empty array of [out_channels, "
        "kernel, stride] positive integers (got " +
        it->dump() + ")";
    if (!it->is_array() || it->empty()) throw Error(what);
    o.extractor_conv_layer_config.clear();
    for (const auto& layer : *it) {
      if (!layer.is_array() || layer.size() != 3) throw Error(what);
      std::array<int64_t, 3> values{};
      for (size_t i = 0; i < 3; ++i) {
        if (!layer[i].is_number_integer() || layer[i].get<int64_t>() <= 0) throw Error(what);
        values[i] = layer[i].get<int64_t>();
      }
      o.extractor_conv_layer_config.push_back(values);
    }
  }
  o.extractor_conv_bias = flag(config, "extractor_conv_bias", o.extractor_conv_bias);
  o.encoder_embed_dim = positive(config, "encoder_embed_dim", o.encoder_embed_dim);
  o.encoder_pos_conv_kernel =
      positive(config, "encoder_pos_conv_kernel", o.encoder_pos_conv_kernel);
  o.encoder_pos_conv_groups =
      positive(config, "encoder_pos_conv_groups", o.encoder_pos_conv_groups);
  o.encoder_num_layers = positive(config, "encoder_num_layers", o.encoder_num_layers);
  o.encoder_num_heads = positive(config, "encoder_num_heads", o.encoder_num_heads);
  o.encoder_ff_interm_features =
      positive(config, "encoder_ff_interm_features", o.encoder_ff_interm_features);
  o.encoder_layer_norm_first = flag(config, "encoder_layer_norm_first", o.encoder_layer_norm_first);
  if (auto it = config.find("aux_num_out"); it != config.end() && !it->is_null())
    o.aux_num_out = positive(config, "aux_num_out", 0);
  if (auto it = config.find("labels"); it != config.end() && it->is_array() && o.aux_num_out &&
                                       static_cast<int64_t>(it->size()) != *o.aux_num_out)
    throw Error("config: " + std::to_string(it->size()) + " labels for a CTC head of " +
                std::to_string(*o.aux_num_out) +
                " outputs (aux_num_out); give one label per output");
  if (o.encoder_embed_dim % o.encoder_num_heads != 0)
    throw Error("config: encoder_embed_dim (" + std::to_string(o.encoder_embed_dim) +
                ") must be a multiple of encoder_num_heads (" +
                std::to_string(o.encoder_num_heads) + ")");
  if (o.encoder_embed_dim % o.encoder_pos_conv_groups != 0)
    throw Error("config: encoder_embed_dim (" + std::to_string(o.encoder_embed_dim) +
                ") must be a multiple of encoder_pos_conv_groups (" +
                std::to_string(o.encoder_pos_conv_groups) + ")");
  return o;
}

ConvLayerBlockImpl::ConvLayerBlockImpl(int64_t in_channels, int64_t out_channels, int64_t kernel_,
                                       int64_t stride_, bool with_bias, const std::string& norm_)
    : kernel(kernel_), stride(stride_), norm(norm_) {
  auto& conv = scope(*this, "conv");
  weight = conv.register_parameter("weight", torch::empty({out_channels, in_channels, kernel}));
  if (with_bias) bias = conv.register_parameter("bias", torch::empty({out_channels}));
  if (!norm.empty()) {
    auto& n = scope(*this, "layer_norm");
    norm_weight = n.register_parameter("weight", torch::empty({out_channels}));
    norm_bias = n.register_parameter("bias", torch::empty({out_channels}));
  }
}

torch::Tensor ConvLayerBlockImpl::forward(const torch::Tensor& x) {
  torch::Tensor y;
  if (x.size(1) == 1) {
    // The first layer reads the waveform: one input channel, which
    // LibTorch's conv1d runs at a fraction of GEMM speed. The same sums as
    // one GEMM of the strided windows: [B, T, k] x [k, C] (2x faster).
    y = at::matmul(x.squeeze(1).unfold(1, kernel, stride),
                   weight.view({weight.size(0), kernel}).t());
    if (bias.defined()) y = y + bias;
    y = y.transpose(1, 2);
  } else {
    y = at::conv1d(x, weight, bias, {stride});
  }
  if (norm == "group_norm") {
    // One group per channel: each channel normalised over time.
    y = at::group_norm(y, y.size(1), norm_weight, norm_bias, 1e-5);
  } else if (norm == "layer_norm") {
    y = at::layer_norm(y.transpose(-2, -1), {y.size(1)}, norm_weight, norm_bias, 1e-5)
            .transpose(-2, -1);
  }
  return at::gelu(y);
}

EncoderLayerImpl::EncoderLayerImpl(const Wav2Vec2Options& o)
    : heads(o.encoder_num_heads), norm_first(o.encoder_layer_norm_first) {
  const int64_t d = o.encoder_embed_dim, f = o.encoder_ff_interm_features;
  auto& attention = scope(*this, "attention");
  k_proj = attention.register_module("k_proj", nn::Linear(d, d));
  v_proj = attention.register_module("v_proj", nn::Linear(d, d));
  q_proj = attention.register_module("q_proj", nn::Linear(d, d));
  out_proj = attention.register_module("out_proj", nn::Linear(d, d));
  layer_norm = register_module("layer_norm", audio::layer_norm(d));
  auto& feed_forward = scope(*this, "feed_forward");
  intermediate_dense = feed_forward.register_module("intermediate_dense", nn::Linear(d, f));
  output_dense = feed_forward.register_module("output_dense", nn::Linear(f, d));
  final_layer_norm = register_module("final_layer_norm", audio::layer_norm(d));
}

torch::Tensor EncoderLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& key_padding) {
  const bool padded = key_padding.defined();
  if (!torch::GradMode::is_enabled()) {
    // Inference: the layer as one call of PyTorch's fused encoder layer
    // (nn.TransformerEncoderLayer's fast path: q|k|v as one GEMM, masked
    // softmax, exact GELU), post- or pre-LN as the layer is. The masked
    // keys get -inf where torchaudio adds -10000 before its softmax; both
    // make their weights exactly 0 in float32.
    return at::_transformer_encoder_layer_fwd(
        x, x.size(2), heads, at::cat({q_proj->weight, k_proj->weight, v_proj->weight}),
        at::cat({q_proj->bias, k_proj->bias, v_proj->bias}), out_proj->weight, out_proj->bias,
        /*use_gelu=*/true, norm_first, layer_norm->options.eps(), layer_norm->weight,
        layer_norm->bias, final_layer_norm->weight, final_layer_norm->bias,
        intermediate_dense->weight, intermediate_dense->bias, output_dense->weight,
        output_dense->bias, padded ? c10::optional<at::Tensor>(key_padding) : c10::nullopt,
        padded ? c10::optional<int64_t>(1) : c10::nullopt);  // 1: a key padding mask
  }
  const int64_t batch = x.size(0), steps = x.size(1), width = x.size(2);
  const int64_t head_dim = width / heads;
  auto attend = [&](const torch::Tensor& h) {
    auto split = [&](const torch::Tensor& t) {
      return t.view({batch, steps, heads, head_dim}).transpose(1, 2);
    };
    const auto q = split(q_proj->forward(h)) * std::pow(static_cast<double>(head_dim), -0.5);
    auto weights = at::matmul(q, split(k_proj->forward(h)).transpose(-1, -2));
    if (padded) weights = weights + key_padding.view({batch, 1, 1, steps}).to(x.dtype()) * -10000.0;
    const auto context = at::matmul(at::softmax(weights, -1), split(v_proj->forward(h)));
    return out_proj->forward(context.transpose(1, 2).reshape({batch, steps, width}));
  };
  auto feed_forward = [&](const torch::Tensor& h) {
    return output_dense->forward(at::gelu(intermediate_dense->forward(h)));
  };
  if (norm_first) {
    const auto h = x + attend(layer_norm->forward(x));
    return h + feed_forward(final_layer_norm->forward(h));
  }
  const auto h = layer_norm->forward(x + attend(x));
  return final_layer_norm->forward(h + feed_forward(h));
}

Wav2Vec2NetImpl::Wav2Vec2NetImpl(const Wav2Vec2Options& options_) : options(options_) {
  const int64_t d = options.encoder_embed_dim;
  conv_layers =
      scope(*this, "feature_extractor").register_module("conv_layers", torch::nn::ModuleList());
  int64_t in_channels = 1;
  for (size_t i = 0; i < options.extractor_conv_layer_config.size(); ++i) {
    const auto& [out, kernel, stride] = options.extractor_conv_layer_config[i];
    const std::string norm = options.extractor_mode == "layer_norm" ? "layer_norm"
                             : i == 0                               ? "group_norm"
                                                                    : "";
    conv_layers->push_back(
        ConvLayerBlock(in_channels, out, kernel, stride, options.extractor_conv_bias, norm));
    in_channels = out;
  }
  auto& encoder = scope(*this, "encoder");
  auto& feature_projection = scope(encoder, "feature_projection");
  projection_norm = feature_projection.register_module("layer_norm", layer_norm(in_channels));
  projection = feature_projection.register_module("projection", nn::Linear(in_channels, d));
  auto& transformer = scope(encoder, "transformer");
  auto& pos_conv = scope(scope(transformer, "pos_conv_embed"), "conv");
  const int64_t k = options.encoder_pos_conv_kernel;
  pos_bias = pos_conv.register_parameter("bias", torch::empty({d}));
  pos_weight_g = pos_conv.register_parameter("weight_g", torch::empty({1, 1, k}));
  pos_weight_v = pos_conv.register_parameter(
      "weight_v", torch::empty({d, d / options.encoder_pos_conv_groups, k}));
  transformer_norm = transformer.register_module("layer_norm", layer_norm(d));
  layers = transformer.register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < options.encoder_num_layers; ++i) layers->push_back(EncoderLayer(options));
  if (options.aux_num_out) aux = register_module("aux", nn::Linear(d, *options.aux_num_out));
}

void Wav2Vec2NetImpl::reset_parameters() {
  torch::NoGradGuard no_grad;
  for (auto& item : named_parameters()) {
    auto& p = item.value();
    const std::string& name = item.key();
    const bool norm = name.find("layer_norm.") != std::string::npos;
    if (norm) {
      name.size() >= 6 && name.compare(name.size() - 6, 6, "weight") == 0 ? p.fill_(1.0)
                                                                          : p.zero_();
    } else if (p.dim() == 1) {
      p.zero_();
    } else if (name.find("weight_g") != std::string::npos) {
      p.fill_(1.0);
    } else {
      // fairseq's init_bert_params for the transformer's linears, Kaiming
      // for the convolutions.
      p.dim() == 2 ? p.normal_(0.0, 0.02) : torch::nn::init::kaiming_normal_(p);
    }
  }
}

int64_t Wav2Vec2NetImpl::frames_for(int64_t samples) const {
  for (const auto& [out, kernel, stride] : options.extractor_conv_layer_config) {
    (void)out;
    samples = samples < kernel ? 0 : (samples - kernel) / stride + 1;
  }
  return samples;
}

torch::Tensor Wav2Vec2NetImpl::encoder_input(const torch::Tensor& waveforms,
                                             const torch::Tensor& lengths,
                                             torch::Tensor& frame_lengths, torch::Tensor& padding) {
  TORCH_CHECK(waveforms.dim() == 2, "wav2vec2: expected waveforms [batch, samples] (got ",
              waveforms.sizes(), ")");
  TORCH_CHECK(!lengths.defined() || (lengths.dim() == 1 && lengths.size(0) == waveforms.size(0)),
              "wav2vec2: expected one length per waveform (got ",
              lengths.defined() ? lengths.sizes() : at::IntArrayRef{}, ")");
  const int64_t first_kernel = options.extractor_conv_layer_config.front()[1];
  TORCH_CHECK(frames_for(waveforms.size(1)) > 0, "wav2vec2: ", waveforms.size(1),
              " samples are too short for one frame (the feature extractor needs at least ",
              first_kernel, ")");
  auto x = waveforms.unsqueeze(1);
  torch::Tensor valid = lengths.defined() ? lengths.to(at::kLong) : torch::Tensor();
  for (const auto& layer : *conv_layers) {
    auto* block = layer->as<ConvLayerBlockImpl>();
    x = block->forward(x);
    if (valid.defined()) valid = conv_lengths(valid, block->kernel, block->stride);
  }
  x = projection->forward(projection_norm->forward(x.transpose(1, 2)));
  const int64_t steps = x.size(1);
  if (valid.defined()) {
    padding = at::arange(steps, valid.options()).unsqueeze(0) >= valid.unsqueeze(1);
    x = x.masked_fill(padding.unsqueeze(-1), 0.0);
  }
  frame_lengths = valid;
  // The weight-normed positional conv: weight = g * v / ||v||, the norm
  // over every dim but the kernel's (torch.nn.utils.weight_norm, dim=2).
  const auto weight = at::_weight_norm(pos_weight_v, pos_weight_g, 2);
  const int64_t k = options.encoder_pos_conv_kernel;
  auto pos = at::conv1d(x.transpose(1, 2), weight, pos_bias, {1}, {k / 2}, {1},
                        options.encoder_pos_conv_groups);
  if (k % 2 == 0) pos = pos.narrow(2, 0, pos.size(2) - 1);  // an even kernel makes one frame more
  x = x + at::gelu(pos).transpose(1, 2);
  if (!options.encoder_layer_norm_first) x = transformer_norm->forward(x);
  return x;
}

torch::Tensor Wav2Vec2NetImpl::forward(const torch::Tensor& waveforms) {
  return forward_with_lengths(waveforms, {}).first;
}

std::pair<torch::Tensor, torch::Tensor> Wav2Vec2NetImpl::forward_with_lengths(
    const torch::Tensor& waveforms, const torch::Tensor& lengths) {
  torch::Tensor frame_lengths, padding;
  auto x = encoder_input(waveforms, lengths, frame_lengths, padding);
  for (const auto& layer : *layers) x = layer->as<EncoderLayerImpl>()->forward(x, padding);
  if (options.encoder_layer_norm_first) x = transformer_norm->forward(x);
  if (aux) x = aux->forward(x);
  return {x, frame_lengths};
}

std::pair<std::vector<torch::Tensor>, torch::Tensor> Wav2Vec2NetImpl::extract_features(
    const torch::Tensor& waveforms, const torch::Tensor& lengths, int64_t num_layers) {
  const int64_t total = static_cast<int64_t>(layers->size());
  TORCH_CHECK(num_layers >= 0 && num_layers <= total, "wav2vec2: num_layers must be in [1, ", total,
              "] (got ", num_layers, ")");
  torch::Tensor frame_lengths, padding;
  auto x = encoder_input(waveforms, lengths, frame_lengths, padding);
  std::vector<torch::Tensor> outputs;
  for (const auto& layer : *layers) {
    x = layer->as<EncoderLayerImpl>()->forward(x, padding);
    outputs.push_back(x);
    if (num_layers > 0 && static_cast<int64_t>(outputs.size()) >= num_layers) break;
  }
  return {outputs, frame_lengths};
}

std::string torchaudio_name(const std::string& checkpoint_name) {
  std::string name = checkpoint_name;
  for (const char* prefix : {"wav2vec2.", "hubert."})
    if (starts_with(name, prefix)) name = name.substr(std::string(prefix).size());
  if (starts_with(name, "lm_head.")) return "aux." + name.substr(8);
  if (starts_with(name, "feature_projection.")) return "encoder." + name;
  if (starts_with(name, "encoder.") && !starts_with(name, "encoder.transformer.") &&
      !starts_with(name, "encoder.feature_projection."))
    name = "encoder.transformer." + name.substr(8);
  // Newer transformers save weight_norm as a parametrization.
  const std::string parametrized = "pos_conv_embed.conv.parametrizations.weight.original";
  if (const size_t at = name.find(parametrized); at != std::string::npos) {
    const std::string which = name.substr(at + parametrized.size());
    if (which == "0" || which == "1")
      name = name.substr(0, at) + "pos_conv_embed.conv." + (which == "0" ? "weight_g" : "weight_v");
  }
  return name;
}

Wav2Vec2Model::Wav2Vec2Model(std::string name, const Wav2Vec2Options& options, bool init)
    : ModuleModel<Wav2Vec2Net>(Wav2Vec2Net(options)), name_(std::move(name)), initialised_(init) {
  if (init) net()->reset_parameters();
}

std::vector<std::pair<std::string, torch::Tensor>> Wav2Vec2Model::forward_features(
    const torch::Tensor& input) {
  auto [outputs, lengths] = net()->extract_features(input);
  std::vector<std::pair<std::string, torch::Tensor>> named;
  for (size_t i = 0; i < outputs.size(); ++i)
    named.emplace_back("layer" + std::to_string(i + 1), outputs[i]);
  return named;
}

LoadReport Wav2Vec2Model::load_weights(const Weights& weights, const LoadOptions& user) {
  LoadOptions options = user;
  const auto family_remap = user.remap;
  options.remap = [family_remap](const std::string& name) {
    return torchaudio_name(family_remap ? family_remap(name) : name);
  };
  const auto user_ignore = user.ignore;
  // The mask embedding is used only when pre-training masks frames.
  auto pretraining_only = [](const std::string& name) {
    return name == "masked_spec_embed" || name == "label_embs_concat";
  };

  // A CTC head with fairseq's dictionary (32 outputs) for 29 labels:
  // outputs 1-3 (<s>, </s>, <unk>) are never predicted and dropped, as
  // torchaudio's Wav2Vec2ASRBundle drops them from its own files.
  torch::Tensor aux_weight, aux_bias;
  auto& net_ = net();
  if (net_->aux) {
    for (const auto& source : weights.names()) {
      const std::string mapped = model_name_of(source, options);
      if (mapped == "aux.weight") aux_weight = weights.tensor(source);
      if (mapped == "aux.bias") aux_bias = weights.tensor(source);
    }
  }
  const int64_t outputs = net_->options.aux_num_out.value_or(0);
  const bool drop_rows = aux_weight.defined() && aux_bias.defined() && outputs == 29 &&
                         aux_weight.size(0) == outputs + 3 && aux_bias.size(0) == outputs + 3;
  options.ignore = [=](const std::string& name) {
    if (pretraining_only(name)) return true;
    if (drop_rows && (name == "aux.weight" || name == "aux.bias")) return true;
    return user_ignore && user_ignore(name);
  };
  if (drop_rows) {
    options.optional_suffixes.push_back("aux.weight");
    options.optional_suffixes.push_back("aux.bias");
  }
  if (!initialised_ && !options.strict) net_->reset_parameters();
  LoadReport report = weights.load_into(module(), options);
  if (drop_rows) {
    torch::NoGradGuard no_grad;
    const auto keep = at::cat({at::arange(0, 1, at::kLong), at::arange(4, outputs + 3, at::kLong)});
    net_->aux->weight.copy_(aux_weight.index_select(0, keep));
    net_->aux->bias.copy_(aux_bias.index_select(0, keep));
    report.loaded += 2;
    report.kept.erase(std::remove_if(report.kept.begin(), report.kept.end(),
                                     [](const std::string& k) { return starts_with(k, "aux."); }),
                      report.kept.end());
    report.ignored.erase(std::remove_if(report.ignored.begin(), report.ignored.end(),
                                        [&](const std::string& k) {
                                          return model_name_of(k, options) == "aux.weight" ||
                                                 model_name_of(k, options) == "aux.bias";
                                        }),
                         report.ignored.end());
    report.notes.push_back(
        "aux: the checkpoint's 32 CTC outputs taken as the 29 labels (outputs 1-3, <s> </s> "
        "<unk>, dropped as torchaudio does)");
  }
  initialised_ = true;
  return report;
}

}  // namespace modelzoo::audio

// Wav2Vec2 (Baevski et al. 2020) and HuBERT (Hsu et al. 2021) — one
// architecture, with torchaudio 0.13's parameter names and config keys
// (torchaudio.models.wav2vec2_model), so torchaudio's published .pth files
// and state_dict() load with no remapping:
//
//   feature_extractor.conv_layers.{i}.conv.weight        Conv1d, no bias
//   feature_extractor.conv_layers.{i}.layer_norm.*       GroupNorm on layer 0 ("group_norm"),
//                                                        LayerNorm on every layer ("layer_norm")
//   encoder.feature_projection.{layer_norm,projection}.*
//   encoder.transformer.pos_conv_embed.conv.{weight_g,weight_v,bias}   weight-normed (dim 2)
//   encoder.transformer.layer_norm.*
//   encoder.transformer.layers.{i}.attention.{q,k,v,out}_proj.*
//   encoder.transformer.layers.{i}.{layer_norm,final_layer_norm}.*
//   encoder.transformer.layers.{i}.feed_forward.{intermediate,output}_dense.*
//   aux.*                                                the CTC head (ASR variants)
//
// Base models are post-LN (the transformer's layer_norm before the layers,
// each layer normalising after its residual adds); HuBERT-large and the
// other "large" configs are pre-LN (encoder_layer_norm_first: each layer
// normalises its inputs, the transformer's layer_norm comes last).
// Activations are the exact (erf) GELU throughout.
//
// Load rules (load_weights): Hugging Face's layout (`wav2vec2.` or
// `hubert.` prefix, `feature_projection.*` at the top, `encoder.*` for the
// transformer, `lm_head.*` for the CTC head, the positional conv's
// `parametrizations.weight.original0/1`) is mapped to these names;
// `masked_spec_embed` (pre-training only) is ignored. A CTC head of 32
// outputs for a model of 29 drops outputs 1-3 (fairseq's and Hugging
// Face's <s>, </s>, <unk>), as torchaudio does when it loads its own ASR
// files.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "modelzoo/model.h"
#include "modelzoo/nn/linear.h"
#include "modelzoo/nn/normalization.h"

namespace modelzoo::audio {

/// The architecture's hyper-parameters, under torchaudio's names
/// (wav2vec2_model's arguments). Dropout and layer-drop are training
/// settings and not modelled: these models run in inference.
struct Wav2Vec2Options {
  std::string extractor_mode = "group_norm";  ///< "group_norm" or "layer_norm"
  /// (out channels, kernel, stride) per conv layer.
  std::vector<std::array<int64_t, 3>> extractor_conv_layer_config = {
      {512, 10, 5}, {512, 3, 2}, {512, 3, 2}, {512, 3, 2}, {512, 3, 2}, {512, 2, 2}, {512, 2, 2}};
  bool extractor_conv_bias = false;
  int64_t encoder_embed_dim = 768;
  int64_t encoder_pos_conv_kernel = 128;
  int64_t encoder_pos_conv_groups = 16;
  int64_t encoder_num_layers = 12;
  int64_t encoder_num_heads = 12;
  int64_t encoder_ff_interm_features = 3072;
  bool encoder_layer_norm_first = false;
  /// Outputs of the CTC head (29 for the English ASR variants); none: the
  /// model returns the transformer's last hidden states.
  std::optional<int64_t> aux_num_out;

  /// From a config (the manifest's defaults under the user's overrides).
  /// Throws modelzoo::Error naming a bad value.
  static Wav2Vec2Options from_config(const nlohmann::json& config);
};

/// One convolution of the feature extractor: conv, optional norm, GELU.
struct ConvLayerBlockImpl : torch::nn::Module {
  ConvLayerBlockImpl(int64_t in_channels, int64_t out_channels, int64_t kernel, int64_t stride,
                     bool bias, const std::string& norm);
  torch::Tensor forward(const torch::Tensor& x);
  int64_t kernel, stride;
  std::string norm;  ///< "", "group_norm" or "layer_norm"
  torch::Tensor weight, bias;
  torch::Tensor norm_weight, norm_bias;  ///< layer_norm.weight / .bias
};
TORCH_MODULE(ConvLayerBlock);

/// The encoder layer: self-attention and feed-forward, post- or pre-LN.
struct EncoderLayerImpl : torch::nn::Module {
  EncoderLayerImpl(const Wav2Vec2Options& options);
  /// x [B, T, D]; key_padding [B, T] true at padded frames, or undefined.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& key_padding);
  int64_t heads;
  bool norm_first;
  nn::Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, out_proj{nullptr};
  nn::LayerNorm layer_norm{nullptr}, final_layer_norm{nullptr};
  nn::Linear intermediate_dense{nullptr}, output_dense{nullptr};
};
TORCH_MODULE(EncoderLayer);

/// The whole network, torchaudio's Wav2Vec2Model.
struct Wav2Vec2NetImpl : torch::nn::Module {
  explicit Wav2Vec2NetImpl(const Wav2Vec2Options& options);

  /// waveforms [B, S] float at the model's rate; lengths [B] (int64, valid
  /// samples each) or undefined. Returns [B, T, aux_num_out or D] and the
  /// valid frames of each row (undefined without lengths).
  std::pair<torch::Tensor, torch::Tensor> forward_with_lengths(const torch::Tensor& waveforms,
                                                               const torch::Tensor& lengths);
  /// forward_with_lengths without lengths: every sample is valid.
  torch::Tensor forward(const torch::Tensor& waveforms);
  /// The output of each transformer layer (the first `num_layers`, all when
  /// 0), as torchaudio's extract_features, and the valid frames.
  std::pair<std::vector<torch::Tensor>, torch::Tensor> extract_features(
      const torch::Tensor& waveforms, const torch::Tensor& lengths = {}, int64_t num_layers = 0);
  /// Frames the feature extractor makes of `samples` samples.
  int64_t frames_for(int64_t samples) const;

  /// Initialises every parameter (PyTorch's defaults; norms to 1 and 0).
  void reset_parameters();

  Wav2Vec2Options options;
  torch::nn::ModuleList conv_layers{nullptr};
  nn::LayerNorm projection_norm{nullptr}, transformer_norm{nullptr};
  nn::Linear projection{nullptr};
  torch::Tensor pos_weight_g, pos_weight_v, pos_bias;
  torch::nn::ModuleList layers{nullptr};
  nn::Linear aux{nullptr};

 private:
  // Conv features projected, padded frames zeroed, the positional conv
  // added: the transformer layers' input. `padding` [B, T] out.
  torch::Tensor encoder_input(const torch::Tensor& waveforms, const torch::Tensor& lengths,
                              torch::Tensor& frame_lengths, torch::Tensor& padding);
};
TORCH_MODULE(Wav2Vec2Net);

/// The Model the factories return. forward(waveforms [B, S]) gives the CTC
/// emissions (ASR variants) or the last hidden states; features() gives
/// every transformer layer's output ("layer1" …).
class Wav2Vec2Model : public ModuleModel<Wav2Vec2Net>, public FeatureExtractor {
 public:
  Wav2Vec2Model(std::string name, const Wav2Vec2Options& options, bool init);

  using Model::load_weights;
  LoadReport load_weights(const Weights& weights, const LoadOptions& options) override;
  FeatureExtractor* features() override { return this; }
  std::vector<std::pair<std::string, torch::Tensor>> forward_features(
      const torch::Tensor& input) override;

  const std::string& name() const { return name_; }

 private:
  std::string name_;
  bool initialised_;
};

/// The model name of a checkpoint tensor in Hugging Face's layout
/// ("wav2vec2.encoder.layers.0.attention.q_proj.weight" ->
/// "encoder.transformer.layers.0.attention.q_proj.weight"); names already
/// in torchaudio's layout are returned as they are.
std::string torchaudio_name(const std::string& checkpoint_name);

}  // namespace modelzoo::audio

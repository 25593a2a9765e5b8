// `modelzoo run wav2vec2_base --audio FILE`: one transformer layer's
// output for every frame, mean-pooled into one vector, and optionally
// written whole as safetensors.
#include <c10/core/InferenceMode.h>
#include <modelzoo/sdk/error.h>
#include <modelzoo/weights.h>

#include <string>
#include <vector>

#include "../wav2vec2.h"
#include "audio_commands.h"
#include "audio_file.h"

namespace modelzoo::audio {

nlohmann::json audio_features_command(CommandContext& ctx) {
  const std::string path = checked_audio_option(ctx);
  LoadedModel loaded = ctx.load();
  auto* model = dynamic_cast<Wav2Vec2Model*>(loaded.model.get());
  if (!model) throw Error(ctx.target() + " is not a speech encoder of the audio family");
  auto& net = model->net();
  const int64_t layers = net->options.encoder_num_layers;
  const int64_t layer = ctx.options().value("layer", int64_t{0});
  if (layer < 0 || layer > layers)
    throw Error("--layer takes 1 to " + std::to_string(layers) + " (or 0 for the last); got " +
                std::to_string(layer));
  Audio audio = read_for_model(path, loaded);
  const torch::Tensor waveform = waveform_tensor(audio);
  torch::Tensor features;
  {
    c10::InferenceMode guard;
    features = net->extract_features(waveform, {}, layer == 0 ? layers : layer).first.back()[0];
  }
  const auto mean = features.mean(0).contiguous();
  const std::vector<float> embedding(mean.data_ptr<float>(), mean.data_ptr<float>() + mean.numel());
  nlohmann::json output;
  if (const std::string out = ctx.options().value("output", std::string()); !out.empty()) {
    torch::OrderedDict<std::string, torch::Tensor> tensors;
    tensors.insert("features", features.contiguous());
    Weights::save(tensors, out,
                  {{"model", loaded.info.value("name", ctx.target())},
                   {"layer", std::to_string(layer == 0 ? layers : layer)}});
    output = out;
  }
  return {{"task", "feature-extraction"},
          {"model", loaded.info.value("name", ctx.target())},
          {"notes", loaded.notes()},
          {"layer", layer == 0 ? layers : layer},
          {"frames", features.size(0)},
          {"hidden_size", features.size(1)},
          {"embedding", embedding},
          {"output", output},
          {"audio", audio_summary(path, audio)}};
}

}  // namespace modelzoo::audio

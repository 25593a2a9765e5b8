#include "audio_file.h"

#include <modelzoo/sdk/error.h>

#include <string>

namespace modelzoo::audio {

std::string checked_audio_option(const CommandContext& ctx) {
  const std::string path = ctx.options().value("audio", std::string());
  if (path.empty()) throw Error("give the audio file with --audio FILE");
  probe_file(path);  // throws naming the file: not audio, unreadable, unsupported
  return path;
}

Audio read_for_model(const std::string& path, const LoadedModel& loaded) {
  const auto& inputs = loaded.info.at("inputs");
  const auto& input = inputs.at(0);
  if (input.value("kind", "") != "audio" || !input.contains("sample_rate"))
    throw Error(loaded.info.value("name", std::string("the model")) +
                " declares no audio input with a sample rate");
  DecodeOptions options;
  options.sample_rate = input.at("sample_rate").get<int64_t>();
  options.channels = input.value("channels", int64_t{1});
  return decode_file(path, options);
}

torch::Tensor waveform_tensor(Audio& audio) {
  if (audio.channels != 1)
    throw Error("expected mono audio (got " + std::to_string(audio.channels) + " channels)");
  return torch::from_blob(audio.samples.data(), {1, static_cast<int64_t>(audio.samples.size())},
                          torch::kFloat32);
}

nlohmann::json audio_summary(const std::string& path, const Audio& audio) {
  return {{"file", path}, {"seconds", audio.seconds()}, {"sample_rate", audio.sample_rate}};
}

}  // namespace modelzoo::audio

// The audio family's entry: one factory per entrypoint of manifest.json,
// each a literal configuration of one architecture (the sizes themselves
// are the manifest's config defaults, under the user's overrides), and a
// run command per task (src/commands/).
#include <modelzoo/init_mode.h>
#include <modelzoo/plugin.h>

#include <memory>
#include <string>

#include "commands/audio_commands.h"
#include "commands/voice_activity_detection.h"
#include "silero_vad.h"
#include "wav2vec2.h"

namespace {

using Json = nlohmann::json;

// Wav2Vec2 and HuBERT share torchaudio's one Wav2Vec2Model; the manifest's
// config says which is which.
modelzoo::PluginRegistrar::Factory wav2vec2(const std::string& name) {
  return [name](const Json& config) {
    return std::make_shared<modelzoo::audio::Wav2Vec2Model>(
        name, modelzoo::audio::Wav2Vec2Options::from_config(config),
        modelzoo::init_parameters_enabled());
  };
}

}  // namespace

MODELZOO_PLUGIN(registrar) {
  registrar.add_command("run", "automatic-speech-recognition", modelzoo::audio::transcribe_command);
  registrar.add_command("run", "feature-extraction", modelzoo::audio::audio_features_command);
  registrar.add_command("run", "voice-activity-detection",
                        modelzoo::audio::detect_voice_activity_command);

  for (const char* name :
       {"wav2vec2_base", "wav2vec2_asr_base_960h", "hubert_base", "hubert_asr_large"})
    registrar.add(name, wav2vec2(name));
  // Silero VAD: both rates' networks; config sample_rate picks forward()'s.
  registrar.add("silero_vad", [](const Json& config) {
    return std::make_shared<modelzoo::audio::SileroVadModel>(
        config.value("sample_rate", int64_t{16000}));
  });
}

// Decodes the file at the model's rate (mono), scores every chunk with the
// native model, and segments the probabilities by Silero's rules under the
// user's parameters.
#include "voice_activity_detection.h"

#include <c10/core/InferenceMode.h>
#include <modelzoo/audio/audio.h>
#include <modelzoo/sdk/error.h>

#include <algorithm>
#include <string>

#include "audio_file.h"
#include "silero_vad.h"
#include "speech_segments.h"

namespace modelzoo::audio {
namespace {

SpeechSegmentOptions segment_options(const nlohmann::json& o) {
  SpeechSegmentOptions s;
  s.threshold = o.value("threshold", s.threshold);
  if (o.contains("neg_threshold") && !o["neg_threshold"].is_null())
    s.neg_threshold = o["neg_threshold"].get<double>();
  s.min_speech_duration_ms = o.value("min_speech_duration_ms", s.min_speech_duration_ms);
  if (o.contains("max_speech_duration_s") && !o["max_speech_duration_s"].is_null())
    s.max_speech_duration_s = o["max_speech_duration_s"].get<double>();
  s.min_silence_duration_ms = o.value("min_silence_duration_ms", s.min_silence_duration_ms);
  s.speech_pad_ms = o.value("speech_pad_ms", s.speech_pad_ms);
  return s;
}

}  // namespace

nlohmann::json detect_voice_activity_command(CommandContext& ctx) {
  const auto& o = ctx.options();
  const SpeechSegmentOptions segmenting = segment_options(o);
  const std::string path = checked_audio_option(ctx);  // before any download
  LoadedModel loaded = ctx.load();
  auto* vad = dynamic_cast<SileroVadModel*>(loaded.model.get());
  if (!vad) throw Error(ctx.target() + " is not a Silero VAD model");
  const int64_t rate = o.value("sample_rate", vad->sample_rate());
  const SileroVadRate& sizes = silero_vad_rate(rate);
  DecodeOptions decode;
  decode.sample_rate = rate;
  decode.channels = 1;
  const Audio audio = decode_file(path, decode);

  c10::InferenceMode guard;
  const std::vector<float> probabilities =
      vad->speech_probabilities(audio.samples.data(), audio.samples.size(), rate);
  const auto segments =
      speech_segments(probabilities, audio.frames(), rate, sizes.chunk, segmenting);
  const auto seconds = [rate](int64_t samples) {
    return static_cast<double>(samples) / static_cast<double>(rate);
  };
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& s : segments)
    rows.push_back({{"start", seconds(s.start)},
                    {"end", seconds(s.end)},
                    {"duration", seconds(s.end - s.start)}});
  const auto speech = std::count_if(probabilities.begin(), probabilities.end(),
                                    [&](float p) { return p >= segmenting.threshold; });
  return {{"task", "voice-activity-detection"},
          {"model", loaded.info.value("name", ctx.target())},
          {"notes", loaded.notes()},
          {"audio", audio_summary(path, audio)},
          {"chunks", probabilities.size()},
          {"speech_chunks", speech},
          {"segments", rows}};
}

}  // namespace modelzoo::audio

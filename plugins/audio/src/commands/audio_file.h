// The audio file a command was given, read for the model it loaded: the
// header checked before the model is loaded (a text file or a truncated
// header costs no download), then the samples decoded at the rate and
// channel count the entrypoint's input declares.
#pragma once

#include <modelzoo/command.h>
#include <torch/types.h>

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "modelzoo/audio/audio.h"

namespace modelzoo::audio {

/// The --audio option's path, its header checked (throws naming the file).
std::string checked_audio_option(const CommandContext& ctx);

/// `path` decoded for `loaded`'s audio input (its sample_rate, channels).
Audio read_for_model(const std::string& path, const LoadedModel& loaded);

/// Mono samples as a float [1, S] tensor (sharing the memory of `audio`).
torch::Tensor waveform_tensor(Audio& audio);

/// {"file", "seconds", "sample_rate"} for a result.
nlohmann::json audio_summary(const std::string& path, const Audio& audio);

}  // namespace modelzoo::audio

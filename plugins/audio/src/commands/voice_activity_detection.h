// `modelzoo run silero_vad --audio FILE`: the speech segments of a
// recording (task voice-activity-detection).
#pragma once

#include <modelzoo/command.h>

#include <nlohmann/json.hpp>

namespace modelzoo::audio {

/// run:voice-activity-detection — `--audio FILE`: the speech segments by
/// Silero's get_speech_timestamps rules (--threshold, --neg-threshold,
/// --min-speech-duration-ms, --max-speech-duration-s,
/// --min-silence-duration-ms, --speech-pad-ms) at --sample-rate (16000 or
/// 8000; the model's by default). {"task", "model", "audio" {file,
/// seconds, sample_rate}, "chunks", "speech_chunks" (>= threshold),
/// "segments" [{start, end, duration} in seconds], "notes"}.
nlohmann::json detect_voice_activity_command(CommandContext& ctx);

}  // namespace modelzoo::audio

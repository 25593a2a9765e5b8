// Speech segments from per-chunk speech probabilities, by the rules of
// Silero's get_speech_timestamps (snakers4/silero-vad, utils_vad.py), with
// its parameters and defaults:
//
// - speech starts at a chunk scoring >= threshold and goes on until the
//   score stays below neg_threshold (default threshold - 0.15, at least
//   0.01) for min_silence_duration_ms; the segment then ends where that
//   silence began, and is kept if longer than min_speech_duration_ms;
// - a segment longer than max_speech_duration_s is split at the longest
//   silence inside it of more than min_silence_at_max_speech_ms (or the last
//   such silence), else cut just before the limit;
// - kept segments are widened by speech_pad_ms each side (half the gap when
//   two would overlap), within the audio.
//
// Torch-free: the same rules run on the native model's probabilities and on
// any other source's (a test's oracle).
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <ostream>
#include <vector>

namespace modelzoo::audio {

struct SpeechSegmentOptions {
  double threshold = 0.5;
  std::optional<double> neg_threshold;  ///< default max(threshold - 0.15, 0.01)
  double min_speech_duration_ms = 250;
  double max_speech_duration_s = std::numeric_limits<double>::infinity();
  double min_silence_duration_ms = 100;
  double speech_pad_ms = 30;
  double min_silence_at_max_speech_ms = 98;
  /// Split an over-long segment at its longest silence (else at its last).
  bool use_max_possible_silence_at_max_speech = true;
};

/// A segment in samples: [start, end).
struct SpeechSegment {
  int64_t start = 0;
  int64_t end = 0;
  bool operator==(const SpeechSegment& o) const { return start == o.start && end == o.end; }
};

/// "[start, end)" in samples, for messages.
inline std::ostream& operator<<(std::ostream& out, const SpeechSegment& s) {
  return out << '[' << s.start << ", " << s.end << ')';
}

/// The speech segments of `num_samples` samples at `sample_rate`, whose
/// consecutive chunks of `chunk` samples scored `probabilities`. Throws
/// modelzoo::Error for options out of range (a threshold outside [0, 1],
/// a negative duration).
std::vector<SpeechSegment> speech_segments(const std::vector<float>& probabilities,
                                           int64_t num_samples, int64_t sample_rate, int64_t chunk,
                                           const SpeechSegmentOptions& options);

}  // namespace modelzoo::audio

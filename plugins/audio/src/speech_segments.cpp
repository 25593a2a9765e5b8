#include "speech_segments.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "modelzoo/sdk/error.h"

namespace modelzoo::audio {
namespace {

void check(const SpeechSegmentOptions& o) {
  auto in_unit = [](double v) { return v >= 0 && v <= 1; };
  if (!in_unit(o.threshold))
    throw Error("--threshold must lie in [0, 1] (got " + std::to_string(o.threshold) + ")");
  if (o.neg_threshold && !in_unit(*o.neg_threshold))
    throw Error("--neg-threshold must lie in [0, 1] (got " + std::to_string(*o.neg_threshold) +
                ")");
  for (const auto& [value, name] :
       {std::pair{o.min_speech_duration_ms, "--min-speech-duration-ms"},
        std::pair{o.max_speech_duration_s, "--max-speech-duration-s"},
        std::pair{o.min_silence_duration_ms, "--min-silence-duration-ms"},
        std::pair{o.speech_pad_ms, "--speech-pad-ms"},
        std::pair{o.min_silence_at_max_speech_ms, "min_silence_at_max_speech_ms"}})
    if (!(value >= 0))
      throw Error(std::string(name) + " must not be negative (got " + std::to_string(value) + ")");
}

// The segmenter's state while it walks the chunks. Positions are samples
// (chunk index × chunk); 0 in `silence_start` means "no silence begun",
// as in the reference, where a falsy 0 plays that role.
class Segmenter {
 public:
  Segmenter(int64_t sample_rate, int64_t chunk, const SpeechSegmentOptions& o)
      : o_(o),
        chunk_(chunk),
        negative_(o.neg_threshold.value_or(std::max(o.threshold - 0.15, 0.01))),
        min_speech_(sample_rate * o.min_speech_duration_ms / 1000),
        pad_(sample_rate * o.speech_pad_ms / 1000),
        max_speech_(sample_rate * o.max_speech_duration_s - static_cast<double>(chunk) - 2 * pad_),
        min_silence_(sample_rate * o.min_silence_duration_ms / 1000),
        min_silence_at_max_(sample_rate * o.min_silence_at_max_speech_ms / 1000) {}

  void step(int64_t index, double p) {
    const int64_t at = chunk_ * index;
    if (p >= o_.threshold && silence_start_ != 0) speech_resumes(at);
    if (p >= o_.threshold && !triggered_) {
      triggered_ = true;
      start_ = at;
      return;
    }
    if (triggered_ && static_cast<double>(at - start_) > max_speech_ && split_long_segment(at))
      return;
    if (p < negative_ && triggered_) silence(at);
  }

  std::vector<SpeechSegment> finish(int64_t num_samples) {
    if (has_start_() && static_cast<double>(num_samples - start_) > min_speech_)
      segments_.push_back({start_, num_samples});
    pad(num_samples);
    return segments_;
  }

 private:
  struct Silence {
    int64_t start, duration;
  };

  bool has_start_() const { return start_ >= 0; }

  // Speech after a silence: remember the silence as a place to split at.
  void speech_resumes(int64_t at) {
    const int64_t duration = at - silence_start_;
    if (static_cast<double>(duration) > min_silence_at_max_)
      silences_.push_back({silence_start_, duration});
    silence_start_ = 0;
    if (next_start_ < prev_end_) next_start_ = at;
  }

  // Returns true when the chunk needs nothing more (the segment was cut
  // at the limit).
  bool split_long_segment(int64_t at) {
    if (silences_.empty()) {
      segments_.push_back({start_, at});
      start_ = -1;
      prev_end_ = next_start_ = silence_start_ = 0;
      triggered_ = false;
      return true;
    }
    Silence cut = silences_.back();
    if (o_.use_max_possible_silence_at_max_speech)  // the first of the longest
      cut = *std::max_element(
          silences_.begin(), silences_.end(),
          [](const Silence& a, const Silence& b) { return a.duration < b.duration; });
    prev_end_ = cut.start;
    segments_.push_back({start_, prev_end_});
    start_ = -1;
    next_start_ = prev_end_ + cut.duration;
    // The reference compares with prev_end + chunk × index here (not the
    // position alone); kept as it is, so segments agree with it.
    if (next_start_ < prev_end_ + at)
      start_ = next_start_;  // still in speech after that silence
    else
      triggered_ = false;
    const int64_t resume = next_start_;
    silences_.erase(std::remove_if(silences_.begin(), silences_.end(),
                                   [resume](const Silence& s) { return s.start <= resume; }),
                    silences_.end());
    prev_end_ = next_start_ = silence_start_ = 0;
    return false;
  }

  void silence(int64_t at) {
    if (silence_start_ == 0) silence_start_ = at;
    if (static_cast<double>(at - silence_start_) < min_silence_) return;
    if (static_cast<double>(silence_start_ - start_) > min_speech_)
      segments_.push_back({start_, silence_start_});
    start_ = -1;
    prev_end_ = next_start_ = silence_start_ = 0;
    triggered_ = false;
    silences_.clear();
  }

  // Widens each segment by the padding, or by half the gap to its
  // neighbour when the gap is shorter than two paddings.
  void pad(int64_t num_samples) {
    const auto n = segments_.size();
    for (size_t i = 0; i < n; ++i) {
      SpeechSegment& s = segments_[i];
      if (i == 0)
        s.start = static_cast<int64_t>(std::max(0.0, static_cast<double>(s.start) - pad_));
      if (i + 1 == n) {
        s.end = static_cast<int64_t>(
            std::min(static_cast<double>(num_samples), static_cast<double>(s.end) + pad_));
        continue;
      }
      SpeechSegment& next = segments_[i + 1];
      const int64_t gap = next.start - s.end;
      if (static_cast<double>(gap) < 2 * pad_) {
        s.end += gap / 2;
        next.start = std::max<int64_t>(0, next.start - gap / 2);
      } else {
        s.end = static_cast<int64_t>(
            std::min(static_cast<double>(num_samples), static_cast<double>(s.end) + pad_));
        next.start = static_cast<int64_t>(std::max(0.0, static_cast<double>(next.start) - pad_));
      }
    }
  }

  const SpeechSegmentOptions& o_;
  const int64_t chunk_;
  const double negative_, min_speech_, pad_, max_speech_, min_silence_, min_silence_at_max_;
  bool triggered_ = false;
  int64_t start_ = -1;  // of the current segment; -1: none
  int64_t silence_start_ = 0, prev_end_ = 0, next_start_ = 0;
  std::vector<Silence> silences_;
  std::vector<SpeechSegment> segments_;
};

}  // namespace

std::vector<SpeechSegment> speech_segments(const std::vector<float>& probabilities,
                                           int64_t num_samples, int64_t sample_rate, int64_t chunk,
                                           const SpeechSegmentOptions& options) {
  check(options);
  Segmenter segmenter(sample_rate, chunk, options);
  for (size_t i = 0; i < probabilities.size(); ++i)
    segmenter.step(static_cast<int64_t>(i), probabilities[i]);
  return segmenter.finish(num_samples);
}

}  // namespace modelzoo::audio

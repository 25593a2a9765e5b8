// Silero's segmenting rules on hand-made probability sequences, each
// expected answer worked out by hand from the rules (16 kHz, 512-sample
// chunks: 250 ms = 4000 samples, 100 ms = 1600, 30 ms of padding = 480).
#include <catch2/catch.hpp>

#include <vector>

#include "modelzoo/sdk/error.h"
#include "speech_segments.h"

using modelzoo::audio::speech_segments;
using modelzoo::audio::SpeechSegment;
using modelzoo::audio::SpeechSegmentOptions;

namespace {

constexpr int64_t kRate = 16000, kChunk = 512;

// `n` chunks of silence with `value` from chunk `from` to chunk `to` (exclusive).
std::vector<float> burst(size_t n, size_t from, size_t to, float value = 0.9f) {
  std::vector<float> p(n, 0.0f);
  for (size_t i = from; i < to; ++i) p[i] = value;
  return p;
}

std::vector<SpeechSegment> segments(const std::vector<float>& p,
                                    const SpeechSegmentOptions& o = {}) {
  return speech_segments(p, static_cast<int64_t>(p.size()) * kChunk, kRate, kChunk, o);
}

}  // namespace

TEST_CASE("one burst of speech, padded on both sides", "[audio][vad]") {
  // Speech from chunk 10 (5120) to 30; the silence from 15360 lasts 1600
  // samples by chunk 34 (17408 - 15360 = 2048 >= 1600), so the segment ends
  // at 15360; 10240 samples > 4000 are kept; 480 of padding each side.
  CHECK(segments(burst(60, 10, 30)) == std::vector<SpeechSegment>{{4640, 15840}});
}

TEST_CASE("speech shorter than min_speech_duration_ms is dropped", "[audio][vad]") {
  CHECK(segments(burst(60, 10, 17)).empty());  // 7 chunks: 3584 samples <= 4000
  SpeechSegmentOptions shorter;
  shorter.min_speech_duration_ms = 200;  // 3200 samples
  CHECK(segments(burst(60, 10, 17), shorter) == std::vector<SpeechSegment>{{4640, 9184}});
}

TEST_CASE("scores between neg_threshold and threshold keep speech going", "[audio][vad]") {
  // 0.4 lies between 0.35 (0.5 - 0.15) and 0.5: speech neither starts nor
  // ends on it; the segment runs from chunk 10 to where 0.0 begins (40).
  std::vector<float> p = burst(60, 10, 20);
  for (size_t i = 20; i < 40; ++i) p[i] = 0.4f;
  CHECK(segments(p) == std::vector<SpeechSegment>{{4640, 20960}});
  // With neg_threshold above 0.4 it ends at chunk 20 instead.
  SpeechSegmentOptions strict;
  strict.neg_threshold = 0.45;
  CHECK(segments(p, strict) == std::vector<SpeechSegment>{{4640, 10720}});
}

TEST_CASE("a silence shorter than min_silence_duration_ms joins two bursts", "[audio][vad]") {
  // Silent chunks 20-22: speech resumes at 23, 1536 samples after the
  // silence began (< 1600), so it never ended: one segment, 10 to 33.
  std::vector<float> p = burst(60, 10, 20);
  for (size_t i = 23; i < 33; ++i) p[i] = 0.9f;
  CHECK(segments(p) == std::vector<SpeechSegment>{{4640, 17376}});
}

TEST_CASE("two segments closer than two paddings share the gap", "[audio][vad]") {
  // Speech 10-19 and 23-32, silent between. With min_silence 50 ms (800
  // samples) the silence has lasted 1024 samples at chunk 22: the first
  // segment ends at 10240, the second runs [11776, 16896). The gap of 1536
  // is at least two paddings (960): 480 on each side.
  std::vector<float> p = burst(60, 10, 20);
  for (size_t i = 23; i < 33; ++i) p[i] = 0.9f;
  SpeechSegmentOptions quick;
  quick.min_silence_duration_ms = 50;
  CHECK(segments(p, quick) == std::vector<SpeechSegment>{{4640, 10720}, {11296, 17376}});
  // 60 ms of padding (960 each side): the gap of 1536 < 1920 is split in
  // half, 768 to each; the outer sides get the whole 960.
  quick.speech_pad_ms = 60;
  CHECK(segments(p, quick) == std::vector<SpeechSegment>{{4160, 11008}, {11008, 17856}});
}

TEST_CASE("speech to the end of the audio ends there", "[audio][vad]") {
  CHECK(segments(burst(40, 30, 40)) == std::vector<SpeechSegment>{{14880, 20480}});
  CHECK(segments(burst(40, 0, 40)) == std::vector<SpeechSegment>{{0, 20480}});
}

TEST_CASE("speech longer than max_speech_duration_s is split", "[audio][vad]") {
  SpeechSegmentOptions limited;
  limited.max_speech_duration_s = 1.0;  // 16000 - 512 - 2 * 480 = 14528 samples
  // Speech from chunk 10 to 69 with no silence inside: cut at the first
  // chunk more than 14528 past the start (39: 19968), speech again from
  // chunk 40 (20480), cut again at 69 (35328). The gap of 512 < 960 is
  // shared.
  CHECK(segments(burst(80, 10, 70), limited) ==
        std::vector<SpeechSegment>{{4640, 20224}, {20224, 35808}});
  // A silence of chunks 20-23 (2048 samples: over the 98 ms (1568) that
  // makes a place to split, under a min_silence of 200 ms (3200) that would
  // end the segment): the first cut goes there, [5120, 10240), and speech
  // goes on from the silence's end (12288) to the next limit (chunk 53:
  // 27136); then [27648, 35840) ends on the silence after chunk 69.
  std::vector<float> p = burst(80, 10, 70);
  for (size_t i = 20; i < 24; ++i) p[i] = 0.0f;
  limited.min_silence_duration_ms = 200;
  CHECK(segments(p, limited) ==
        std::vector<SpeechSegment>{{4640, 10720}, {11808, 27392}, {27392, 36320}});
}

TEST_CASE("out-of-range options are refused by name", "[audio][vad]") {
  SpeechSegmentOptions o;
  o.threshold = 1.5;
  CHECK_THROWS_WITH(segments(burst(10, 0, 5), o),
                    Catch::Contains("--threshold must lie in [0, 1]"));
  o = {};
  o.speech_pad_ms = -1;
  CHECK_THROWS_WITH(segments(burst(10, 0, 5), o),
                    Catch::Contains("--speech-pad-ms must not be negative"));
}

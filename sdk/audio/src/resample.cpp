// Resampling through libsoxr in one shot: the whole signal in, the whole
// signal out, so the filter's delay is compensated by soxr itself and the
// output is exactly round(frames x to / from) frames long, time 0 at
// sample 0 (what sox's `rate` effect gives for a file).
#include <soxr.h>

#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include "modelzoo/audio/audio.h"
#include "modelzoo/sdk/error.h"

namespace modelzoo::audio {

std::vector<float> resample(const std::vector<float>& samples, int64_t channels, int64_t from_rate,
                            int64_t to_rate) {
  if (channels <= 0 || from_rate <= 0 || to_rate <= 0)
    throw Error("resample: channels and rates must be positive (got " + std::to_string(channels) +
                " channels, " + std::to_string(from_rate) + " Hz -> " + std::to_string(to_rate) +
                " Hz)");
  if (from_rate == to_rate) return samples;
  const size_t c = static_cast<size_t>(channels);
  const size_t in_frames = samples.size() / c;
  const double ratio = static_cast<double>(to_rate) / static_cast<double>(from_rate);
  const size_t out_frames =
      static_cast<size_t>(std::llround(static_cast<double>(in_frames) * ratio));
  std::vector<float> out(out_frames * c);
  if (out_frames == 0) return out;
  const soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
  // High quality (20-bit, sox's default `rate -h`), linear phase.
  const soxr_quality_spec_t quality = soxr_quality_spec(SOXR_HQ, SOXR_LINEAR_PHASE);
  size_t done = 0;
  const soxr_error_t error = soxr_oneshot(
      static_cast<double>(from_rate), static_cast<double>(to_rate), static_cast<unsigned>(c),
      samples.data(), in_frames, nullptr, out.data(), out_frames, &done, &io, &quality, nullptr);
  if (error)
    throw Error(std::string("resampling from ") + std::to_string(from_rate) + " Hz to " +
                std::to_string(to_rate) + " Hz failed (libsoxr: " + error + ")");
  out.resize(done * c);
  return out;
}

}  // namespace modelzoo::audio

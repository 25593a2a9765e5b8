// Mixdown to mono: the mean of the channels, as `sox -c 1` and
// torchaudio's `waveform.mean(0)` make it.
#include <cstddef>
#include <vector>

#include "modelzoo/audio/audio.h"
#include "modelzoo/sdk/error.h"

namespace modelzoo::audio {

std::vector<float> mix_to_mono(const std::vector<float>& samples, int64_t channels) {
  if (channels <= 0) throw Error("mix_to_mono: channels must be positive");
  if (channels == 1) return samples;
  const size_t c = static_cast<size_t>(channels);
  const size_t frames = samples.size() / c;
  std::vector<float> out(frames);
  const float scale = 1.0f / static_cast<float>(c);
  for (size_t i = 0; i < frames; ++i) {
    float sum = 0.0f;
    for (size_t k = 0; k < c; ++k) sum += samples[i * c + k];
    out[i] = sum * scale;
  }
  return out;
}

}  // namespace modelzoo::audio

// Audio in, model inputs out: decoding WAV, FLAC, OGG/Vorbis, Opus and MP3
// (libsndfile), resampling to the rate a model was trained at (libsoxr),
// and mixdown to mono, as plain float arrays.
//
//   modelzoo::audio::DecodeOptions options;
//   options.sample_rate = 16000;  // the model's rate
//   options.channels = 1;         // mono
//   auto audio = modelzoo::audio::decode_file("speech.flac", options);
//   // audio.samples: float in [-1, 1], frames x channels interleaved, at 16 kHz
//
// Torch-free: a command probes and decodes its input before it builds a
// model, and a plugin wraps `samples` in a tensor itself (torch::from_blob).
//
// Samples are libsndfile's normalised floats: an integer PCM sample s of b
// bits becomes s / 2^(b-1), which is what `sox FILE -t f32 -` writes and
// what torchaudio.load returns. Mixdown is the mean of the channels, as
// `sox -c 1` and torchaudio's `waveform.mean(0)` make it. Resampling is
// soxr's "high quality" (20-bit, the quality of sox's default `rate -h`),
// linear phase.
//
// Audio files are untrusted input. Samples are read in blocks, so memory
// follows the data actually decoded, never a length a header declares. A
// file whose data ends before its header says it should (a WAV cut short,
// a FLAC stream that loses sync) is an error naming the file, "truncated
// or corrupted", never half the audio returned as if whole.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "modelzoo/sdk/export.h"

namespace modelzoo::audio {

/// What a file's header says.
struct AudioInfo {
  std::string format;    ///< container: "WAV", "FLAC", "OGG", "MPEG", … (libsndfile's name)
  std::string encoding;  ///< "PCM_16", "FLAC 24", "Vorbis", "Opus", "MPEG Layer III", …
  int64_t sample_rate = 0;
  int64_t channels = 0;
  /// Frames as the header declares them; an estimate for MP3 (no exact
  /// count in the stream), which decoding may differ from by a frame block.
  int64_t frames = 0;
};

/// Decoded audio: `frames()` x `channels` samples, interleaved.
struct Audio {
  std::vector<float> samples;
  int64_t sample_rate = 0;
  int64_t channels = 0;

  int64_t frames() const {
    return channels > 0 ? static_cast<int64_t>(samples.size()) / channels : 0;
  }
  double seconds() const {
    return sample_rate > 0 ? static_cast<double>(frames()) / static_cast<double>(sample_rate) : 0.0;
  }
};

struct DecodeOptions {
  /// Resample to this rate; unset keeps the file's.
  std::optional<int64_t> sample_rate;
  /// 1 mixes down to mono; the file's own count keeps it; from mono, any
  /// count repeats the one channel. Unset keeps the file's. Anything else
  /// is an error: no down-mix matrix is guessed for 5.1 to stereo.
  std::optional<int64_t> channels;
};

/// Decodes an audio file (format told by its content, not its name), then
/// resamples and remixes as `options` asks. Throws modelzoo::Error naming
/// the file and the reason: cannot be read, not an audio file libsndfile
/// knows, an encoding it does not decode, truncated or corrupted, no
/// samples, or a channel count that cannot be made.
MODELZOO_API Audio decode_file(const std::string& path, const DecodeOptions& options = {});

/// decode_file for bytes in memory; `name` is what errors call them.
MODELZOO_API Audio decode_bytes(const uint8_t* data, size_t size, const std::string& name,
                                const DecodeOptions& options = {});

/// Reads only the header, so that a command can refuse a file before it
/// builds a model. Throws as decode_file does for a file it cannot open.
MODELZOO_API AudioInfo probe_file(const std::string& path);

/// Resamples interleaved `samples` of `channels` channels from `from_rate`
/// to `to_rate` (soxr, high quality, linear phase; the delay compensated,
/// so sample 0 stays time 0). The output has round(frames x to / from)
/// frames. Equal rates return the input as it is.
MODELZOO_API std::vector<float> resample(const std::vector<float>& samples, int64_t channels,
                                         int64_t from_rate, int64_t to_rate);

/// The mean of the `channels` channels of interleaved `samples`.
MODELZOO_API std::vector<float> mix_to_mono(const std::vector<float>& samples, int64_t channels);

}  // namespace modelzoo::audio

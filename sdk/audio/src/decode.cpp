// Decoding through libsndfile: a file by its path, bytes through
// libsndfile's virtual I/O, both into one reader that takes blocks of
// frames until the data ends, then checks that it ended where the header
// said it would.
//
// How a short file shows: libsndfile clamps a WAV/AIFF data chunk to the
// bytes present and says so only in its log ("data : 131034 (should be
// 59956)"); a FLAC or OGG stream cut short ends its reads with an error
// (sf_error after the last read). Both are refused. MP3 has no exact
// length to check against.
#include <sndfile.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "modelzoo/audio/audio.h"
#include "modelzoo/sdk/error.h"

namespace modelzoo::audio {
namespace {

constexpr sf_count_t kBlockFrames = 16384;

struct CloseSndfile {
  void operator()(SNDFILE* file) const { sf_close(file); }
};
using SndfilePtr = std::unique_ptr<SNDFILE, CloseSndfile>;

// Bytes in memory as libsndfile's virtual file.
struct MemoryInput {
  const uint8_t* data = nullptr;
  sf_count_t size = 0;
  sf_count_t position = 0;
};

sf_count_t memory_length(void* user) {
  return static_cast<MemoryInput*>(user)->size;
}

sf_count_t memory_seek(sf_count_t offset, int whence, void* user) {
  auto* in = static_cast<MemoryInput*>(user);
  sf_count_t base = 0;
  if (whence == SEEK_CUR) base = in->position;
  if (whence == SEEK_END) base = in->size;
  const sf_count_t target = base + offset;
  if (target < 0 || target > in->size) return -1;
  in->position = target;
  return in->position;
}

sf_count_t memory_read(void* out, sf_count_t count, void* user) {
  auto* in = static_cast<MemoryInput*>(user);
  const sf_count_t n = std::max<sf_count_t>(0, std::min(count, in->size - in->position));
  if (n > 0) std::memcpy(out, in->data + in->position, static_cast<size_t>(n));
  in->position += n;
  return n;
}

sf_count_t memory_write(const void*, sf_count_t, void*) {
  return 0;
}

sf_count_t memory_tell(void* user) {
  return static_cast<MemoryInput*>(user)->position;
}

// libsndfile's name of a major format or subtype ("WAV (Microsoft)",
// "Signed 16 bit PCM"), or its hex code when it has none.
std::string format_name(int format) {
  SF_FORMAT_INFO info{};
  info.format = format;
  if (sf_command(nullptr, SFC_GET_FORMAT_INFO, &info, sizeof info) == 0 && info.name)
    return info.name;
  std::ostringstream hex;
  hex << "0x" << std::hex << format;
  return hex.str();
}

AudioInfo info_of(const SF_INFO& sf) {
  AudioInfo info;
  info.format = format_name(sf.format & SF_FORMAT_TYPEMASK);
  info.encoding = format_name(sf.format & SF_FORMAT_SUBMASK);
  info.sample_rate = sf.samplerate;
  info.channels = sf.channels;
  info.frames = static_cast<int64_t>(sf.frames);
  return info;
}

// Why libsndfile could not open `name`, as a user reads it.
[[noreturn]] void fail_open(const std::string& name, int code, const char* detail) {
  std::string reason;
  switch (code) {
    case SF_ERR_UNRECOGNISED_FORMAT:
      reason =
          "not an audio file in a format libsndfile reads (WAV, FLAC, OGG/Vorbis, Opus, MP3, AIFF, "
          "…); convert it first, e.g. `sox IN OUT.wav` or `ffmpeg -i IN OUT.wav`";
      break;
    case SF_ERR_UNSUPPORTED_ENCODING:
      reason = std::string("unsupported audio format or encoding (libsndfile: ") + detail +
               "); convert it to WAV or FLAC first";
      break;
    case SF_ERR_MALFORMED_FILE:
      reason = std::string("truncated or corrupted audio file (libsndfile: ") + detail + ")";
      break;
    default:
      reason = std::string("cannot be decoded (libsndfile: ") + detail + ")";
  }
  throw Error("audio file '" + name + "': " + reason);
}

// True when libsndfile's log says a chunk holds fewer bytes than its header
// declares: "data : 131034 (should be 59956)". A declared size of 0 or
// 0xFFFFFFFF is a streaming writer's placeholder, not a promise.
bool log_says_truncated(SNDFILE* file) {
  std::vector<char> log(16384, '\0');
  sf_command(file, SFC_GET_LOG_INFO, log.data(), static_cast<int>(log.size()));
  std::istringstream lines(std::string(log.data()));
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("data", 0) != 0) continue;
    const size_t colon = line.find(':');
    const size_t should = line.find("(should be ");
    if (colon == std::string::npos || should == std::string::npos) continue;
    const unsigned long long declared = std::strtoull(line.c_str() + colon + 1, nullptr, 10);
    const unsigned long long present =
        std::strtoull(line.c_str() + should + std::strlen("(should be "), nullptr, 10);
    if (declared == 0 || declared >= 0x7FFFFFFFull) continue;
    if (present < declared) return true;
  }
  return false;
}

std::vector<float> read_all(SNDFILE* file, const SF_INFO& sf, const std::string& name) {
  const size_t channels = static_cast<size_t>(sf.channels);
  std::vector<float> samples;
  // The header's length is a hint for the first allocation, bounded so
  // that a lying header costs nothing: memory follows what is decoded.
  const sf_count_t hint = std::clamp<sf_count_t>(sf.frames, 0, sf_count_t{1} << 22);
  samples.reserve(static_cast<size_t>(hint) * channels);
  for (;;) {
    const size_t at = samples.size();
    samples.resize(at + static_cast<size_t>(kBlockFrames) * channels);
    const sf_count_t got = sf_readf_float(file, samples.data() + at, kBlockFrames);
    samples.resize(at + static_cast<size_t>(std::max<sf_count_t>(got, 0)) * channels);
    if (got < kBlockFrames) break;
  }
  if (sf_error(file) != SF_ERR_NO_ERROR)
    throw Error("audio file '" + name + "': truncated or corrupted (libsndfile: " +
                sf_strerror(file) + " after " + std::to_string(samples.size() / channels) + " of " +
                std::to_string(sf.frames) + " frames)");
  if (log_says_truncated(file))
    throw Error("audio file '" + name + "': truncated or corrupted: its data ends after " +
                std::to_string(samples.size() / channels) +
                " frames, before the length its header declares");
  if (samples.empty()) throw Error("audio file '" + name + "': holds no samples");
  return samples;
}

std::vector<float> remix(std::vector<float> samples, int64_t from, int64_t to,
                         const std::string& name) {
  if (from == to) return samples;
  if (to == 1) return mix_to_mono(samples, from);
  if (from == 1) {
    std::vector<float> out;
    out.reserve(samples.size() * static_cast<size_t>(to));
    for (float s : samples) out.insert(out.end(), static_cast<size_t>(to), s);
    return out;
  }
  throw Error("audio file '" + name + "': has " + std::to_string(from) +
              " channels and the model takes " + std::to_string(to) +
              "; only mixing down to mono or repeating a mono channel is done here");
}

Audio decode_open(SNDFILE* raw, const SF_INFO& sf, const std::string& name,
                  const DecodeOptions& options) {
  SndfilePtr file(raw);
  if (sf.channels <= 0 || sf.samplerate <= 0)
    throw Error("audio file '" + name + "': header declares " + std::to_string(sf.channels) +
                " channels at " + std::to_string(sf.samplerate) + " Hz; corrupted");
  Audio audio;
  audio.samples = read_all(file.get(), sf, name);
  audio.channels = sf.channels;
  audio.sample_rate = sf.samplerate;
  file.reset();
  if (options.channels && *options.channels <= 0)
    throw Error("decoding '" + name + "': channels must be positive (got " +
                std::to_string(*options.channels) + ")");
  // Mix down before resampling: resampling one channel is cheaper than many.
  if (options.channels && *options.channels == 1) {
    audio.samples = remix(std::move(audio.samples), audio.channels, 1, name);
    audio.channels = 1;
  }
  if (options.sample_rate && *options.sample_rate != audio.sample_rate) {
    audio.samples =
        resample(audio.samples, audio.channels, audio.sample_rate, *options.sample_rate);
    audio.sample_rate = *options.sample_rate;
  }
  if (options.channels && *options.channels != audio.channels) {
    audio.samples = remix(std::move(audio.samples), audio.channels, *options.channels, name);
    audio.channels = *options.channels;
  }
  return audio;
}

// Opens `path`, or throws naming why it cannot be read.
SNDFILE* open_path(const std::string& path, SF_INFO& sf) {
  {
    std::ifstream probe(path, std::ios::binary);
    if (!probe)
      throw Error("audio file '" + path + "': cannot be read (" + std::strerror(errno) + ")");
  }
  SNDFILE* file = sf_open(path.c_str(), SFM_READ, &sf);
  if (!file) fail_open(path, sf_error(nullptr), sf_strerror(nullptr));
  return file;
}

}  // namespace

Audio decode_file(const std::string& path, const DecodeOptions& options) {
  SF_INFO sf{};
  SNDFILE* file = open_path(path, sf);
  return decode_open(file, sf, path, options);
}

Audio decode_bytes(const uint8_t* data, size_t size, const std::string& name,
                   const DecodeOptions& options) {
  if (size > static_cast<size_t>(std::numeric_limits<sf_count_t>::max()))
    throw Error("audio data '" + name + "': too large");
  MemoryInput input{data, static_cast<sf_count_t>(size), 0};
  SF_VIRTUAL_IO io{memory_length, memory_seek, memory_read, memory_write, memory_tell};
  SF_INFO sf{};
  SNDFILE* file = sf_open_virtual(&io, SFM_READ, &sf, &input);
  if (!file) fail_open(name, sf_error(nullptr), sf_strerror(nullptr));
  return decode_open(file, sf, name, options);
}

AudioInfo probe_file(const std::string& path) {
  SF_INFO sf{};
  SndfilePtr file(open_path(path, sf));
  return info_of(sf);
}

}  // namespace modelzoo::audio

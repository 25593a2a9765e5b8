// modelzoo::audio against sox, an independent decoder and resampler: the
// same files decode to the same samples, resampling agrees within a stated
// tolerance, and files that are not audio or are cut short are refused by
// name. The lossy formats sox's base handlers cannot write (MP3, Opus) are
// encoded by libsndfile here and checked against their source signal.
#include <sndfile.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "modelzoo/audio/audio.h"
#include "modelzoo/sdk/error.h"
#include "process.h"
#include "shared_assets.h"

namespace fs = std::filesystem;
using modelzoo::audio::decode_file;
using modelzoo::audio::DecodeOptions;
using modelzoo::test::run_process;
using modelzoo::test::TempDir;

namespace {

std::string jfk_flac() {
  return modelzoo::test::shared_assets_dir() + "/whisper/jfk.flac";
}

// The absolute path of `name` on PATH (run_process does not search), or "".
std::string tool(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  for (size_t start = 0; start <= dirs.size();) {
    const size_t end = std::min(dirs.find(':', start), dirs.size());
    const fs::path candidate = fs::path(dirs.substr(start, end - start)) / name;
    if (!candidate.parent_path().empty() && ::access(candidate.c_str(), X_OK) == 0)
      return candidate.string();
    start = end + 1;
  }
  return "";
}

bool have_tool(const std::string& name) {
  return !tool(name).empty();
}

std::vector<float> read_f32(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<float> out(bytes.size() / sizeof(float));
  std::copy(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(out.size() * sizeof(float)),
            reinterpret_cast<char*>(out.data()));
  return out;
}

// What sox decodes `path` to, as raw float32, after `effects` (e.g. "-r",
// "16000", "-c", "1" as output options).
std::vector<float> sox_decode(const std::string& path,
                              const std::vector<std::string>& output_options, const TempDir& dir) {
  const std::string out = dir.path() + "/sox.f32";
  std::vector<std::string> argv = {tool("sox"), path, "-t", "f32"};
  argv.insert(argv.end(), output_options.begin(), output_options.end());
  argv.push_back(out);
  const auto result = run_process(argv);
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  return read_f32(out);
}

double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  REQUIRE(a.size() == b.size());
  double worst = 0.0;
  for (size_t i = 0; i < a.size(); ++i)
    worst = std::max(worst, std::abs(static_cast<double>(a[i]) - static_cast<double>(b[i])));
  return worst;
}

std::string espeak_wav(const TempDir& dir) {
  const std::string path = dir.path() + "/speech.wav";
  const auto made =
      run_process({tool("espeak-ng"), "-w", path, "Ask not what your country can do for you."});
  INFO(made.err);
  REQUIRE(made.exit_code == 0);
  return path;
}

void write_prefix(const std::string& from, const std::string& to, size_t bytes) {
  std::ifstream in(from, std::ios::binary);
  std::vector<char> data(bytes);
  in.read(data.data(), static_cast<std::streamsize>(bytes));
  std::ofstream(to, std::ios::binary).write(data.data(), in.gcount());
}

std::string error_of(const std::string& path) {
  try {
    decode_file(path);
  } catch (const modelzoo::Error& e) {
    return e.what();
  }
  return "";
}

// Encodes mono `samples` at `rate` with libsndfile's encoder for `format`.
void write_with_sndfile(const std::string& path, int format, const std::vector<float>& samples,
                        int rate) {
  SF_INFO info{};
  info.samplerate = rate;
  info.channels = 1;
  info.format = format;
  SNDFILE* file = sf_open(path.c_str(), SFM_WRITE, &info);
  INFO(sf_strerror(nullptr));
  REQUIRE(file != nullptr);
  REQUIRE(sf_writef_float(file, samples.data(), static_cast<sf_count_t>(samples.size())) ==
          static_cast<sf_count_t>(samples.size()));
  sf_close(file);
}

// The largest normalised cross-correlation of `a` and `b` over lags of up to
// `max_lag` samples: a lossy codec's output against its input, whatever
// delay the codec adds.
double best_correlation(const std::vector<float>& a, const std::vector<float>& b, int max_lag) {
  double best = -1.0;
  for (int lag = -max_lag; lag <= max_lag; lag += 1) {
    double ab = 0, aa = 0, bb = 0;
    for (size_t i = 0; i < a.size(); i += 4) {
      const int64_t j = static_cast<int64_t>(i) + lag;
      if (j < 0 || j >= static_cast<int64_t>(b.size())) continue;
      ab += a[i] * b[static_cast<size_t>(j)];
      aa += a[i] * a[i];
      bb += b[static_cast<size_t>(j)] * b[static_cast<size_t>(j)];
    }
    if (aa > 0 && bb > 0) best = std::max(best, ab / std::sqrt(aa * bb));
  }
  return best;
}

}  // namespace

TEST_CASE("jfk.flac decodes to the samples sox decodes it to", "[audio]") {
  if (!fs::exists(jfk_flac())) {
    WARN("skipped: " << jfk_flac() << " is absent (../shared/assets, see its README)");
    return;
  }
  TempDir dir;
  const auto audio = decode_file(jfk_flac());
  CHECK(audio.sample_rate == 44100);
  CHECK(audio.channels == 2);
  const auto info = modelzoo::audio::probe_file(jfk_flac());
  CHECK(info.format.find("FLAC") != std::string::npos);
  CHECK(info.encoding.find("24 bit") != std::string::npos);
  CHECK(info.frames == audio.frames());
  // 24-bit integers both ways scaled by 2^-23: exactly the same floats.
  CHECK(max_abs_diff(audio.samples, sox_decode(jfk_flac(), {}, dir)) == 0.0);
}

TEST_CASE("an espeak-ng WAV decodes to the samples sox decodes it to", "[audio]") {
  if (!have_tool("espeak-ng") || !have_tool("sox")) {
    WARN("skipped: espeak-ng or sox is missing (scripts/install-deps.sh installs them)");
    return;
  }
  TempDir dir;
  const std::string wav = espeak_wav(dir);
  const auto audio = decode_file(wav);
  CHECK(audio.sample_rate == 22050);
  CHECK(audio.channels == 1);
  CHECK(audio.frames() > 22050);  // a sentence is more than a second
  CHECK(max_abs_diff(audio.samples, sox_decode(wav, {}, dir)) == 0.0);

  // The same bytes from memory.
  std::ifstream in(wav, std::ios::binary);
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                   std::istreambuf_iterator<char>());
  const auto from_memory =
      modelzoo::audio::decode_bytes(bytes.data(), bytes.size(), "speech bytes");
  CHECK(from_memory.samples == audio.samples);
}

TEST_CASE("mixdown to mono is the channels' mean, as sox -c 1 makes it", "[audio]") {
  if (!fs::exists(jfk_flac())) {
    WARN("skipped: " << jfk_flac() << " is absent (../shared/assets, see its README)");
    return;
  }
  TempDir dir;
  DecodeOptions mono;
  mono.channels = 1;
  const auto audio = decode_file(jfk_flac(), mono);
  CHECK(audio.channels == 1);
  // sox sums in 32-bit integers and rounds once; float summation differs
  // by at most one 24-bit step.
  CHECK(max_abs_diff(audio.samples, sox_decode(jfk_flac(), {"-c", "1"}, dir)) <= 1.2e-7);
}

TEST_CASE("resampling 44.1 kHz to 16 kHz agrees with sox's rate", "[audio]") {
  if (!fs::exists(jfk_flac())) {
    WARN("skipped: " << jfk_flac() << " is absent (../shared/assets, see its README)");
    return;
  }
  TempDir dir;
  DecodeOptions options;
  options.sample_rate = 16000;
  options.channels = 1;
  const auto audio = decode_file(jfk_flac(), options);
  CHECK(audio.sample_rate == 16000);
  const auto reference = sox_decode(jfk_flac(), {"-r", "16000", "-c", "1"}, dir);
  // Same length (11 s at 16 kHz), and the same signal: soxr's HQ filter
  // and sox's `rate -h` are the same design (-100 dB stop band, 91.3%
  // pass band), implemented separately; measured on this speech: max
  // difference 1.0e-5 (-100 dBFS), RMS 1.4e-7. Stated tolerance: 1e-4.
  CHECK(audio.frames() == static_cast<int64_t>(reference.size()));
  CHECK(max_abs_diff(audio.samples, reference) <= 1e-4);
}

TEST_CASE("OGG/Vorbis decodes as sox decodes it, MP3 and Opus to their source", "[audio]") {
  if (!have_tool("espeak-ng") || !have_tool("sox")) {
    WARN("skipped: espeak-ng or sox is missing (scripts/install-deps.sh installs them)");
    return;
  }
  TempDir dir;
  const std::string wav = espeak_wav(dir);
  const std::string ogg = dir.path() + "/speech.ogg";
  REQUIRE(run_process({tool("sox"), wav, ogg}).exit_code == 0);
  const auto vorbis = decode_file(ogg);
  CHECK(vorbis.sample_rate == 22050);
  // Both through libvorbis; sox takes its output as 16-bit integers, so the
  // two differ by at most one 16-bit step.
  CHECK(max_abs_diff(vorbis.samples, sox_decode(ogg, {}, dir)) <= 1.0 / 32768 + 1e-9);

  DecodeOptions at16k;
  at16k.sample_rate = 16000;
  const auto source = decode_file(wav, at16k).samples;
  const std::string mp3 = dir.path() + "/speech.mp3";
  const std::string opus = dir.path() + "/speech.opus";
  write_with_sndfile(mp3, SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III, source, 16000);
  write_with_sndfile(opus, SF_FORMAT_OGG | SF_FORMAT_OPUS, source, 16000);
  for (const std::string& path : {mp3, opus}) {
    INFO(path);
    const auto decoded = decode_file(path);
    CHECK(decoded.sample_rate == 16000);
    const auto back = decode_file(path, at16k).samples;
    // Lossy, and the codec may add a delay: the same length within 0.1 s,
    // and the same waveform (correlation at the best lag).
    CHECK(std::abs(static_cast<double>(back.size()) - static_cast<double>(source.size())) < 1600);
    CHECK(best_correlation(source, back, 1200) > 0.9);
  }
}

TEST_CASE("a truncated file and a text file are refused by name", "[audio]") {
  if (!have_tool("espeak-ng")) {
    WARN("skipped: espeak-ng is missing (scripts/install-deps.sh installs it)");
    return;
  }
  TempDir dir;
  const std::string wav = espeak_wav(dir);
  const std::string cut = dir.path() + "/cut.wav";
  write_prefix(wav, cut, static_cast<size_t>(fs::file_size(wav) / 2));
  std::string error = error_of(cut);
  CHECK_THAT(error, Catch::Contains("'" + cut + "'") && Catch::Contains("truncated"));

  if (fs::exists(jfk_flac())) {
    const std::string cut_flac = dir.path() + "/cut.flac";
    write_prefix(jfk_flac(), cut_flac, static_cast<size_t>(fs::file_size(jfk_flac()) / 3));
    error = error_of(cut_flac);
    CHECK_THAT(error, Catch::Contains("'" + cut_flac + "'") && Catch::Contains("truncated"));
  }

  const std::string text = dir.path() + "/notes.wav";  // the name does not make it audio
  std::ofstream(text) << "these are not samples\n";
  error = error_of(text);
  CHECK_THAT(error, Catch::Contains("'" + text + "'") && Catch::Contains("not an audio file"));

  const std::string missing = dir.path() + "/absent.flac";
  CHECK_THAT(error_of(missing),
             Catch::Contains("'" + missing + "'") && Catch::Contains("cannot be read"));

  // Only the header of a WAV: no samples at all.
  const std::string header_only = dir.path() + "/header.wav";
  write_prefix(wav, header_only, 44);
  CHECK_THAT(error_of(header_only), Catch::Contains("'" + header_only + "'"));
}

TEST_CASE("channel counts that cannot be made are refused", "[audio]") {
  if (!fs::exists(jfk_flac())) {
    WARN("skipped: " << jfk_flac() << " is absent (../shared/assets, see its README)");
    return;
  }
  DecodeOptions three;
  three.channels = 3;
  CHECK_THROWS_WITH(decode_file(jfk_flac(), three),
                    Catch::Contains("has 2 channels and the model takes 3"));
}

// Silero VAD with its published weights: the native model's per-chunk
// probabilities on test.wav equal those of the same archive run by
// torch::jit::load (the oracle) over all 1875 chunks, state carried, at
// 16 kHz and at 8 kHz; the segments of both agree; feeding a stream in
// pieces of any size gives the probabilities of one run.
// clang-format off
#include "silero_oracle.h"  // first: see there
#include <catch2/catch.hpp>
// clang-format on

#include <modelzoo/audio/audio.h>
#include <modelzoo/sdk/manifest.h>
#include <modelzoo/weights.h>

#include <algorithm>
#include <cmath>
#include <fstream>

#include "silero_vad.h"
#include "speech_segments.h"

using namespace modelzoo::audio;
using modelzoo::audio::test::kSileroJit;
using modelzoo::audio::test::kSileroWav;

namespace {

bool have_silero_assets() {
  const std::string missing = test::silero_assets_missing();
  if (!missing.empty()) WARN(missing);
  return missing.empty();
}

std::vector<float> decode(int64_t rate) {
  DecodeOptions o;
  o.sample_rate = rate;
  o.channels = 1;
  return decode_file(kSileroWav, o).samples;
}

SileroVadModel& native() {
  static SileroVadModel* model = [] {
    auto* m = new SileroVadModel(16000);
    const auto report = m->load_weights(modelzoo::Weights::from_file(kSileroJit));
    REQUIRE(report.clean());
    CHECK(report.loaded == 30);  // 15 tensors a rate; _state and _context skipped
    m->eval();
    return m;
  }();
  return *model;
}

double max_difference(const std::vector<float>& a, const std::vector<float>& b) {
  double d = 0;
  for (size_t i = 0; i < a.size(); ++i) d = std::max(d, std::abs(double(a[i]) - b[i]));
  return d;
}

long above_half(const std::vector<float>& p) {
  return std::count_if(p.begin(), p.end(), [](float v) { return v > 0.5f; });
}

}  // namespace

TEST_CASE("Silero VAD at 16 kHz equals the TorchScript archive chunk by chunk", "[audio][silero]") {
  if (!have_silero_assets()) return;
  const auto audio = decode(16000);
  REQUIRE(audio.size() == 960000);  // 60 s
  const auto expected = test::oracle_probabilities(audio, 16000);
  REQUIRE(expected.size() == 1875);
  CHECK(above_half(expected) == 1452);  // the oracle as the assets' README states it
  const auto got = native().speech_probabilities(audio.data(), audio.size(), 16000);
  REQUIRE(got.size() == expected.size());
  CHECK(max_difference(got, expected) <= 1e-5);
  CHECK(above_half(got) == 1452);
  // The same rules on both give the same segments.
  const auto segments = speech_segments(got, 960000, 16000, 512, {});
  CHECK(segments.size() > 5);
  CHECK(segments == speech_segments(expected, 960000, 16000, 512, {}));
}

TEST_CASE("Silero VAD at 8 kHz equals the TorchScript archive chunk by chunk", "[audio][silero]") {
  if (!have_silero_assets()) return;
  const auto audio = decode(8000);  // soxr from 16 kHz
  REQUIRE(audio.size() == 480000);
  const auto expected = test::oracle_probabilities(audio, 8000);
  REQUIRE(expected.size() == 1875);
  const auto got = native().speech_probabilities(audio.data(), audio.size(), 8000);
  REQUIRE(got.size() == expected.size());
  CHECK(max_difference(got, expected) <= 1e-5);
  CHECK(above_half(got) == above_half(expected));
  CHECK(speech_segments(got, 480000, 8000, 256, {}) ==
        speech_segments(expected, 480000, 8000, 256, {}));
}

TEST_CASE("a stream fed in pieces gives the probabilities of one run", "[audio][silero]") {
  if (!have_silero_assets()) return;
  const auto audio = decode(16000);
  const std::vector<float> first(audio.begin(), audio.begin() + 160000);  // 10 s
  const auto whole = native().speech_probabilities(first.data(), first.size(), 16000);
  SileroVadStream stream = native().stream(16000);
  std::vector<float> pieces;
  // Pieces of 1 sample to 3 chunks, none aligned with a chunk.
  size_t at = 0;
  for (size_t size = 1; at < first.size(); size = size * 7 % 1601 + 1) {
    const size_t n = std::min(size, first.size() - at);
    for (float p : stream.feed(first.data() + at, n)) pieces.push_back(p);
    at += n;
  }
  for (float p : stream.flush()) pieces.push_back(p);
  REQUIRE(pieces.size() == whole.size());
  CHECK(max_difference(pieces, whole) <= 1e-6);
  CHECK(stream.chunks() == static_cast<int64_t>(whole.size()));
  // A reset starts over: the first chunk scores as in a fresh run.
  stream.reset();
  const auto again = stream.feed(first.data(), 512);
  REQUIRE(again.size() == 1);
  CHECK(std::abs(again[0] - whole[0]) <= 1e-6);
}

TEST_CASE("the archive's module paths map to the model's names", "[audio][silero]") {
  CHECK(silero_vad_model_name("_model.encoder.2.reparam_conv.weight") ==
        "model_16k.encoder.2.weight");
  CHECK(silero_vad_model_name("_model_8k.decoder.rnn.weight_hh") == "model_8k.lstm.weight_hh");
  CHECK(silero_vad_model_name("_model.decoder.decoder.2.bias") == "model_16k.head.bias");
  CHECK(silero_vad_model_name("_model_8k.stft.forward_basis_buffer") == "model_8k.stft_basis");
  CHECK(silero_vad_model_name("model_16k.head.bias") == "model_16k.head.bias");
  // The basis the model computes is the archive's (a periodic-Hann DFT).
  if (!have_silero_assets()) return;
  const auto weights = modelzoo::Weights::from_file(kSileroJit);
  SileroVadModel fresh(16000);
  const auto buffers = fresh.named_buffers();
  for (const auto& [archive, name] :
       {std::pair{"_model.stft.forward_basis_buffer", "model_16k.stft_basis"},
        std::pair{"_model_8k.stft.forward_basis_buffer", "model_8k.stft_basis"}}) {
    INFO(name);
    CHECK((weights.tensor(archive) - buffers[name]).abs().max().item<float>() < 1e-6);
  }
}

TEST_CASE("the manifest's silero_vad: its task, audio input and parameter count",
          "[audio][silero][manifest]") {
  std::ifstream in(MODELZOO_AUDIO_MANIFEST);
  const auto manifest = modelzoo::parse_plugin_manifest(nlohmann::json::parse(in));
  const auto it = std::find_if(manifest.entrypoints.begin(), manifest.entrypoints.end(),
                               [](const auto& e) { return e.name == "silero_vad"; });
  REQUIRE(it != manifest.entrypoints.end());
  CHECK(it->task == "voice-activity-detection");
  CHECK(it->input().kind == "audio");
  CHECK(it->input().sample_rate == 16000);
  REQUIRE(it->variants.size() == 1);
  const auto& v = it->variants[0];
  CHECK(v.weights().format == "torchscript");
  CHECK(v.weights().sha256.hex ==
        "e1122837f4154c511485fe0b9c64455f7b929c96fbb8d79fbdb336383ebd3720");
  SileroVadModel model(16000);
  int64_t count = 0;
  for (const auto& p : model.named_parameters()) count += p.value().numel();
  CHECK(count == v.meta_value("num_params")->get<int64_t>());
}

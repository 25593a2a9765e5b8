// The audio family's commands through the real CLI, on the reduced ASR
// model of make_wav2vec2_fixtures.py given with --weights and its config
// with -c: the transcript equals the greedy CTC decoding, written in the
// fixture script, of torchaudio's own emissions for the same WAV; windows
// cover every frame once; words carry times; features come out as
// safetensors; a file that is not audio is refused before anything loads.
#include <torch/types.h>

// glog (through LibTorch) defines CHECK too; Catch's must win.
#undef CHECK
#include <catch2/catch.hpp>

#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "modelzoo/weights.h"
#include "paths.h"
#include "process.h"

using nlohmann::json;

namespace {

std::string fixture(const std::string& file) {
  return std::string(MODELZOO_AUDIO_FIXTURE_DIR) + "/" + file;
}

json fixture_index() {
  std::ifstream in(fixture("index.json"));
  if (!in) return nullptr;
  return json::parse(in);
}

// -c KEY=VALUE for every structural key of the fixture's config.
std::vector<std::string> config_args(const json& config) {
  std::vector<std::string> args;
  for (const auto& [key, value] : config.items()) {
    if (value.is_null()) continue;
    args.push_back("-c");
    args.push_back(key + "=" + value.dump());
  }
  return args;
}

modelzoo::test::ProcessResult run_cli(const std::string& entry, const std::string& weights,
                                      const json& config, std::vector<std::string> extra,
                                      const std::string& home) {
  std::vector<std::string> args = {
      modelzoo::test::cli_path(), "run", entry, "--weights", weights, "--threads", "1", "--json"};
  for (const auto& a : config_args(config)) args.push_back(a);
  for (auto& a : extra) args.push_back(std::move(a));
  return modelzoo::test::run_process(args, {{"MODELZOO_HOME", home},
                                            {"MODELZOO_PLUGIN_PATH", MODELZOO_AUDIO_PLUGIN_DIR},
                                            {"MODELZOO_TRUST", "off"},
                                            {"MODELZOO_OFFLINE", "1"},
                                            {"TORCH_HOME", home + "/torch"}});
}

// The last JSON document on stdout (the result).
json result_of(const modelzoo::test::ProcessResult& r) {
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const size_t start = r.out.rfind("\n{");
  return json::parse(start == std::string::npos ? r.out : r.out.substr(start + 1));
}

}  // namespace

TEST_CASE("run automatic-speech-recognition: torchaudio's emissions, decoded", "[audio][cli]") {
  const json index = fixture_index();
  if (index.is_null()) {
    WARN("skipped: no fixtures (make_wav2vec2_fixtures.py needs torch and torchaudio)");
    return;
  }
  modelzoo::test::TempDir home;
  const json& expected = index.at("asr_wav");
  const json one = result_of(run_cli("wav2vec2_asr_base_960h", fixture("asr.pth"), index.at("asr"),
                                     {"--audio", fixture("asr.wav")}, home.path()));
  CHECK(one.at("task") == "automatic-speech-recognition");
  CHECK(one.at("text") == expected.at("text"));
  CHECK(one.at("frames") == expected.at("frames"));
  CHECK(one.at("windows") == 1);
  CHECK(one.at("audio").at("sample_rate") == 16000);
  CHECK(one.at("audio").at("seconds").get<double>() == Approx(3.7));
  const auto& words = one.at("words");
  REQUIRE(words.size() == expected.at("words").get<size_t>());
  double previous_end = 0;
  for (const auto& w : words) {
    CHECK(w.at("start").get<double>() >= previous_end);
    CHECK(w.at("end").get<double>() > w.at("start").get<double>());
    previous_end = w.at("end").get<double>();
  }
  CHECK(previous_end <= 3.7);

  // The same weights under Hugging Face's names (lm_head of 32 outputs).
  const json hf = result_of(run_cli("wav2vec2_asr_base_960h", fixture("asr_hf.pth"),
                                    index.at("asr"), {"--audio", fixture("asr.wav")}, home.path()));
  CHECK(hf.at("text") == expected.at("text"));

  // 1 s windows sharing 0.2 s: five forward passes (starts 0, 0.8, 1.6,
  // 2.4, 3.2 s), and every one of the 184 frames kept exactly once.
  const json windowed = result_of(
      run_cli("wav2vec2_asr_base_960h", fixture("asr.pth"), index.at("asr"),
              {"--audio", fixture("asr.wav"), "--window", "1", "--overlap", "0.2"}, home.path()));
  CHECK(windowed.at("windows") == 5);
  CHECK(windowed.at("frames") == expected.at("frames"));
  // 0.46 s windows (23 frames) without overlap: the ninth would start 320
  // samples before the end, too few for a frame, so the eighth runs to the
  // end and no frame is lost.
  const json tail = result_of(
      run_cli("wav2vec2_asr_base_960h", fixture("asr.pth"), index.at("asr"),
              {"--audio", fixture("asr.wav"), "--window", "0.46", "--overlap", "0"}, home.path()));
  CHECK(tail.at("windows") == 8);
  CHECK(tail.at("frames") == expected.at("frames"));
}

TEST_CASE("run feature-extraction writes the layer's frames", "[audio][cli]") {
  const json index = fixture_index();
  if (index.is_null()) {
    WARN("skipped: no fixtures (make_wav2vec2_fixtures.py needs torch and torchaudio)");
    return;
  }
  modelzoo::test::TempDir home;
  const std::string out = home.path() + "/features.safetensors";
  const json r =
      result_of(run_cli("wav2vec2_base", fixture("base.pth"), index.at("base"),
                        {"--audio", fixture("asr.wav"), "--layer", "1", "-o", out}, home.path()));
  CHECK(r.at("layer") == 1);
  CHECK(r.at("frames") == 184);
  CHECK(r.at("hidden_size") == 48);
  CHECK(r.at("embedding").size() == 48);
  const auto features = modelzoo::Weights::from_file(out).tensor("features");
  CHECK(features.sizes() == torch::IntArrayRef({184, 48}));
  // The layer torchaudio computed for the WAV's samples.
  const auto expected =
      modelzoo::Weights::from_file(fixture("base.expected.pth")).tensor("heard_layer1")[0];
  CHECK((features - expected).abs().max().item<double>() <= 1e-4);
}

TEST_CASE("run refuses a file that is not audio before loading the model", "[audio][cli]") {
  modelzoo::test::TempDir home;
  const std::string text = home.path() + "/notes.wav";
  std::ofstream(text) << "not samples\n";
  // No --weights and offline: reaching the load would fail on the missing
  // download instead; the audio file is refused first.
  const auto r = modelzoo::test::run_process(
      {modelzoo::test::cli_path(), "run", "wav2vec2_asr_base_960h", "--audio", text},
      {{"MODELZOO_HOME", home.path()},
       {"MODELZOO_PLUGIN_PATH", MODELZOO_AUDIO_PLUGIN_DIR},
       {"MODELZOO_TRUST", "off"},
       {"MODELZOO_OFFLINE", "1"},
       {"TORCH_HOME", home.path() + "/torch"}});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("'" + text + "'") && Catch::Contains("not an audio file"));
  CHECK_THAT(r.err, !Catch::Contains("offline"));
}

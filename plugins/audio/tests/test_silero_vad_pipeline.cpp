// The whole path a user takes with Silero VAD, through the `modelzoo`
// binary against a loopback nginx serving as MODELZOO_MIRROR the real
// archive under its published digest: pull -> verify -> read the
// TorchScript archive's weights (nothing in it run) -> decode test.wav ->
// score every chunk -> segment. The segments must be those of the
// archive's own probabilities (torch::jit::load, the test-only oracle)
// under the same rules; `--weights FILE` offline gives them too.
// clang-format off
#include "silero_oracle.h"  // first: see there
#include <catch2/catch.hpp>
// clang-format on

#include <modelzoo/audio/audio.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "paths.h"
#include "process.h"
#include "speech_segments.h"
#include "test_support.h"

namespace fs = std::filesystem;
using modelzoo::cache::test::Nginx;
using modelzoo::test::run_process;
using namespace modelzoo::audio;

namespace {

const std::string kDigest = "e1122837f4154c511485fe0b9c64455f7b929c96fbb8d79fbdb336383ebd3720";

struct Cli {
  std::string home, mirror;
  std::string offline = "";
  modelzoo::test::ProcessResult operator()(std::vector<std::string> args) const {
    args.insert(args.begin(), modelzoo::test::cli_path());
    return run_process(args, {{"MODELZOO_HOME", home},
                              {"MODELZOO_PLUGIN_PATH", MODELZOO_AUDIO_PLUGIN_DIR},
                              {"MODELZOO_MIRROR", mirror},
                              {"MODELZOO_OFFLINE", offline},
                              {"MODELZOO_TRUST", "off"},
                              {"TORCH_HOME", home + "/torch"}});
  }
};

// The oracle's segments, in seconds, as the command reports them.
nlohmann::json expected_segments() {
  DecodeOptions o;
  o.sample_rate = 16000;
  o.channels = 1;
  const auto audio = decode_file(test::kSileroWav, o).samples;
  const auto probabilities = test::oracle_probabilities(audio, 16000);
  nlohmann::json out = nlohmann::json::array();
  for (const auto& s :
       speech_segments(probabilities, static_cast<int64_t>(audio.size()), 16000, 512, {}))
    out.push_back({s.start / 16000.0, s.end / 16000.0});
  return out;
}

nlohmann::json segments_of(const nlohmann::json& result) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& s : result.at("segments"))
    out.push_back({s.at("start").get<double>(), s.at("end").get<double>()});
  return out;
}

}  // namespace

TEST_CASE("silero_vad through the mirror: the archive pulled by digest, the oracle's segments",
          "[audio][silero][nginx]") {
  const std::string missing = test::silero_assets_missing();
  if (!missing.empty()) {
    WARN(missing);
    return;
  }
  const nlohmann::json expected = expected_segments();
  REQUIRE(expected.size() > 5);

  modelzoo::cache::test::TempDir root;
  const fs::path docroot = root / "mirror";
  fs::create_directories(docroot / "sha256");
  fs::copy_file(test::kSileroJit, docroot / "sha256" / kDigest);
  Nginx nginx(docroot);
  const Cli cli{(root / "home").string(), nginx.url("/")};

  auto r = cli({"run", "silero_vad", "--audio", test::kSileroWav, "--json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto out = nlohmann::json::parse(r.out);
  CHECK(out["task"] == "voice-activity-detection");
  CHECK(out["model"] == "audio/silero_vad");
  CHECK(out["chunks"] == 1875);
  CHECK(out["audio"]["sample_rate"] == 16000);
  CHECK(segments_of(out) == expected);
  CHECK(nginx.requests("/sha256/" + kDigest).size() == 1);
  CHECK(fs::exists(root / "home" / "blobs" / "sha256" / kDigest));

  // Text mode: the segments as a table, from the cache.
  r = cli({"run", "silero_vad", "--audio", test::kSileroWav});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out,
             Catch::Contains("segments:") && Catch::Contains("START") && Catch::Contains("END"));
  CHECK(nginx.requests("/sha256/" + kDigest).size() == 1);

  // A local copy of the archive, offline and with the mirror gone.
  nginx.stop();
  Cli offline = cli;
  offline.offline = "1";
  offline.home = (root / "other-home").string();
  r = offline(
      {"run", "silero_vad", "--audio", test::kSileroWav, "--weights", test::kSileroJit, "--json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(segments_of(nlohmann::json::parse(r.out)) == expected);
}

TEST_CASE("silero_vad refuses a file that is not audio before it pulls anything",
          "[audio][silero]") {
  modelzoo::cache::test::TempDir root;
  const fs::path text = root / "notes.wav";
  { std::ofstream(text) << "not audio at all\n"; }
  const Cli cli{(root / "home").string(), "http://127.0.0.1:9/", "1"};
  const auto r = cli({"run", "silero_vad", "--audio", text.string()});
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.err, Catch::Contains(text.string()));
  CHECK_FALSE(fs::exists(root / "home" / "blobs"));
}

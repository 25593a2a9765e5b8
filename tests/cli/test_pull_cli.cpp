// `modelzoo pull` and `cache path | rm` as a newcomer meets them: several
// names with failures among them, --name checked against the manifest,
// the names `cache path` takes, and what the errors tell to do.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "paths.h"
#include "process.h"

using namespace modelzoo::test;
using nlohmann::json;

namespace {

using Env = std::vector<std::pair<std::string, std::string>>;

ProcessResult modelzoo_cli(std::vector<std::string> args, Env env) {
  args.insert(args.begin(), cli_path());
  env.emplace_back("MODELZOO_PLUGIN_PATH", plugin_dir("good"));
  env.emplace_back("MODELZOO_PLUGIN_PATH_ONLY", "1");
  return run_process(args, env);
}

const std::string kToyWeights = std::string(MODELZOO_SOURCE_DIR) + "/tests/plugins/toy/weights";
const std::string kToyDigest = "caa5bf713740f5ff8a51b2bbce3adb320be60aec115d6c945fe1e56332fec160";

Env with_mirror(const TempDir& dir) {
  return {{"MODELZOO_HOME", dir.path() + "/home"}, {"MODELZOO_MIRROR", "file://" + kToyWeights}};
}

std::size_t cached_files(const Env& env) {
  const auto r = modelzoo_cli({"cache", "ls", "--json"}, env);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out).size();
}

}  // namespace

TEST_CASE("pull A B goes on after a failure and names each one", "[cli][cache]") {
  TempDir dir;
  const Env env = with_mirror(dir);
  auto r = modelzoo_cli({"pull", "no_such_model", "tiny_mlp", "toy/tiny_cnn.NOPE"}, env);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("no_such_model") &&
                        Catch::Contains("2 of 3 pulls failed: no_such_model toy/tiny_cnn.NOPE"));
  CHECK_THAT(r.out, Catch::Contains("toy/tiny_mlp.SYNTH_V1: local_file"));
  CHECK(cached_files(env) == 1);

  // --json: one object per name, in order, each failure with its error.
  r = modelzoo_cli({"pull", "no_such_model", "tiny_mlp", "--json"}, env);
  CHECK(r.exit_code == 1);
  const json results = json::parse(r.out);
  REQUIRE(results.size() == 2);
  CHECK(results[0]["name"] == "no_such_model");
  CHECK_THAT(results[0]["error"].get<std::string>(), Catch::Contains("no_such_model"));
  CHECK(results[1]["sha256"] == kToyDigest);

  // One name failing: its own error, no summary line.
  r = modelzoo_cli({"pull", "no_such_model"}, env);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, !Catch::Contains("pulls failed"));
}

TEST_CASE("pull --url --name of a manifest's variant must agree with the manifest's digest",
          "[cli][cache]") {
  TempDir dir;
  const Env env = with_mirror(dir);
  const std::string other = dir.path() + "/other.safetensors";
  std::ofstream(other, std::ios::binary) << std::string(4096, 'x');
  const std::string other_digest = sha256_of_file(other);

  auto r = modelzoo_cli({"pull", "--url", "file://" + other, "--sha256", other_digest, "--name",
                         "toy/tiny_mlp.SYNTH_V1"},
                        env);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains(kToyDigest) && Catch::Contains(other_digest) &&
                        Catch::Contains("modelzoo pull toy/tiny_mlp.SYNTH_V1") &&
                        Catch::Contains("--name toy/tiny_mlp.LOCAL"));
  CHECK(cached_files(env) == 0);
  // A prefix that contradicts the manifest's digest is refused the same way.
  r = modelzoo_cli({"pull", "--url", "file://" + other, "--sha256", other_digest.substr(0, 8),
                    "--name", "toy/tiny_mlp.SYNTH_V1"},
                   env);
  CHECK(r.exit_code == 1);
  CHECK(cached_files(env) == 0);

  // Under a name of its own the file is the user's business.
  r = modelzoo_cli({"pull", "--url", "file://" + other, "--sha256", other_digest, "--name",
                    "toy/tiny_mlp.LOCAL"},
                   env);
  CHECK(r.exit_code == 0);

  // The manifest's file from anywhere, by a prefix of its digest: recorded
  // under the manifest's file name and full digest, so the variant is found
  // offline.
  const std::string renamed = dir.path() + "/renamed.bin";
  std::filesystem::copy_file(kToyWeights + "/tiny_mlp-synth.safetensors", renamed);
  r = modelzoo_cli({"pull", "--url", "file://" + renamed, "--sha256", kToyDigest.substr(0, 10),
                    "--name", "toy/tiny_mlp.SYNTH_V1", "--json"},
                   env);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const json pulled = json::parse(r.out);
  CHECK(pulled[0]["file"] == "tiny_mlp-synth.safetensors");
  CHECK(pulled[0]["verification"] == "full_digest");
  r = modelzoo_cli({"pull", "toy/tiny_mlp.SYNTH_V1", "--json"},
                   {{"MODELZOO_HOME", dir.path() + "/home"}, {"MODELZOO_OFFLINE", "1"}});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(json::parse(r.out)[0]["source"] == "cache");
}

TEST_CASE("cache path takes the names pull takes, and rm of a pinned alias names --force",
          "[cli][cache]") {
  TempDir dir;
  const Env env = with_mirror(dir);
  auto r = modelzoo_cli({"cache", "path", "tiny_mlp"}, env);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("not in the cache") &&
                        Catch::Contains("modelzoo pull toy/tiny_mlp.SYNTH_V1"));
  REQUIRE(modelzoo_cli({"pull", "tiny_mlp"}, env).exit_code == 0);
  for (const std::string& name :
       std::vector<std::string>{"tiny_mlp", "toy/tiny_mlp", "tiny_mlp.SYNTH_V1",
                                "toy/tiny_mlp.SYNTH_V1", kToyDigest.substr(0, 12)}) {
    INFO(name);
    r = modelzoo_cli({"cache", "path", name}, env);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::EndsWith("blobs/sha256/" + kToyDigest + "\n"));
  }
  r = modelzoo_cli({"cache", "path", "tiny_mlp", "--json"}, env);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(json::parse(r.out)["path"].get<std::string>(),
             Catch::EndsWith("blobs/sha256/" + kToyDigest));
  r = modelzoo_cli({"cache", "path", "no_such_model"}, env);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("\"no_such_model\" is not in the cache"));

  REQUIRE(modelzoo_cli({"cache", "pin", "toy/tiny_mlp.SYNTH_V1"}, env).exit_code == 0);
  for (const std::string& name :
       std::vector<std::string>{"toy/tiny_mlp.SYNTH_V1", kToyDigest.substr(0, 12)}) {
    r = modelzoo_cli({"cache", "rm", name}, env);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains("pinned") && Catch::Contains("--force") &&
                          Catch::Contains("modelzoo cache unpin toy/tiny_mlp.SYNTH_V1"));
  }
  r = modelzoo_cli({"cache", "rm", "--force", "toy/tiny_mlp.SYNTH_V1"}, env);
  CHECK(r.exit_code == 0);
  CHECK(cached_files(env) == 0);
}

TEST_CASE("a file:// pull that fails points at the path, not at the network", "[cli][cache]") {
  TempDir dir;
  const Env env = {{"MODELZOO_HOME", dir.path() + "/home"}};
  auto r = modelzoo_cli(
      {"pull", "--url", "file://" + dir.path() + "/missing.bin", "--sha256", std::string(64, 'a')},
      env);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("no such file") && Catch::Contains("Check the file:// path") &&
                        !Catch::Contains("network"));
  // An http URL that fails still gets the network hint.
  r = modelzoo_cli({"pull", "--url", "http://127.0.0.1:9/w.bin", "--sha256", std::string(64, 'a')},
                   env);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("Check the network or proxy"));
}

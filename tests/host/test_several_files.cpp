// A variant of several files, end to end: the `files` fixture family's
// sharded_mlp (toy/tiny_mlp's weights split into two safetensors shards with
// their Hugging Face index, plus a labels file) served by a loopback nginx
// as MODELZOO_MIRROR. Every file reaches the plugin by role; one bad file
// leaves nothing usable, and the error names it.
#include <torch/types.h>

// glog (through LibTorch) defines CHECK too; Catch's must win.
#undef CHECK
#include <catch2/catch.hpp>

#include <fstream>

#include "modelzoo/hub.h"
#include "modelzoo/model.h"
#include "modelzoo/sdk/error.h"
#include "modelzoo/weights.h"
#include "paths.h"
#include "process.h"
#include "test_support.h"

using namespace modelzoo;
namespace fs = std::filesystem;
using modelzoo::cache::test::Nginx;

namespace {

const char* kFiles[] = {"model.safetensors.index.json", "model-00001-of-00002.safetensors",
                        "model-00002-of-00002.safetensors", "labels.txt"};

struct Fixture {
  cache::test::TempDir dir;
  fs::path docroot = dir / "www";
  fs::path plugins = dir / "plugins";
  fs::path home = dir / "home";

  Fixture() {
    fs::create_directories(docroot);
    fs::create_directories(plugins);
    for (const char* f : kFiles)
      fs::copy_file(fs::path(MODELZOO_FILES_FIXTURE_DIR) / f, docroot / f);
    fs::copy_file(test::plugin_dir("extra") + "/files.so", plugins / "files.so");
  }
  HubOptions hub_options() const {
    HubOptions o;
    o.plugin_path = std::vector<fs::path>{plugins};
    o.trust = trust::TrustMode::kOff;
    o.registry_cache = dir / "registry.cache";
    return o;
  }
  PretrainedOptions load_options(const Nginx& nginx) const {
    PretrainedOptions o;
    cache::CacheConfig c;
    c.root = home / "cache";
    c.mirror = nginx.url("/");
    c.torch_hub_dir.clear();
    o.cache = c;
    return o;
  }
};

torch::Tensor probe_input() {
  return torch::linspace(-1, 1, 784).reshape({1, 784});
}

}  // namespace

TEST_CASE("a sharded variant with a labels file loads in one call: every file reaches the plugin",
          "[host][files][nginx]") {
  Fixture f;
  Nginx nginx(f.docroot);
  Hub hub(f.hub_options());

  const Pretrained loaded = hub.load("files/sharded_mlp", f.load_options(nginx));
  REQUIRE(loaded.files.size() == 4);
  CHECK(loaded.variant->tag == "SHARDED_V1");
  CHECK(loaded.files[3].role == "labels");
  CHECK(loaded.files[0].format == "safetensors-index");
  CHECK(test::sha256_of_file(loaded.file("labels")) ==
        "0c97fb242ab32a23b942357b9120cf91fdc456d1937324185b96ee6ed7b991f0");
  CHECK(loaded.report.at("loaded") == 4);  // all four tensors, from both shards

  // The shards hold toy/tiny_mlp's synthetic weights: the same logits as the
  // unsharded file gives the same architecture.
  auto reference = hub.create("files/sharded_mlp");
  Weights::from_file(std::string(MODELZOO_TOY_WEIGHTS)).load_into(*reference);
  reference->eval();
  torch::InferenceMode guard;
  CHECK(torch::equal(loaded.model->forward(probe_input()), reference->forward(probe_input())));

  // The plugin's command sees every file, by role.
  const nlohmann::json result =
      hub.run_command("run", "files/sharded_mlp", {{"value", 0.25}}, f.load_options(nginx));
  REQUIRE(result.at("files").size() == 4);
  for (size_t i = 0; i < 4; ++i) {
    CHECK(result["files"][i]["file"] == kFiles[i]);
    CHECK(fs::exists(result["files"][i]["path"].get<std::string>()));
  }
  CHECK(result["files"][3]["role"] == "labels");
  const int64_t index = result.at("index");
  CHECK(result.at("label") == "class " + std::to_string(index));
  const auto expected = reference->forward(torch::full({1, 784}, 0.25)).argmax(1).item<int64_t>();
  CHECK(index == expected);

  // Later loads need no server.
  nginx.stop();
  PretrainedOptions offline = f.load_options(nginx);
  offline.network = cache::NetworkPolicy::offline;
  CHECK(hub.load("files/sharded_mlp", offline).files.size() == 4);
}

TEST_CASE("one corrupted file of a variant: nothing loads, the error names the file",
          "[host][files][nginx]") {
  Fixture f;
  {
    std::fstream shard(f.docroot / "model-00002-of-00002.safetensors",
                       std::ios::in | std::ios::out | std::ios::binary);
    shard.seekp(600);
    shard.put('\x7f');  // one byte of tensor data: the header still parses
  }
  Nginx nginx(f.docroot);
  Hub hub(f.hub_options());
  try {
    hub.load("files/sharded_mlp", f.load_options(nginx));
    FAIL("a variant with a corrupted shard loaded");
  } catch (const Error& e) {
    CHECK_THAT(e.what(), Catch::Contains("model-00002-of-00002.safetensors") &&
                             Catch::Contains("sha256 mismatch") && Catch::Contains("file 3 of 4"));
  }
  CHECK_THROWS_WITH(
      hub.run_command("run", "files/sharded_mlp", {{"value", 0.5}}, f.load_options(nginx)),
      Catch::Contains("model-00002-of-00002.safetensors"));
  // Offline, the variant is absent (three good files are not a variant).
  PretrainedOptions offline = f.load_options(nginx);
  offline.network = cache::NetworkPolicy::offline;
  CHECK_THROWS_WITH(hub.load("files/sharded_mlp", offline),
                    Catch::Contains("model-00002-of-00002.safetensors"));
}

TEST_CASE("modelzoo run on a several-file variant prints the command's result",
          "[host][files][cli]") {
  Fixture f;
  Nginx nginx(f.docroot);
  const std::vector<std::pair<std::string, std::string>> env = {
      {"MODELZOO_HOME", f.home.string()},
      {"MODELZOO_PLUGIN_PATH", f.plugins.string()},
      {"MODELZOO_MIRROR", nginx.url("/")},
      {"MODELZOO_TRUST", "off"},
      {"TORCH_HOME", (f.home / "torch").string()}};
  const auto json_run = test::run_process(
      {test::cli_path(), "run", "files/sharded_mlp", "--value", "0.25", "--json"}, env);
  INFO(json_run.err);
  REQUIRE(json_run.exit_code == 0);
  const auto result = nlohmann::json::parse(json_run.out);
  CHECK(result.at("files").size() == 4);
  CHECK(result.at("variant") == "SHARDED_V1");
  const auto table =
      test::run_process({test::cli_path(), "run", "files/sharded_mlp", "--value", "0.25"}, env);
  INFO(table.err);
  REQUIRE(table.exit_code == 0);
  CHECK_THAT(table.out, Catch::Contains("label: " + result.at("label").get<std::string>()));
  CHECK_THAT(table.out, Catch::Contains("labels.txt") && Catch::Contains("ROLE"));
  // `pull` reports every file by role.
  const auto pull =
      test::run_process({test::cli_path(), "pull", "files/sharded_mlp", "--json", "-q"}, env);
  INFO(pull.err);
  REQUIRE(pull.exit_code == 0);
  const auto pulled = nlohmann::json::parse(pull.out);
  REQUIRE(pulled.size() == 4);
  CHECK(pulled[0]["role"] == "weights-index");
  CHECK(pulled[3]["file"] == "labels.txt");
  CHECK(pulled[3]["source"] == "cache");
  // `info` lists the files by role and the command.
  const auto info = test::run_process({test::cli_path(), "info", "files/sharded_mlp"}, env);
  CHECK_THAT(info.out, Catch::Contains("labels:") && Catch::Contains("model-00002-of-00002") &&
                           Catch::Contains("task:     tabular-classification") &&
                           Catch::Contains("modelzoo run files/sharded_mlp"));
  // `cache rm` of the variant's alias removes every file of it.
  const auto rm =
      test::run_process({test::cli_path(), "cache", "rm", "files/sharded_mlp.SHARDED_V1"}, env);
  INFO(rm.err);
  CHECK(rm.exit_code == 0);
  const auto ls = test::run_process({test::cli_path(), "cache", "ls", "--json"}, env);
  CHECK(nlohmann::json::parse(ls.out).empty());
}

TEST_CASE("a Hugging Face snapshot directory stands for the variant: its files by name, its config",
          "[host][files][snapshot]") {
  Fixture f;
  Hub hub(f.hub_options());
  const fs::path snapshot = f.dir / "snapshot";
  fs::create_directories(snapshot);
  for (const char* file : kFiles) fs::copy_file(f.docroot / file, snapshot / file);
  auto write_config = [&](const std::string& text) {
    std::ofstream(snapshot / "config.json", std::ios::trunc) << text;
  };
  PretrainedOptions options;
  options.weights = snapshot;  // nothing to pull: no cache, no server
  options.network = cache::NetworkPolicy::offline;

  auto reference = hub.create("files/sharded_mlp");
  Weights::from_file(std::string(MODELZOO_TOY_WEIGHTS)).load_into(*reference);
  reference->eval();
  torch::InferenceMode guard;

  SECTION("every file of the variant, in its role, and config.json's declared keys") {
    // Keys the entrypoint does not declare are Hugging Face's bookkeeping.
    write_config(R"({"architectures": ["TinyMlp"], "hidden": 32, "torch_dtype": "float32"})");
    const Pretrained loaded = hub.load("files/sharded_mlp", options);
    REQUIRE(loaded.files.size() == 4);
    CHECK(loaded.files[0].role == "weights-index");
    CHECK(fs::path(loaded.file("labels")) == fs::absolute(snapshot / "labels.txt"));
    CHECK(loaded.report.at("loaded") == 4);
    CHECK(torch::equal(loaded.model->forward(probe_input()), reference->forward(probe_input())));
  }
  SECTION("config.json sets the structure; the user's overrides win over it") {
    write_config(R"({"hidden": 16})");
    // The shards hold a 32-wide layer: a model built 16 wide cannot take them.
    CHECK_THROWS_WITH(hub.load("files/sharded_mlp", options), Catch::Contains("fc1.weight") &&
                                                                  Catch::Contains("[32, 784]") &&
                                                                  Catch::Contains("[16, 784]"));
    options.config = {{"hidden", 32}};
    CHECK(hub.load("files/sharded_mlp", options).config.at("hidden") == 32);
  }
  SECTION("a config value of the wrong type is refused naming the file and the key") {
    write_config(R"({"hidden": "wide"})");
    CHECK_THROWS_WITH(hub.load("files/sharded_mlp", options), Catch::Contains("config.json") &&
                                                                  Catch::Contains("'hidden'") &&
                                                                  Catch::Contains("-c hidden="));
    write_config("{\"hidden\": 32,");
    CHECK_THROWS_WITH(hub.load("files/sharded_mlp", options), Catch::Contains("config.json"));
  }
  SECTION("weights under other names: the directory is the weights, found by Weights::from_path") {
    for (const char* file : kFiles) fs::remove(snapshot / file);
    fs::copy_file(MODELZOO_TOY_WEIGHTS, snapshot / "model.safetensors");
    const Pretrained loaded = hub.load("files/sharded_mlp", options);
    REQUIRE(loaded.files.size() == 1);
    CHECK(loaded.file("labels").empty());
    CHECK(torch::equal(loaded.model->forward(probe_input()), reference->forward(probe_input())));
  }
}

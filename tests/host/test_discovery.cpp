// Discovery: search path order, refused plugins with reasons, shadowing.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <map>

#include "modelzoo/host/discovery.h"
#include "modelzoo/hub.h"
#include "modelzoo/sdk/abi_version.h"
#include "modelzoo/sdk/error.h"
#include "paths.h"
#include "process.h"

namespace fs = std::filesystem;
using namespace modelzoo;
using namespace modelzoo::test;

namespace {

HubOptions search(std::vector<fs::path> dirs) {
  HubOptions o;
  o.plugin_path = std::move(dirs);
  return o;
}

std::map<std::string, PluginInfo> by_file_name(const Hub& hub) {
  std::map<std::string, PluginInfo> out;
  for (const auto& p : hub.plugins()) out[fs::path(p.path).filename().string()] = p;
  return out;
}

}  // namespace

TEST_CASE("bad plugins are refused with their reason while good ones register", "[host]") {
  Hub hub(search({plugin_dir("good"), plugin_dir("bad")}));
  const auto plugins = by_file_name(hub);
  const std::map<std::string, std::string> expected_reasons = {
      {"bad_no_manifest.so", "no '.modelzoo_manifest' section"},
      {"bad_malformed_json.so", "not well-formed JSON"},
      {"bad_missing_fields.so", "'plugin.vendor': missing"},
      {"bad_sdk_abi.so", "SDK ABI 2.0, host supports 1.x — rebuild against modelzoo SDK 1"},
      {"bad_sdk_abi_minor.so", "SDK ABI 1." + std::to_string(MODELZOO_SDK_ABI_MINOR + 1) +
                                   " is newer than this host's 1." +
                                   std::to_string(MODELZOO_SDK_ABI_MINOR) + " — update modelzoo"},
      {"bad_torch_version.so", "built with LibTorch 2.1.0, host uses 1.13.0"},
      {"bad_cxx11_abi.so", "_GLIBCXX_USE_CXX11_ABI=0, host uses 1"},
      {"bad_duplicate_entrypoint.so", "duplicate entrypoint 'tiny_mlp'"},
      {"bad_smuggled_build.so", "key 'build' appears twice"},
      {"bad_not_elf.so", "not an ELF file"},
      {"bad_truncated.so", "truncated or corrupted ELF"},
      {"bad_empty.so", "empty file"},
  };
  for (const auto& [file, reason] : expected_reasons) {
    INFO(file);
    REQUIRE(plugins.count(file) == 1);
    CHECK(plugins.at(file).state == PluginInfo::State::kRefused);
    CHECK_THAT(plugins.at(file).reason, Catch::Contains(reason));
    // A manifest that could be read is kept, so that asking for one of its
    // models names the plugin and why it was left out; its entrypoints are
    // not registered (below).
    const bool readable = file == "bad_sdk_abi.so" || file == "bad_sdk_abi_minor.so" ||
                          file == "bad_torch_version.so" || file == "bad_cxx11_abi.so";
    CHECK(plugins.at(file).manifest.has_value() == readable);
  }
  try {
    hub.resolve("torch21/tiny_mlp");
    FAIL("a model of a refused plugin resolved");
  } catch (const Error& e) {
    CHECK_THAT(e.what(), Catch::Contains(
                             "bad_torch_version.so', which is refused: built with LibTorch 2.1.0"));
  }
  REQUIRE(plugins.count("toy.so") == 1);
  CHECK(plugins.at("toy.so").state == PluginInfo::State::kAvailable);
  CHECK(plugins.at("toy.so").reason.empty());
  // Only the good plugin's entrypoints are registered.
  std::vector<std::string> names;
  for (const auto* e : hub.list()) names.push_back(e->qualified_name());
  CHECK(names == std::vector<std::string>{"toy/tiny_cnn", "toy/tiny_mlp"});
}

TEST_CASE("files are taken in search-path order, by name within a directory", "[host]") {
  const auto files = find_plugin_files({plugin_dir("good"), plugin_dir("bad")});
  REQUIRE(files.size() >= 11);
  CHECK(files.front().filename() == "toy.so");
  CHECK(std::is_sorted(files.begin() + 1, files.end()));
  TempDir empty;
  CHECK(find_plugin_files({empty.path(), "/nonexistent"}).empty());
}

TEST_CASE("a second provider of a name is shadowed and reported", "[host]") {
  TempDir first, second;
  fs::copy_file(plugin_dir("good") + "/toy.so", first.path() + "/toy.so");
  fs::copy_file(plugin_dir("good") + "/toy.so", second.path() + "/toy_copy.so");
  Hub hub(search({first.path(), second.path()}));
  const auto plugins = hub.plugins();
  REQUIRE(plugins.size() == 2);
  CHECK(plugins[0].path == first.path() + "/toy.so");
  CHECK(plugins[0].shadowed.empty());
  CHECK(plugins[1].shadowed == std::vector<std::string>{"toy/tiny_mlp", "toy/tiny_cnn"});
  CHECK(hub.resolve("tiny_mlp").entry->provider == first.path() + "/toy.so");
  CHECK(hub.registry().shadowed().size() == 2);
}

TEST_CASE("MODELZOO_PLUGIN_PATH comes first in the default search path", "[host]") {
  TempDir a, b;
  const std::string value = b.path() + ":" + a.path() + ":/nonexistent:" + b.path();
  setenv("MODELZOO_PLUGIN_PATH", value.c_str(), 1);
  const auto dirs = default_plugin_search_path();
  unsetenv("MODELZOO_PLUGIN_PATH");
  REQUIRE(dirs.size() >= 2);
  CHECK(dirs[0] == fs::path(b.path()));  // order kept, duplicates once, missing left out
  CHECK(dirs[1] == fs::path(a.path()));
  CHECK(std::count(dirs.begin(), dirs.end(), fs::path(b.path())) == 1);
}

TEST_CASE("runtime registration adds entrypoints without a plugin file", "[host]") {
  Hub hub(search({plugin_dir("good")}));
  Entrypoint spec;
  spec.name = "my_net";
  spec.summary = "An app's own model";
  spec.config = {{"width", 4}};
  spec.inputs.resize(1);
  spec.inputs[0].shape = {{"N", -1}, {"", 4}};
  WeightVariant v;
  v.tag = "V1";
  VariantFile f;
  f.file = "my_net-v1.safetensors";
  f.format = "safetensors";
  f.urls = {"https://models.example/my_net-v1.safetensors"};
  f.sha256 = {std::string(64, 'a'), false};
  v.files = {f};
  spec.variants = {v};
  spec.default_tag = "V1";
  hub.register_entrypoint("app", spec, [](const nlohmann::json&) { return nullptr; });
  CHECK(hub.resolve("my_net.DEFAULT").variant->weights().file == "my_net-v1.safetensors");
  CHECK(hub.resolve("app/my_net").entry->provider == kRuntimeProvider);
  Query pretrained;
  pretrained.pretrained_only = true;
  pretrained.families = {"app"};
  CHECK(hub.list(pretrained).size() == 1);
  // Taken names and invalid specs are refused.
  CHECK_THROWS_WITH(hub.register_entrypoint(
                        "toy",
                        [] {
                          Entrypoint e;
                          e.name = "tiny_mlp";
                          e.summary = "clash";
                          e.inputs.resize(1);
                          e.inputs[0].shape = {{"N", -1}};
                          return e;
                        }(),
                        [](const nlohmann::json&) { return nullptr; }),
                    Catch::Contains("already provided by"));
  spec.name = "bad name";
  CHECK_THROWS_AS(
      hub.register_entrypoint("app", spec, [](const nlohmann::json&) { return nullptr; }),
      modelzoo::Error);
}

TEST_CASE("config overrides are checked against the defaults", "[host]") {
  Hub hub(search({plugin_dir("good")}));
  const auto& mlp = *hub.resolve("tiny_mlp").entry;
  const auto merged = Hub::merge_config(mlp, {{"hidden", 8}});
  CHECK(merged["hidden"] == 8);
  CHECK(merged["in_features"] == 784);
  CHECK_THROWS_WITH(
      Hub::merge_config(mlp, {{"hiden", 8}}),
      Catch::Contains("unknown config key 'hiden'") && Catch::Contains("did you mean 'hidden'"));
  CHECK_THROWS_WITH(Hub::merge_config(mlp, {{"hidden", "wide"}}),
                    Catch::Contains("takes a number"));
  CHECK_THROWS_WITH(Hub::merge_config(mlp, nlohmann::json::array()),
                    Catch::Contains("must be a JSON object"));
}

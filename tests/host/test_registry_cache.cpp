// The registry cache as the warm path reads it: the compact listing index
// and the shared probe dependency sets it holds, and how it refuses what
// it cannot trust. The file is read at every start and another process
// may have written it, so every damaged form must be dropped whole.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <memory>

#include "modelzoo/host/compatibility.h"
#include "modelzoo/host/registry_cache.h"
#include "modelzoo/hub.h"
#include "modelzoo/sdk/error.h"
#include "modelzoo/sdk/manifest.h"
#include "paths.h"
#include "process.h"

namespace fs = std::filesystem;
using namespace modelzoo;
using namespace modelzoo::test;

namespace {

HubOptions options_for(const fs::path& plugins, const fs::path& cache) {
  HubOptions o;
  o.plugin_path = std::vector<fs::path>{plugins};
  o.registry_cache = cache;
  o.trust = trust::TrustMode::kOff;
  o.probe_timeout = std::chrono::milliseconds(3000);
  return o;
}

std::vector<std::string> listed(const Hub& hub) {
  std::vector<std::string> names;
  for (const auto* e : hub.list()) names.push_back(e->qualified_name());
  return names;
}

std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::map<std::string, CachedPlugin> two_entries_sharing_a_set() {
  auto set = std::make_shared<const ProbeDependencies>(
      ProbeDependencies{std::string(10000, 'p'), std::string(9000, 'f')});
  std::map<std::string, CachedPlugin> entries;
  for (const char* path : {"/a.so", "/b.so"}) {
    CachedPlugin p;
    p.stamp = {1, 2, 3, 4, 5};
    p.sha256 = std::string(64, 'a');
    p.probe_state = "ok";
    p.probe_depends = set;
    entries[path] = p;
  }
  entries["/c.so"].read_error = "no manifest";  // not probed: no set
  return entries;
}

}  // namespace

TEST_CASE("a plugin replaced at the same path lists what the new file declares",
          "[registry-cache]") {
  TempDir root;
  const fs::path plugins = fs::path(root.path()) / "plugins";
  const fs::path cache = fs::path(root.path()) / "registry.bin";
  fs::create_directories(plugins);
  fs::copy_file(plugin_dir("good") + "/toy.so", plugins / "p.so");
  CHECK(listed(Hub(options_for(plugins, cache))) ==
        std::vector<std::string>{"toy/tiny_cnn", "toy/tiny_mlp"});
  {
    Hub warm(options_for(plugins, cache));
    CHECK(warm.scan_summary().from_cache == 1);
  }
  fs::copy_file(plugin_dir("sdk_1_1") + "/sdk_1_1.so", plugins / "p.so",
                fs::copy_options::overwrite_existing);
  Hub after(options_for(plugins, cache));
  CHECK(after.scan_summary().from_cache == 0);
  CHECK(listed(after) == std::vector<std::string>{"sdk_1_1/tiny_mlp"});
  // And the verbs come from the new file's index, as `run --help` reads them.
  REQUIRE(after.plugins().size() == 1);
  REQUIRE(after.plugins()[0].manifest);
  CHECK(after.plugins()[0].manifest->commands.size() == 1);
}

TEST_CASE("every damaged registry cache is dropped whole and rebuilt", "[registry-cache]") {
  TempDir root;
  const fs::path plugins = fs::path(root.path()) / "plugins";
  const fs::path cache = fs::path(root.path()) / "registry.bin";
  fs::create_directories(plugins);
  fs::copy_file(plugin_dir("good") + "/toy.so", plugins / "p.so");
  { Hub fill(options_for(plugins, cache)); }
  const std::string good = read_file(cache);
  const auto host = to_json(host_build_info());
  REQUIRE_FALSE(RegistryCache::load(cache, host).was_reset());

  // Every cut, and a flipped bit every 97 bytes: refused by the checksum.
  for (size_t cut = 0; cut < good.size(); cut += 7) {
    std::ofstream(cache, std::ios::binary | std::ios::trunc) << good.substr(0, cut);
    INFO("cut at " << cut);
    CHECK(RegistryCache::load(cache, host).was_reset());
  }
  for (size_t at = 0; at < good.size(); at += 97) {
    std::string bad = good;
    bad[at] = static_cast<char>(bad[at] ^ 0x10);
    std::ofstream(cache, std::ios::binary | std::ios::trunc) << bad;
    INFO("bit flipped at " << at);
    CHECK(RegistryCache::load(cache, host).was_reset());
  }
  // Bytes with a valid checksum but cut short anywhere (another writer's
  // bug): the decoder refuses them, it never reads past the end.
  const std::string body = good.substr(0, good.size() - 8);
  for (size_t cut = 0; cut < body.size(); cut += 3) {
    INFO("sealed cut at " << cut);
    CHECK_THROWS_AS(RegistryCache::decode(RegistryCache::seal(body.substr(0, cut)), host.dump()),
                    std::runtime_error);
  }
  // After the damage, a start works and writes a good cache again.
  std::ofstream(cache, std::ios::binary | std::ios::trunc) << "\x01garbage";
  {
    Hub hub(options_for(plugins, cache));
    CHECK(hub.scan_summary().cache_reset);
    CHECK(listed(hub).size() == 2);
  }
  Hub again(options_for(plugins, cache));
  CHECK(again.scan_summary().from_cache == 1);
  CHECK(listed(again).size() == 2);
}

TEST_CASE("plugins that depend on the same libraries share one probe set", "[registry-cache]") {
  const auto entries = two_entries_sharing_a_set();
  const std::string bytes = RegistryCache::encode(entries, "{}");
  // The 19 KB set is written once.
  CHECK(bytes.size() < 19000 + 2000);
  const auto back = RegistryCache::decode(bytes, "{}");
  REQUIRE(back.size() == 3);
  REQUIRE(back.at("/a.so").probe_depends);
  CHECK(back.at("/a.so").probe_depends == back.at("/b.so").probe_depends);
  CHECK(back.at("/a.so").probe_depends->paths == std::string(10000, 'p'));
  CHECK(back.at("/a.so").probe_depends->fingerprint == std::string(9000, 'f'));
  CHECK_FALSE(back.at("/c.so").probe_depends);
  CHECK(back.at("/c.so").read_error == "no manifest");
  CHECK(back.at("/b.so").stamp == FileStamp{1, 2, 3, 4, 5});
}

TEST_CASE("the manifest index holds what list prints and refuses any malformed bytes",
          "[registry-cache][manifest]") {
  Manifest m;
  m.family = "acme";
  m.plugin_version = "2.0.1";
  m.vendor = "Acme";
  m.build = {1, 2, "1.13.0", 1, "gcc-12"};
  Entrypoint e;
  e.name = "net.small";
  e.summary = "A small net";
  e.task = "image-classification";
  e.default_tag = "V2";
  for (const char* tag : {"V1", "V2"}) {
    WeightVariant v;
    v.tag = tag;
    e.variants.push_back(v);
  }
  m.entrypoints = {e, Entrypoint{}};
  const std::string index = manifest_index_text(m);
  const Manifest back = parse_manifest_index(index);
  CHECK_FALSE(back.complete);
  CHECK(back.family == "acme");
  CHECK(back.plugin_version == "2.0.1");
  CHECK(back.vendor == "Acme");
  CHECK(back.build.sdk_abi_minor == 2);
  CHECK(back.build.cxx11_abi == 1);
  CHECK(back.build.compiler == "gcc-12");
  REQUIRE(back.entrypoints.size() == 2);
  CHECK(back.entrypoints[0].name == "net.small");
  CHECK(back.entrypoints[0].summary == "A small net");
  CHECK(back.entrypoints[0].task == "image-classification");
  CHECK(back.entrypoints[0].default_tag == "V2");
  REQUIRE(back.entrypoints[0].variants.size() == 2);
  CHECK(back.entrypoints[0].variants[1].tag == "V2");
  CHECK(back.commands.empty());
  for (size_t cut = 0; cut < index.size(); ++cut) {
    INFO("cut at " << cut);
    CHECK_THROWS_AS(parse_manifest_index(index.substr(0, cut)), Error);
  }
  CHECK_THROWS_AS(parse_manifest_index(index + "x"), Error);
  CHECK_THROWS_AS(parse_manifest_index("{\"family\": \"json is not an index\"}"), Error);
}

TEST_CASE("info completes a manifest from the kept copy, or from the file when it is damaged",
          "[registry-cache]") {
  TempDir root;
  const fs::path plugins = fs::path(root.path()) / "plugins";
  const fs::path cache = fs::path(root.path()) / "registry.bin";
  fs::create_directories(plugins);
  fs::copy_file(plugin_dir("good") + "/toy.so", plugins / "p.so");
  { Hub fill(options_for(plugins, cache)); }
  std::vector<fs::path> kept;
  for (const auto& f : fs::directory_iterator(cache.parent_path() / "manifests"))
    kept.push_back(f.path());
  REQUIRE(kept.size() == 1);
  const std::string digest = kept[0].filename().string();
  const auto text = RegistryCache::kept_manifest(cache, digest);
  REQUIRE(text);
  CHECK_THAT(*text, Catch::Contains("tiny_mlp"));
  CHECK_FALSE(RegistryCache::kept_manifest(cache, "../registry.bin"));  // not a digest

  SECTION("from the copy") {
    Hub hub(options_for(plugins, cache));
    CHECK(hub.resolve("toy/tiny_mlp.SYNTH_V1").variant->files.at(0).file ==
          "tiny_mlp-synth.safetensors");
  }
  SECTION("a damaged copy is ignored: the plugin file is read, and the copy written again") {
    std::string bytes = read_file(kept[0]);
    bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 1);
    std::ofstream(kept[0], std::ios::binary | std::ios::trunc) << bytes;
    CHECK_FALSE(RegistryCache::kept_manifest(cache, digest));
    Hub hub(options_for(plugins, cache));
    CHECK(hub.resolve("toy/tiny_mlp.SYNTH_V1").variant->files.at(0).file ==
          "tiny_mlp-synth.safetensors");
    CHECK(RegistryCache::kept_manifest(cache, digest) == text);
  }
  SECTION("a removed plugin's copy goes with its entry") {
    fs::remove(plugins / "p.so");
    { Hub empty(options_for(plugins, cache)); }
    CHECK_FALSE(fs::exists(kept[0]));
  }
}

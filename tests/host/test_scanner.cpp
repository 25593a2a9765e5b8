// Discovery through the scanner process and the registry cache: crashing
// and hanging plugins are contained and blacklisted with the reason, and a
// later start reads the cache instead of scanning.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "modelzoo/host/compatibility.h"
#include "modelzoo/host/registry_cache.h"
#include "modelzoo/hub.h"
#include "paths.h"
#include "process.h"

namespace fs = std::filesystem;
using namespace modelzoo;
using namespace modelzoo::test;

namespace {

struct ScanBed {
  TempDir root;
  fs::path plugins = fs::path(root.path()) / "plugins";
  fs::path cache = fs::path(root.path()) / "registry.bin";
  ScanBed() { fs::create_directories(plugins); }

  void add(const std::string& source, const std::string& name) {
    fs::copy_file(source, plugins / name, fs::copy_options::overwrite_existing);
  }
  HubOptions options() const {
    HubOptions o;
    o.plugin_path = std::vector<fs::path>{plugins};
    o.registry_cache = cache;
    o.trust = trust::TrustMode::kOff;
    o.probe_timeout = std::chrono::milliseconds(3000);
    return o;
  }
};

std::map<std::string, PluginInfo> by_name(const Hub& hub) {
  std::map<std::string, PluginInfo> out;
  for (const auto& p : hub.plugins()) out[fs::path(p.path).filename().string()] = p;
  return out;
}

void append_byte(const fs::path& file) {
  std::ofstream(file, std::ios::binary | std::ios::app).put('\0');
}

}  // namespace

TEST_CASE("a plugin that crashes or hangs the scanner is blacklisted with the reason",
          "[scanner]") {
  ScanBed bed;
  bed.add(plugin_dir("good") + "/toy.so", "toy.so");
  bed.add(plugin_dir("extra") + "/crashing_entry.so", "crashing_entry.so");
  bed.add(plugin_dir("extra") + "/hanging_entry.so", "hanging_entry.so");
  {
    Hub hub(bed.options());
    auto p = by_name(hub);
    CHECK(p["crashing_entry.so"].state == PluginInfo::State::kBlacklisted);
    CHECK_THAT(p["crashing_entry.so"].reason, Catch::Contains("crashed with signal 11 (SIGSEGV)"));
    CHECK(p["hanging_entry.so"].state == PluginInfo::State::kBlacklisted);
    CHECK_THAT(p["hanging_entry.so"].reason, Catch::Contains("hung: no answer within 3"));
    CHECK(p["toy.so"].state == PluginInfo::State::kAvailable);
    CHECK(hub.scan_summary().probed == 3);
    // The host is alive and the good plugin works.
    CHECK(hub.create("toy/tiny_mlp") != nullptr);
    CHECK_THROWS_WITH(hub.create("crashing/never_built"),
                      Catch::Contains("which is blacklisted: crashed with signal 11"));
  }
  {
    // Next start: verdicts come from the cache, nothing is probed.
    Hub hub(bed.options());
    CHECK(hub.scan_summary().from_cache == 3);
    CHECK(hub.scan_summary().probed == 0);
    CHECK(by_name(hub)["hanging_entry.so"].state == PluginInfo::State::kBlacklisted);
  }
  // A blacklisted plugin is retried once its file changes.
  append_byte(bed.plugins / "crashing_entry.so");
  Hub hub(bed.options());
  CHECK(hub.scan_summary().probed == 1);
  CHECK(hub.scan_summary().from_cache == 2);
  auto p = by_name(hub);
  CHECK_FALSE(p["crashing_entry.so"].from_cache);
  CHECK(p["crashing_entry.so"].state == PluginInfo::State::kBlacklisted);
}

TEST_CASE("the registry cache follows changed, new and removed plugins", "[scanner][cache]") {
  ScanBed bed;
  bed.add(plugin_dir("good") + "/toy.so", "a_toy.so");
  {
    Hub first(bed.options());
    CHECK(first.scan_summary().probed == 1);
  }
  {
    Hub warm(bed.options());
    CHECK(warm.scan_summary().from_cache == 1);
    CHECK(warm.scan_summary().probed == 0);
    CHECK(warm.list().size() == 2);
  }
  SECTION("a changed plugin is rescanned") {
    append_byte(bed.plugins / "a_toy.so");
    Hub hub(bed.options());
    CHECK(hub.scan_summary().from_cache == 0);
    CHECK(hub.scan_summary().probed == 1);
  }
  SECTION("a new plugin is scanned, the known one is not") {
    bed.add(plugin_dir("faulty") + "/faulty.so", "b_faulty.so");
    Hub hub(bed.options());
    CHECK(hub.scan_summary().from_cache == 1);
    CHECK(hub.scan_summary().probed == 1);
    CHECK(hub.list().size() == 5);
  }
  SECTION("a removed plugin is gone") {
    fs::remove(bed.plugins / "a_toy.so");
    Hub hub(bed.options());
    CHECK(hub.plugins().empty());
    CHECK(hub.list().empty());
  }
  SECTION("a corrupt cache is ignored and rebuilt") {
    std::ofstream(bed.cache, std::ios::binary | std::ios::trunc) << "\xff\x00garbage";
    {
      Hub hub(bed.options());
      CHECK(hub.scan_summary().cache_reset);
      CHECK(hub.scan_summary().probed == 1);
    }
    Hub again(bed.options());
    CHECK(again.scan_summary().from_cache == 1);
  }
  SECTION("rescan ignores the cache") {
    HubOptions o = bed.options();
    o.rescan = true;
    Hub hub(o);
    CHECK(hub.scan_summary().from_cache == 0);
    CHECK(hub.scan_summary().probed == 1);
  }
}

TEST_CASE("a cache written by a host with another ABI tuple is not used", "[cache]") {
  TempDir dir;
  const fs::path file = fs::path(dir.path()) / "c.bin";
  const auto host = to_json(host_build_info());
  {
    RegistryCache cache = RegistryCache::load(file, host);
    CachedPlugin p;
    p.stamp = {1, 2, 3};
    p.sha256 = "ab";
    cache.put("/x.so", p);
    cache.save();
  }
  CHECK(RegistryCache::load(file, host).find("/x.so", {1, 2, 3}) != nullptr);
  CHECK(RegistryCache::load(file, host).find("/x.so", {1, 2, 4}) == nullptr);  // stamp changed
  auto other = host;
  other["torch"] = "2.1.0";
  const RegistryCache foreign = RegistryCache::load(file, other);
  CHECK(foreign.was_reset());
  CHECK(foreign.find("/x.so", {1, 2, 3}) == nullptr);
}

TEST_CASE("without the scanner, discovery reads manifests in-process and says so", "[scanner]") {
  ScanBed bed;
  bed.add(plugin_dir("good") + "/toy.so", "toy.so");
  setenv("MODELZOO_SCANNER", "/nonexistent/modelzoo-scan", 1);
  Hub hub(bed.options());
  unsetenv("MODELZOO_SCANNER");
  CHECK_THAT(hub.scan_summary().note, Catch::Contains("not load-tested"));
  CHECK(hub.list().size() == 2);
  CHECK(hub.create("tiny_mlp") != nullptr);
}

TEST_CASE("a plugin whose library is missing fails naming that library", "[scanner]") {
  ScanBed bed;
  // Its run path does not reach libmodelzoo_test_dependency.so.
  bed.add(plugin_dir("extra") + "/needs_dependency.so", "needs_dependency.so");
  Hub hub(bed.options());
  const auto p = by_name(hub)["needs_dependency.so"];
  CHECK(p.state == PluginInfo::State::kFailed);
  CHECK_THAT(p.reason, Catch::Contains("libmodelzoo_test_dependency.so") &&
                           Catch::Contains("cannot open shared object file") &&
                           !Catch::Contains("Bad file descriptor"));
}

TEST_CASE("a probe verdict in the registry cache follows the environment it depended on",
          "[scanner][cache]") {
  ScanBed bed;
  bed.add(plugin_dir("extra") + "/needs_dependency.so", "needs_dependency.so");
  const std::string before = std::getenv("LD_LIBRARY_PATH") ? std::getenv("LD_LIBRARY_PATH") : "";
  auto state = [&] {
    Hub hub(bed.options());
    return std::make_pair(by_name(hub)["needs_dependency.so"].state, hub.scan_summary().probed);
  };
  ::unsetenv("LD_LIBRARY_PATH");
  CHECK(state() == std::make_pair(PluginInfo::State::kFailed, size_t{1}));
  CHECK(state() == std::make_pair(PluginInfo::State::kFailed, size_t{0}));  // from the cache
  // Fixing the environment is enough: no --rescan.
  ::setenv("LD_LIBRARY_PATH", plugin_dir("extra").c_str(), 1);
  CHECK(state() == std::make_pair(PluginInfo::State::kAvailable, size_t{1}));
  CHECK(state() == std::make_pair(PluginInfo::State::kAvailable, size_t{0}));
  // And the reverse: a cached "ok" does not outlive the library it needed.
  ::unsetenv("LD_LIBRARY_PATH");
  CHECK(state() == std::make_pair(PluginInfo::State::kFailed, size_t{1}));
  if (!before.empty()) ::setenv("LD_LIBRARY_PATH", before.c_str(), 1);
}

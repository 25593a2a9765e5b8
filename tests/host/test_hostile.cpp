// Files on the plugin path that attack or confuse discovery: each one is
// named with the right reason, none crashes or hangs the host, and the good
// plugin beside it is unaffected.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "modelzoo/host/elf_section.h"
#include "modelzoo/host/plugin_scanner.h"
#include "modelzoo/hub.h"
#include "modelzoo/sdk/error.h"
#include "paths.h"
#include "process.h"

namespace fs = std::filesystem;
using namespace modelzoo;
using namespace modelzoo::test;

namespace {

const std::string kToy = plugin_dir("good") + "/toy.so";
std::string hostile(const std::string& name) {
  return plugin_dir("hostile") + "/" + name;
}

// The good toy plugin and whatever a test adds, in a directory of its own.
struct Bed {
  TempDir root;
  fs::path plugins = fs::path(root.path()) / "plugins";
  fs::path cache = fs::path(root.path()) / "registry.bin";
  Bed() {
    fs::create_directories(plugins);
    add(kToy, "toy.so");
  }
  fs::path add(const std::string& source, const std::string& name) {
    fs::copy_file(source, plugins / name, fs::copy_options::overwrite_existing);
    return plugins / name;
  }
  HubOptions options() const {
    HubOptions o;
    o.plugin_path = std::vector<fs::path>{plugins};
    o.registry_cache = cache;
    o.trust = trust::TrustMode::kOff;
    // Short, so that the hanging fixtures cost little; long enough for the
    // toy plugin (LibTorch's 0.55 s load) on a machine at load average 10.
    o.probe_timeout = std::chrono::milliseconds(5000);
    return o;
  }
};

std::map<std::string, PluginInfo> by_name(const Hub& hub) {
  std::map<std::string, PluginInfo> out;
  for (const auto& p : hub.plugins()) out[fs::path(p.path).filename().string()] = p;
  return out;
}

void check_toy_unaffected(Hub& hub) {
  auto plugins = by_name(hub);
  CHECK(plugins["toy.so"].state == PluginInfo::State::kAvailable);
  CHECK(hub.create("toy/tiny_mlp") != nullptr);
}

// True while `pid` is a live process (a zombie counts as gone).
bool alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const auto close_paren = text.rfind(')');
  return close_paren != std::string::npos && close_paren + 2 < text.size() &&
         text[close_paren + 2] != 'Z';
}

}  // namespace

TEST_CASE("a manifest nested 200,000 deep is refused by name, and the rest is listed",
          "[hostile]") {
  Bed bed;
  bed.add(hostile("deep_manifest.so"), "deep_manifest.so");
  Hub hub(bed.options());
  auto plugins = by_name(hub);
  CHECK(plugins["deep_manifest.so"].state == PluginInfo::State::kRefused);
  CHECK_THAT(plugins["deep_manifest.so"].reason, Catch::Contains("nested too deeply"));
  check_toy_unaffected(hub);
  // The registry cache was written: the next start does not parse it again.
  Hub again(bed.options());
  CHECK(by_name(again)["deep_manifest.so"].from_cache);
}

TEST_CASE("a signature statement nested 200,000 deep is a bad statement, not a crash",
          "[hostile]") {
  Bed bed;
  std::ofstream(bed.plugins / "toy.so.sig")
      << "{\"statement\": " << std::string(200000, '[') << std::string(200000, ']') << "}";
  HubOptions options = bed.options();
  options.trust = trust::TrustMode::kWarn;
  options.trust_store = std::vector<fs::path>{};
  options.version_ledger = fs::path(bed.root.path()) / "ledger.json";
  Hub hub(options);
  const auto toy = by_name(hub)["toy.so"];
  CHECK(toy.trust.state == trust::TrustState::kBadStatement);
  CHECK_THAT(toy.trust.detail,
             Catch::Contains("toy.so.sig") && Catch::Contains("nested too deeply"));
}

TEST_CASE("a manifest that is empty or holds terminal control characters is refused by name",
          "[hostile]") {
  const std::pair<const char*, const char*> cases[] = {
      {"empty_manifest_section.so", "'.modelzoo_manifest' section is empty"},
      {"control_summary.so", "summary': holds a control character (0x1b)"},
  };
  for (const auto& [file, reason] : cases) {
    INFO(file);
    Bed bed;
    bed.add(hostile(file), file);
    Hub hub(bed.options());
    auto plugins = by_name(hub);
    CHECK(plugins[file].state == PluginInfo::State::kRefused);
    CHECK_THAT(plugins[file].reason, Catch::Contains(reason));
    check_toy_unaffected(hub);
  }
}

TEST_CASE("a file name with control characters is shown escaped", "[hostile][cli]") {
  Bed bed;
  bed.add(plugin_dir("bad") + "/bad_not_elf.so", "evil\x1b[2J\r.so");
  TempDir home;
  const auto r =
      run_process({cli_path(), "plugins"}, {{"MODELZOO_PLUGIN_PATH", bed.plugins.string()},
                                            {"MODELZOO_PLUGIN_PATH_ONLY", "1"},
                                            {"MODELZOO_HOME", home.path()},
                                            {"MODELZOO_TRUST", "off"}});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find('\x1b') == std::string::npos);
  CHECK(r.out.find('\r') == std::string::npos);
  CHECK_THAT(r.out, Catch::Contains("evil\\x1b[2J\\x0d.so"));
}

TEST_CASE("a plugin that forges an answer on stdout and crashes is blacklisted", "[hostile]") {
  Bed bed;
  bed.add(hostile("hostile_lie.so"), "hostile_lie.so");
  Hub hub(bed.options());
  auto plugins = by_name(hub);
  CHECK(plugins["hostile_lie.so"].state == PluginInfo::State::kBlacklisted);
  CHECK_THAT(plugins["hostile_lie.so"].reason, Catch::Contains("crashed with signal 11"));
  check_toy_unaffected(hub);
}

TEST_CASE("a plugin that writes to the scanner's channel is blacklisted for it", "[hostile]") {
  Bed bed;
  bed.add(hostile("hostile_channel.so"), "hostile_channel.so");
  // Sorted after it: must still be probed.
  bed.add(plugin_dir("extra") + "/crashing_entry.so", "zz_crashing_entry.so");
  Hub hub(bed.options());
  auto plugins = by_name(hub);
  CHECK(plugins["hostile_channel.so"].state == PluginInfo::State::kBlacklisted);
  CHECK_THAT(plugins["hostile_channel.so"].reason,
             Catch::Contains("broke the scanner's protocol") && Catch::Contains("untagged"));
  CHECK(plugins["zz_crashing_entry.so"].state == PluginInfo::State::kBlacklisted);
  CHECK_THAT(plugins["zz_crashing_entry.so"].reason, Catch::Contains("crashed with signal 11"));
  check_toy_unaffected(hub);
}

TEST_CASE("a plugin that prints a banner without a newline loads", "[hostile]") {
  Bed bed;
  bed.add(hostile("hostile_banner.so"), "hostile_banner.so");
  Hub hub(bed.options());
  auto plugins = by_name(hub);
  CHECK(plugins["hostile_banner.so"].state == PluginInfo::State::kAvailable);
  CHECK(plugins["hostile_banner.so"].reason.empty());
  CHECK(hub.create("hostile_banner/tiny_mlp") != nullptr);
}

TEST_CASE("a plugin that chatters and hangs is blacklisted within its deadline", "[hostile]") {
  Bed bed;
  bed.add(hostile("hostile_chatty.so"), "hostile_chatty.so");
  const auto start = std::chrono::steady_clock::now();
  Hub hub(bed.options());
  const auto took = std::chrono::steady_clock::now() - start;
  auto plugins = by_name(hub);
  CHECK(plugins["hostile_chatty.so"].state == PluginInfo::State::kBlacklisted);
  CHECK_THAT(plugins["hostile_chatty.so"].reason, Catch::Contains("hung: no answer within 5.0 s"));
  // Its chatter does not extend its deadline (a generous bound: 5 s + one
  // restart of the scanner for the toy plugin).
  CHECK(took < std::chrono::seconds(20));
  check_toy_unaffected(hub);
}

TEST_CASE("a child a plugin forks does not outlive discovery or hold it up", "[hostile]") {
  Bed bed;
  bed.add(hostile("hostile_fork.so"), "hostile_fork.so");
  const fs::path pid_file = fs::path(bed.root.path()) / "child.pid";
  setenv("MODELZOO_TEST_FORK_PID_FILE", pid_file.c_str(), 1);
  const auto start = std::chrono::steady_clock::now();
  Hub hub(bed.options());
  const auto took = std::chrono::steady_clock::now() - start;
  unsetenv("MODELZOO_TEST_FORK_PID_FILE");
  auto plugins = by_name(hub);
  CHECK(plugins["hostile_fork.so"].state == PluginInfo::State::kAvailable);
  // Not waiting for the child's end of the channel (it sleeps 600 s).
  CHECK(took < std::chrono::seconds(20));
  pid_t child = 0;
  std::ifstream(pid_file) >> child;
  REQUIRE(child > 0);
  for (int i = 0; i < 50 && alive(child); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK_FALSE(alive(child));
  if (alive(child)) kill(child, SIGKILL);
}

TEST_CASE("a FIFO on the plugin path is refused without blocking", "[hostile]") {
  Bed bed;
  REQUIRE(mkfifo((bed.plugins / "fifo.so").c_str(), 0644) == 0);
  Hub hub(bed.options());
  auto plugins = by_name(hub);
  CHECK(plugins["fifo.so"].state == PluginInfo::State::kRefused);
  CHECK_THAT(plugins["fifo.so"].reason, Catch::Contains("not a regular file"));
  check_toy_unaffected(hub);
}

TEST_CASE("a FIFO in the trust store is a named problem, not a hang", "[hostile]") {
  Bed bed;
  const fs::path store = fs::path(bed.root.path()) / "trust";
  fs::create_directories(store);
  REQUIRE(mkfifo((store / "planted.json").c_str(), 0644) == 0);
  // And as a statement beside the plugin.
  REQUIRE(mkfifo((bed.plugins / "toy.so.sig").c_str(), 0644) == 0);
  HubOptions options = bed.options();
  options.trust = trust::TrustMode::kWarn;
  options.trust_store = std::vector<fs::path>{store};
  options.version_ledger = fs::path(bed.root.path()) / "ledger.json";
  Hub hub(options);
  const auto toy = by_name(hub)["toy.so"];
  CHECK(toy.trust.state == trust::TrustState::kBadStatement);
  CHECK_THAT(toy.trust.detail, Catch::Contains("not a regular file"));
  const auto store_problems = trust::TrustStore::load({store}).problems();
  REQUIRE(store_problems.size() == 1);
  CHECK_THAT(store_problems[0],
             Catch::Contains("planted.json") && Catch::Contains("not a regular file"));
}

TEST_CASE("a plugin rewritten in place with its mtime restored is tested again", "[hostile]") {
  Bed bed;
  const fs::path plugin = bed.plugins / "toy.so";
  {
    Hub hub(bed.options());
    CHECK(hub.scan_summary().probed == 1);
  }
  // Same size, same inode, mtime set back: only ctime tells.
  struct stat before {};
  REQUIRE(stat(plugin.c_str(), &before) == 0);
  std::string bytes;
  {
    std::ifstream in(plugin, std::ios::binary);
    bytes.assign((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  const auto summary_at = bytes.find("Two-layer perceptron");
  // A byte no check but the file's digest covers: the compiler's note.
  const auto comment_at = bytes.find("GCC: (");
  REQUIRE(summary_at != std::string::npos);
  REQUIRE(comment_at != std::string::npos);
  auto rewrite = [&](size_t at, char letter) {
    bytes[at] = letter;
    std::fstream out(plugin, std::ios::binary | std::ios::in | std::ios::out);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    const timespec times[2] = {before.st_atim, before.st_mtim};
    REQUIRE(utimensat(AT_FDCWD, plugin.c_str(), times, 0) == 0);
  };
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // a ctime apart
  rewrite(summary_at, 't');
  {
    Hub hub(bed.options());
    CHECK(hub.scan_summary().probed == 1);
    CHECK_FALSE(by_name(hub)["toy.so"].from_cache);
    CHECK(hub.resolve("toy/tiny_mlp").entry->spec.summary.rfind("two-layer", 0) == 0);
  }
  // Rewritten after discovery tested it: not loaded, whatever the mode.
  Hub hub(bed.options());
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  rewrite(comment_at, 'g');
  try {
    hub.create("toy/tiny_mlp");
    FAIL("a plugin that changed after its test was loaded");
  } catch (const Error& e) {
    CHECK_THAT(e.what(), Catch::Contains("changed since discovery tested it"));
  }
}

TEST_CASE("a flipped byte in the registry cache drops it whole, and plugins load", "[hostile]") {
  Bed bed;
  { Hub hub(bed.options()); }
  std::string bytes;
  {
    std::ifstream in(bed.cache, std::ios::binary);
    bytes.assign((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  const auto at = bytes.find("tiny_mlp");  // inside a string payload
  REQUIRE(at != std::string::npos);
  bytes[at] = 'T';
  std::ofstream(bed.cache, std::ios::binary | std::ios::trunc) << bytes;
  Hub hub(bed.options());
  CHECK(hub.scan_summary().cache_reset);
  check_toy_unaffected(hub);
}

TEST_CASE("the whole scan has a deadline: what it did not reach is asked again next time",
          "[hostile]") {
  Bed bed;
  bed.add(plugin_dir("extra") + "/hanging_entry.so", "hanging_entry.so");
  std::vector<ProbeRequest> requests;
  for (const auto& name : {"hanging_entry.so", "toy.so"})
    requests.push_back(
        {(bed.plugins / name).string(), sha256_of_file((bed.plugins / name).string())});
  ScanOptions options;
  options.timeout = std::chrono::milliseconds(30000);
  options.scan_timeout = std::chrono::milliseconds(1500);
  const auto start = std::chrono::steady_clock::now();
  const auto results = probe_out_of_process(requests, options);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
  const ProbeResult& hanging = results.at(requests[0].path);
  CHECK_FALSE(hanging.ok);
  CHECK(hanging.transient);  // not blacklisted: it may only be slow
  CHECK_THAT(hanging.reason, Catch::Contains("deadline of 1.5 s"));
  CHECK(results.at(requests[1].path).transient);
}

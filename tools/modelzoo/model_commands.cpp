// `modelzoo create`: its options are declared here, but its work is done by
// libmodelzoo_model_commands.so, opened only when it runs: the `modelzoo`
// binary itself never links LibTorch, so `list`, `info` and friends start
// in milliseconds. (`run`, `eval`, `train` are the plugins' own commands:
// plugin_commands.cpp.)
#include <dlfcn.h>

#include <filesystem>
#include <iostream>

#include "command.h"
#include "model_command_abi.h"
#include "modelzoo/host/install_layout.h"
#include "modelzoo/sdk/error.h"

namespace modelzoo::cli {
namespace fs = std::filesystem;

// `--config key=value`: the value is JSON when it parses as JSON (10, 0.5,
// true, "x", [1,2]), else a plain string.
nlohmann::json parse_overrides(const std::vector<std::string>& assignments) {
  nlohmann::json overrides = nlohmann::json::object();
  for (const auto& a : assignments) {
    const auto eq = a.find('=');
    if (eq == std::string::npos || eq == 0)
      throw Error("--config '" + a + "': expected KEY=VALUE (e.g. num_classes=10)");
    const std::string value = a.substr(eq + 1);
    nlohmann::json parsed = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
    overrides[a.substr(0, eq)] = parsed.is_discarded() ? nlohmann::json(value) : parsed;
  }
  return overrides;
}

namespace {

fs::path find_model_commands_library() {
  // Beside the host library's own install (or build tree), like the scanner.
  const fs::path library = install_layout().libdir / "modelzoo" / kModelCommandsLibrary;
  std::error_code ec;
  if (fs::exists(library, ec)) return library;
  throw Error(std::string("cannot find ") + kModelCommandsLibrary + " (looked in " +
              library.parent_path().string() + "); reinstall modelzoo");
}

}  // namespace

int run_in_model_library(const std::string& command, const nlohmann::json& args) {
  const fs::path library = find_model_commands_library();
  // Lazy binding: RTLD_NOW would also bind every symbol of LibTorch, loaded
  // with this library, up front — 0.1–0.15 s of a 0.8 s `modelzoo run`. The
  // library is this build's own, so no symbol is missing to be found late.
  void* handle = dlopen(library.c_str(), RTLD_LAZY | RTLD_LOCAL);
  if (!handle) throw Error("cannot load " + library.string() + ": " + dlerror());
  auto* entry = reinterpret_cast<ModelCommandEntry*>(dlsym(handle, kModelCommandSymbol));
  if (!entry)
    throw Error(library.string() + " lacks " + kModelCommandSymbol + "; reinstall modelzoo");
  // The library stays loaded until exit: LibTorch does not unload cleanly.
  return entry(command.c_str(), args.dump().c_str());
}

void add_model_commands(CLI::App& app, Context& context) {
  auto* create = app.add_subcommand(
      "create", "Build a randomly initialised model and show its parameters and output shape");
  auto name = std::make_shared<std::string>();
  auto configs = std::make_shared<std::vector<std::string>>();
  auto threads = std::make_shared<int>(0);
  create->add_option("name", *name, "[family/]entrypoint[.TAG] (a tag: that variant's config)")
      ->required();
  create->add_option("-c,--config", *configs, "Config override KEY=VALUE (repeatable)");
  create->add_option("--threads", *threads, "Intra-op threads (default: all cores)");
  create->callback([&context, name, configs, threads] {
    nlohmann::json args = {{"name", *name},
                           {"config", parse_overrides(*configs)},
                           {"threads", *threads},
                           {"json", context.json}};
    const int status = run_in_model_library("create", args);
    if (status != 0) throw CLI::RuntimeError(status);
  });
}

}  // namespace modelzoo::cli

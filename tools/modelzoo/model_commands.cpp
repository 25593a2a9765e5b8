// The CLI's model-path commands. Their options are declared here, but their
// work is done by libmodelzoo_model_commands.so, opened only when one of
// them runs: the `modelzoo` binary itself never links LibTorch, so `list`,
// `info` and friends start in milliseconds.
#include <dlfcn.h>

#include <filesystem>
#include <iostream>

#include "command.h"
#include "model_command_abi.h"
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
  std::error_code ec;
  const fs::path exe_dir = fs::read_symlink("/proc/self/exe", ec).parent_path();
  const fs::path candidates[] = {
      exe_dir / ".." / MODELZOO_LIBDIR / "modelzoo" / kModelCommandsLibrary,
      exe_dir / kModelCommandsLibrary,
  };
  for (const auto& c : candidates)
    if (fs::exists(c, ec)) return c;
  throw Error(std::string("cannot find ") + kModelCommandsLibrary + " (looked in " +
              candidates[0].string() + " and " + candidates[1].string() + "); reinstall modelzoo");
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
  create->add_option("name", *name, "[family/]entrypoint")->required();
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

  auto* run = app.add_subcommand(
      "run", "Classify an image with a pretrained model (weights pulled into the cache)");
  auto run_name = std::make_shared<std::string>();
  auto image = std::make_shared<std::string>();
  auto weights = std::make_shared<std::string>();
  auto run_configs = std::make_shared<std::vector<std::string>>();
  auto topk = std::make_shared<int>(5);
  auto run_threads = std::make_shared<int>(0);
  auto random_init = std::make_shared<bool>(false);
  auto verify = std::make_shared<bool>(false);
  auto idx_index = std::make_shared<std::vector<int>>();
  auto data = std::make_shared<std::string>("fashion-mnist");
  auto data_dir = std::make_shared<std::string>();
  run->add_option("name", *run_name, "[family/]entrypoint[.TAG] (DEFAULT weights without a tag)")
      ->required();
  run->add_option("--image", *image, "PNG or JPEG file");
  run->add_option("--idx-index", *idx_index,
                  "lut family: index of a test-set image (repeatable); prints the true label too");
  run->add_option("--data", *data, "lut family: data set of --idx-index (fashion-mnist)");
  run->add_option("--data-dir", *data_dir,
                  "lut family: directory of the IDX files (default: $MODELZOO_FASHION_MNIST_DIR, "
                  "else /usr/share/datasets/fashion-mnist)");
  run->add_option("--topk", *topk, "How many classes to show (default 5)");
  run->add_option("--threads", *run_threads, "Intra-op threads (default: all cores)");
  run->add_option("--weights", *weights, "A local checkpoint (.pth or .safetensors) instead");
  run->add_flag("--random-init", *random_init, "An untrained model (no weights)");
  run->add_flag("--verify", *verify, "Re-hash a cached checkpoint before using it");
  run->add_option("-c,--config", *run_configs, "Config override KEY=VALUE (repeatable)");
  run->callback([&context, run_name, image, weights, run_configs, topk, run_threads, random_init,
                 verify, idx_index, data, data_dir] {
    if (*random_init && !weights->empty())
      throw Error("--random-init and --weights exclude each other");
    if (image->empty() && idx_index->empty())
      throw Error("`modelzoo run` needs --image FILE (or, for the lut family, --idx-index N)");
    nlohmann::json args = {{"name", *run_name},
                           {"image", *image},
                           {"weights", *weights},
                           {"config", parse_overrides(*run_configs)},
                           {"topk", *topk},
                           {"threads", *run_threads},
                           {"random_init", *random_init},
                           {"verify", *verify},
                           {"idx_index", *idx_index},
                           {"data", *data},
                           {"data_dir", *data_dir},
                           {"json", context.json}};
    const int status = run_in_model_library("run", args);
    if (status != 0) throw CLI::RuntimeError(status);
  });
}

}  // namespace modelzoo::cli

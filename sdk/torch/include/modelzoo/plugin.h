// What a model-family plugin includes to declare itself.
//
//   #include <modelzoo/plugin.h>
//
//   MODELZOO_PLUGIN(registrar) {
//     registrar.add("tiny_mlp", [](const nlohmann::json& config) {
//       return std::make_shared<TinyMlpModel>(config);
//     });
//     registrar.add_command("run", "image-classification", classify);  // see command.h
//   }
//
// The macro defines the plugin's one entry function and exports it under the
// Boost.DLL alias kPluginEntrySymbol. The manifest is not written here: it is
// the plugin's manifest.json, which modelzoo_add_plugin() embeds in the
// `.modelzoo_manifest` section together with the build tuple. The host
// checks that the names registered here are exactly the manifest's, for
// factories and commands alike. Every factory gets the SDK's pretrained
// loader (build under SkipInit, the model's own load_weights, eval) unless
// the family registers its own with add_loader.
#pragma once

#include <boost/dll/alias.hpp>

#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include <c10/util/Exception.h>

#include "modelzoo/command.h"
#include "modelzoo/model.h"
#include "modelzoo/sdk/abi_version.h"
#include "modelzoo/sdk/plugin_abi.h"
#include "modelzoo/threads.h"

namespace modelzoo {

namespace detail {
/// Runs `body`, turning every exception into `*error` (LibTorch's without
/// its C++ backtrace, which helps no user). Returns false on error.
template <typename Body>
bool catch_all(const std::string& what, std::string* error, Body&& body) {
  try {
    body();
    return true;
  } catch (const c10::Error& e) {
    *error = e.what_without_backtrace();
  } catch (const std::exception& e) {
    *error = e.what();
  } catch (...) {
    *error = what + " threw a non-standard exception";
  }
  return false;
}
}  // namespace detail

/// Collects a plugin's factories, loaders and commands inside its entry
/// function.
class PluginRegistrar {
 public:
  using Factory = std::function<std::shared_ptr<Model>(const nlohmann::json& config)>;
  /// A family's own pretrained loader: the request JSON of PretrainedLoader
  /// (plugin_abi.h) in, a model with weights loaded and a report out.
  using Loader = std::function<LoadResult(const nlohmann::json& request)>;
  /// A command: reads ctx.options(), usually ctx.load(), returns its result.
  using Command = std::function<nlohmann::json(CommandContext& ctx)>;

  explicit PluginRegistrar(PluginExports& exports) : exports_(exports) {
    exports_.sdk_abi_minor = MODELZOO_SDK_ABI_MINOR;
  }

  /// Registers the factory of entrypoint `name`, and the SDK's pretrained
  /// loader for it (load_pretrained; add_loader replaces it). The factory
  /// may throw; the SDK turns the exception into an error message.
  void add(const std::string& name, Factory factory) {
    exports_.factories.emplace_back(name, [name, factory](const std::string& config_json) {
      FactoryResult result;
      if (!detail::catch_all("factory of '" + name + "'", &result.error, [&] {
            nlohmann::json config = nlohmann::json::parse(config_json);
            result.model = factory(config);
            if (!result.model)
              throw std::runtime_error("factory of '" + name + "' returned no model");
            result.model->set_config(std::move(config));
          }))
        result.model.reset();
      return result;
    });
    set_loader(name, [factory](const nlohmann::json& request) {
      return load_pretrained(factory, request);
    });
  }

  /// Replaces the pretrained loader of entrypoint `name` (registered by add).
  void add_loader(const std::string& name, Loader loader) { set_loader(name, std::move(loader)); }

  /// Registers the command the manifest declares as `verb` (and `task`:
  /// the task a run command serves; "" for a task-less verb).
  void add_command(const std::string& verb, const std::string& task, Command command) {
    const std::string key = task.empty() ? verb : verb + ":" + task;
    exports_.commands.emplace_back(key, [key, command](const CommandCall& call) {
      CommandResult result;
      detail::catch_all("command '" + key + "'", &result.error, [&] {
        CommandContext context(call);
        result.result_json = command(context).dump();
      });
      return result;
    });
  }

 private:
  void set_loader(const std::string& name, Loader loader) {
    PretrainedLoader wrapped = [name, loader](const std::string& request_json) {
      LoadResult result;
      if (!detail::catch_all("loader of '" + name + "'", &result.error,
                             [&] { result = loader(nlohmann::json::parse(request_json)); }))
        result.model.reset();
      return result;
    };
    for (auto& [key, existing] : exports_.loaders)
      if (key == name) {
        existing = std::move(wrapped);
        return;
      }
    exports_.loaders.emplace_back(name, std::move(wrapped));
  }

  PluginExports& exports_;
};

namespace detail {
/// Runs a plugin's registration function, keeping every exception inside.
inline int run_plugin_entry(PluginExports& exports, void (*register_fn)(PluginRegistrar&)) {
  if (catch_all("plugin entry", &exports.error, [&] {
        if (exports.num_threads > 0) set_intra_op_threads(exports.num_threads);
        PluginRegistrar registrar(exports);
        register_fn(registrar);
      }))
    return 0;
  exports.factories.clear();
  exports.loaders.clear();
  exports.commands.clear();
  return 1;
}
}  // namespace detail

}  // namespace modelzoo

#define MODELZOO_PLUGIN(registrar_name)                                              \
  static void modelzoo_plugin_register(::modelzoo::PluginRegistrar& registrar_name); \
  namespace modelzoo_plugin_detail {                                                 \
  static int plugin_entry(::modelzoo::PluginExports& exports) {                      \
    return ::modelzoo::detail::run_plugin_entry(exports, &modelzoo_plugin_register); \
  }                                                                                  \
  }                                                                                  \
  BOOST_DLL_ALIAS(modelzoo_plugin_detail::plugin_entry, modelzoo_plugin_entry_v1)    \
  static void modelzoo_plugin_register(::modelzoo::PluginRegistrar& registrar_name)

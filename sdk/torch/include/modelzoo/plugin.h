// What a model-family plugin includes to declare itself.
//
//   #include <modelzoo/plugin.h>
//
//   MODELZOO_PLUGIN(registrar) {
//     registrar.add("tiny_mlp", [](const nlohmann::json& config) {
//       return std::make_shared<TinyMlpModel>(config);
//     });
//   }
//
// The macro defines the plugin's one entry function and exports it under the
// Boost.DLL alias kPluginEntrySymbol. The manifest is not written here: it is
// the plugin's manifest.json, which modelzoo_add_plugin() embeds in the
// `.modelzoo_manifest` section together with the build tuple. The host
// checks that the names registered here are exactly the manifest's.
#pragma once

#include <boost/dll/alias.hpp>

#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "modelzoo/model.h"
#include "modelzoo/sdk/plugin_abi.h"
#include "modelzoo/threads.h"

namespace modelzoo {

/// Collects a plugin's factories inside its entry function.
class PluginRegistrar {
 public:
  using Factory = std::function<std::shared_ptr<Model>(const nlohmann::json& config)>;

  explicit PluginRegistrar(PluginExports& exports) : exports_(exports) {}

  /// Registers the factory of entrypoint `name`. The factory may throw; the
  /// SDK turns the exception into an error message for the host.
  void add(const std::string& name, Factory factory) {
    exports_.factories.emplace_back(name, [name, factory](const std::string& config_json) {
      FactoryResult result;
      try {
        nlohmann::json config = nlohmann::json::parse(config_json);
        result.model = factory(config);
        if (!result.model) {
          result.error = "factory of '" + name + "' returned no model";
        } else {
          result.model->set_config(std::move(config));
        }
      } catch (const std::exception& e) {
        result.model.reset();
        result.error = e.what();
      } catch (...) {
        result.model.reset();
        result.error = "factory of '" + name + "' threw a non-standard exception";
      }
      return result;
    });
  }

 private:
  PluginExports& exports_;
};

namespace detail {
/// Runs a plugin's registration function, keeping every exception inside.
inline int run_plugin_entry(PluginExports& exports, void (*register_fn)(PluginRegistrar&)) {
  try {
    if (exports.num_threads > 0) set_intra_op_threads(exports.num_threads);
    PluginRegistrar registrar(exports);
    register_fn(registrar);
    return 0;
  } catch (const std::exception& e) {
    exports.error = e.what();
  } catch (...) {
    exports.error = "plugin entry threw a non-standard exception";
  }
  exports.factories.clear();
  return 1;
}
}  // namespace detail

}  // namespace modelzoo

#define MODELZOO_PLUGIN(registrar_name)                                                    \
  static void modelzoo_plugin_register(::modelzoo::PluginRegistrar& registrar_name);       \
  namespace modelzoo_plugin_detail {                                                       \
  static int plugin_entry(::modelzoo::PluginExports& exports) {                            \
    return ::modelzoo::detail::run_plugin_entry(exports, &modelzoo_plugin_register);       \
  }                                                                                        \
  }                                                                                        \
  BOOST_DLL_ALIAS(modelzoo_plugin_detail::plugin_entry, modelzoo_plugin_entry_v1)          \
  static void modelzoo_plugin_register(::modelzoo::PluginRegistrar& registrar_name)

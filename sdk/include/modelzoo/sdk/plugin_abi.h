// The binary contract between the host and a plugin's code, seen from both
// sides. Torch-free on purpose: the host's loader includes it without pulling
// in LibTorch; Model stays an incomplete type here.
//
// After the host has read and accepted a plugin's manifest, it opens the
// shared object and looks up one Boost.DLL alias, kPluginEntrySymbol. The
// entry fills PluginExports with one factory per entrypoint and returns 0; on
// failure it returns non-zero and leaves a message in `error`. No exception
// ever crosses the entry, nor a factory call: the SDK's wrappers catch
// everything inside the plugin and turn it into a message.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace modelzoo {

class Model;

/// What a factory call gives back: a model, or an error message.
struct FactoryResult {
  std::shared_ptr<Model> model;
  std::string error;
};

/// Builds a model from a config (the manifest's default config with the
/// caller's overrides applied), passed as JSON text so that the plugin and
/// the host need not share one nlohmann::json build.
using ModelFactory = std::function<FactoryResult(const std::string& config_json)>;

struct PluginExports {
  /// In: the intra-op thread count the host wants LibTorch to use (0: leave
  /// as is). The plugin applies it, since the host itself does not link
  /// LibTorch. Out: everything below.
  int num_threads = 0;
  std::vector<std::pair<std::string, ModelFactory>> factories;  ///< entrypoint name → factory
  std::string error;  ///< set when the entry returns non-zero
};

/// Signature of the entry function behind kPluginEntrySymbol.
using PluginEntry = int(PluginExports& exports);

/// The versioned entry name: a plugin of another SDK ABI major exports
/// another name, so the lookup itself refuses it.
inline constexpr const char* kPluginEntrySymbol = "modelzoo_plugin_entry_v1";

/// Name of the ELF section that holds the manifest document.
inline constexpr const char* kManifestSection = ".modelzoo_manifest";

}  // namespace modelzoo

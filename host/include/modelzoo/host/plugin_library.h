// An opened plugin: its shared object, loaded with Boost.DLL, and the
// factories its entry function handed over, checked against its manifest.
// Torch-free itself, but opening a plugin maps LibTorch into the process
// (plugins link it); the host opens a plugin only to build one of its models.
//
// Invariant: a PluginLibrary outlives every factory and model that came out
// of it (the Hub ties models to it by shared_ptr).
#pragma once

#include <map>
#include <memory>
#include <string>

#include <boost/dll/shared_library.hpp>

#include "modelzoo/sdk/export.h"
#include "modelzoo/sdk/manifest.h"
#include "modelzoo/sdk/plugin_abi.h"

namespace modelzoo {

class MODELZOO_API PluginLibrary {
 public:
  /// Loads the shared object open on `fd` (the descriptor its trust was
  /// checked on; `path` is where it was opened, for its dependencies, see
  /// plugin_dependencies.h), runs its entry and checks that its factories
  /// are exactly the manifest's entrypoints. Takes ownership of `fd`.
  /// Throws modelzoo::Error with the reason.
  static std::shared_ptr<PluginLibrary> open(int fd, const std::string& path,
                                             const Manifest& manifest, int num_threads);

  /// The factory of `entrypoint` (one the manifest declares).
  const ModelFactory& factory(const std::string& entrypoint) const;
  /// The pretrained loader of `entrypoint`. Throws, saying the plugin must be
  /// rebuilt, for a plugin built against SDK 1.0 (which has none).
  const PretrainedLoader& loader(const std::string& entrypoint) const;
  /// The command registered as `key` (CommandSpec::key()); throws when the
  /// plugin's code lacks it (a 1.0 plugin has no commands at all).
  const PluginCommand& command(const std::string& key) const;
  /// The SDK minor the plugin's code was built with (0 for 1.0).
  int sdk_abi_minor() const { return sdk_abi_minor_; }

 private:
  PluginLibrary() = default;
  // Declared first so it is destroyed last: the factories' code lives in it.
  boost::dll::shared_library library_;
  std::string name_;  // family, for messages
  int sdk_abi_minor_ = 0;
  std::map<std::string, ModelFactory> factories_;
  std::map<std::string, PretrainedLoader> loaders_;
  std::map<std::string, PluginCommand> commands_;
};

}  // namespace modelzoo

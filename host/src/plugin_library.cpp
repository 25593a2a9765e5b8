#include "modelzoo/host/plugin_library.h"

#include <dlfcn.h>
#include <unistd.h>

#include <mutex>
#include <set>
#include <vector>

#include "modelzoo/host/elf_section.h"
#include "modelzoo/host/plugin_dependencies.h"
#include "modelzoo/sdk/abi_version.h"
#include "modelzoo/sdk/error.h"

namespace modelzoo {

namespace {

// The loader knows a library loaded through /proc/self/fd/N by that name, and
// dlopen returns an already loaded library of the same name. A descriptor
// that was closed and reused would then hand back the wrong plugin — and a
// library may stay mapped after dlclose (GNU unique symbols make it
// NODELETE). So the descriptors plugins were loaded from stay open for the
// life of the process: one per plugin file loaded.
void pin_for_process_lifetime(int fd) {
  static std::mutex mutex;
  static std::vector<int> pinned;
  std::lock_guard<std::mutex> lock(mutex);
  pinned.push_back(fd);
}

}  // namespace

std::shared_ptr<PluginLibrary> PluginLibrary::open(int fd, const std::string& path,
                                                   const Manifest& manifest, int num_threads) {
  pin_for_process_lifetime(fd);
  const ElfDependencies dependencies = read_elf_dependencies(fd);
  load_plugin_dependencies(dependencies, path);
  std::shared_ptr<PluginLibrary> plugin(new PluginLibrary());
  boost::dll::fs::error_code ec;
  // Local symbols: two plugins may define the same internal names.
  plugin->library_.load("/proc/self/fd/" + std::to_string(fd), ec,
                        boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  if (ec) {
    // Boost reports every dlopen failure as "Bad file descriptor"; the
    // loader's own message names the cause (a library it cannot find, an
    // undefined symbol), which is what a user can act on.
    const char* why = ::dlerror();
    std::string reason = why ? std::string(why) : ec.message();
    if (reason.find("cannot open shared object file") != std::string::npos) {
      reason += " (looked in";
      for (const auto& dir : dependency_search_dirs(dependencies, path))
        reason += " " + dir.string();
      reason +=
          " and the system's library directories; install the library or add its "
          "directory to LD_LIBRARY_PATH)";
    }
    throw Error("cannot load the shared object: " + reason);
  }
  if (!plugin->library_.has(kPluginEntrySymbol))
    throw Error(std::string("exports no '") + kPluginEntrySymbol +
                "' entry: built against an incompatible modelzoo SDK; rebuild it with "
                "modelzoo_add_plugin");
  auto& entry = plugin->library_.get_alias<PluginEntry>(kPluginEntrySymbol);

  PluginExports exports;
  exports.num_threads = num_threads;
  if (entry(exports) != 0)
    throw Error("its entry function failed: " +
                (exports.error.empty() ? std::string("no reason given") : exports.error));

  std::set<std::string> declared;
  for (const auto& e : manifest.entrypoints) declared.insert(e.name);
  for (auto& [name, factory] : exports.factories) {
    if (!declared.count(name))
      throw Error("its code registers entrypoint '" + name +
                  "', which its manifest does not declare; add it to manifest.json");
    if (!plugin->factories_.emplace(name, std::move(factory)).second)
      throw Error("its code registers entrypoint '" + name + "' twice");
  }
  for (const auto& name : declared)
    if (!plugin->factories_.count(name))
      throw Error("its manifest declares entrypoint '" + name +
                  "', but its code registers no factory for it");
  plugin->name_ = manifest.family;
  plugin->sdk_abi_minor_ = exports.sdk_abi_minor;
  if (exports.sdk_abi_minor == 0) return plugin;  // SDK 1.0: the fields below are not its own

  for (auto& [name, loader] : exports.loaders) {
    if (!declared.count(name))
      throw Error("its code registers a loader for '" + name +
                  "', which its manifest does not declare");
    plugin->loaders_[name] = std::move(loader);
  }
  std::set<std::string> commands;
  for (const auto& c : manifest.commands) commands.insert(c.key());
  for (auto& [key, command] : exports.commands) {
    if (!commands.count(key))
      throw Error("its code registers command '" + key +
                  "', which its manifest does not declare; add it to the manifest's commands");
    if (!plugin->commands_.emplace(key, std::move(command)).second)
      throw Error("its code registers command '" + key + "' twice");
  }
  for (const auto& key : commands)
    if (!plugin->commands_.count(key))
      throw Error("its manifest declares command '" + key + "', but its code registers none");
  return plugin;
}

const PretrainedLoader& PluginLibrary::loader(const std::string& entrypoint) const {
  auto it = loaders_.find(entrypoint);
  if (it != loaders_.end()) return it->second;
  if (sdk_abi_minor_ == 0)
    throw Error("the " + name_ +
                " plugin was built against modelzoo SDK 1.0, which has no pretrained loading; "
                "rebuild it against SDK " MODELZOO_SDK_ABI_STRING
                " (create() still builds its models)");
  throw Error("no pretrained loader for entrypoint '" + entrypoint + "'");
}

const PluginCommand& PluginLibrary::command(const std::string& key) const {
  auto it = commands_.find(key);
  if (it != commands_.end()) return it->second;
  if (sdk_abi_minor_ == 0)
    throw Error("the " + name_ +
                " plugin was built against modelzoo SDK 1.0, which has no "
                "commands; rebuild it against SDK " MODELZOO_SDK_ABI_STRING " to get '" +
                key + "'");
  throw Error("the " + name_ + " plugin's code has no command '" + key + "'");
}

const ModelFactory& PluginLibrary::factory(const std::string& entrypoint) const {
  auto it = factories_.find(entrypoint);
  if (it == factories_.end()) throw Error("no factory for entrypoint '" + entrypoint + "'");
  return it->second;
}

}  // namespace modelzoo

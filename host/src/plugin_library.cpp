#include "modelzoo/host/plugin_library.h"

#include <unistd.h>

#include <mutex>
#include <set>
#include <vector>

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

std::shared_ptr<PluginLibrary> PluginLibrary::open(int fd, const Manifest& manifest,
                                                   int num_threads) {
  pin_for_process_lifetime(fd);
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  std::shared_ptr<PluginLibrary> plugin(new PluginLibrary());
  boost::dll::fs::error_code ec;
  // Local symbols: two plugins may define the same internal names.
  plugin->library_.load(path, ec,
                        boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  if (ec) throw Error("cannot load the shared object: " + ec.message());
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
  return plugin;
}

const ModelFactory& PluginLibrary::factory(const std::string& entrypoint) const {
  auto it = factories_.find(entrypoint);
  if (it == factories_.end()) throw Error("no factory for entrypoint '" + entrypoint + "'");
  return it->second;
}

}  // namespace modelzoo

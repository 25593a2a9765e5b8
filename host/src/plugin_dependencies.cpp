#include "modelzoo/host/plugin_dependencies.h"

#include <dlfcn.h>

#include <cstdlib>
#include <optional>

#include "modelzoo/host/install_layout.h"
#include "modelzoo/sdk/error.h"

namespace modelzoo {
namespace fs = std::filesystem;

namespace {

// `entry` with $ORIGIN / ${ORIGIN} replaced by `origin`; nullopt when it
// holds no $ORIGIN (the loader resolves it alone) or another token ($LIB,
// $PLATFORM) this code does not expand.
std::optional<fs::path> expand_origin(std::string entry, const fs::path& origin) {
  bool expanded = false;
  for (const char* token : {"${ORIGIN}", "$ORIGIN"}) {
    for (size_t at; (at = entry.find(token)) != std::string::npos;) {
      entry.replace(at, std::string(token).size(), origin.string());
      expanded = true;
    }
  }
  if (!expanded || entry.find('$') != std::string::npos) return std::nullopt;
  return fs::path(entry).lexically_normal();
}

fs::path origin_of(const fs::path& plugin_path) {
  std::error_code ec;
  const fs::path absolute = fs::absolute(plugin_path, ec);
  return (ec ? plugin_path : absolute).parent_path();
}

bool is_modelzoo_library(const std::string& soname) {
  return soname.rfind("libmodelzoo_", 0) == 0;
}

bool already_loaded(const std::string& soname) {
  void* handle = dlopen(soname.c_str(), RTLD_LAZY | RTLD_NOLOAD);
  if (!handle) return false;
  dlclose(handle);  // only drops the reference RTLD_NOLOAD took
  return true;
}

}  // namespace

void load_plugin_dependencies(const ElfDependencies& dependencies, const fs::path& plugin_path) {
  const fs::path origin = origin_of(plugin_path);
  for (const auto& soname : dependencies.needed) {
    if (soname.find('/') != std::string::npos || already_loaded(soname)) continue;
    std::vector<fs::path> candidates;
    if (is_modelzoo_library(soname)) candidates.push_back(install_layout().libdir / soname);
    for (const auto& entry : dependencies.search_path)
      if (auto dir = expand_origin(entry, origin)) candidates.push_back(*dir / soname);
    for (const auto& candidate : candidates) {
      std::error_code ec;
      if (!fs::exists(candidate, ec)) continue;
      // modelzoo's own libraries bind lazily, as the model-commands library
      // does: binding all of LibTorch up front costs 0.1 s, and the host's
      // own build has no missing symbol. Anything else binds now, so a
      // missing symbol is an error here rather than a crash later.
      const int mode = (is_modelzoo_library(soname) ? RTLD_LAZY : RTLD_NOW) | RTLD_LOCAL;
      // Stays loaded for the life of the process, as the plugin does.
      if (!dlopen(candidate.c_str(), mode))
        throw Error("cannot load " + candidate.string() + ", which it needs: " + dlerror());
      break;
    }
  }
}

std::vector<fs::path> dependency_search_dirs(const ElfDependencies& dependencies,
                                             const fs::path& plugin_path) {
  std::vector<fs::path> dirs = {install_layout().libdir};
  const fs::path origin = origin_of(plugin_path);
  for (const auto& entry : dependencies.search_path) {
    if (auto dir = expand_origin(entry, origin))
      dirs.push_back(*dir);
    else if (entry.find('$') == std::string::npos)
      dirs.emplace_back(entry);
  }
  if (const char* env = std::getenv("LD_LIBRARY_PATH")) {
    const std::string list = env;
    for (size_t start = 0; start <= list.size();) {
      const size_t end = std::min(list.find(':', start), list.size());
      if (end > start) dirs.emplace_back(list.substr(start, end - start));
      start = end + 1;
    }
  }
  return dirs;
}

}  // namespace modelzoo

#include "modelzoo/host/discovery.h"

#include <algorithm>
#include <cstdlib>
#include <set>
#include <sstream>
#include <string>
#include <system_error>

#include "modelzoo/host/install_layout.h"

namespace modelzoo {
namespace fs = std::filesystem;

namespace {

void add_directory(std::vector<fs::path>& out, std::set<fs::path>& seen, const fs::path& dir) {
  std::error_code ec;
  if (dir.empty() || !fs::is_directory(dir, ec)) return;
  const fs::path canonical = fs::canonical(dir, ec);
  if (ec || !seen.insert(canonical).second) return;
  out.push_back(dir);
}

}  // namespace

std::vector<fs::path> default_plugin_search_path() {
  std::vector<fs::path> dirs;
  std::set<fs::path> seen;
  // Not in a setuid/setgid process: the caller must not choose its code.
  if (const char* env = ::secure_getenv("MODELZOO_PLUGIN_PATH")) {
    std::stringstream list(env);
    std::string entry;
    while (std::getline(list, entry, ':')) add_directory(dirs, seen, entry);
  }
  // Only MODELZOO_PLUGIN_PATH: for tests and reproducible runs that must not
  // see the plugins installed or built next to the executable.
  if (const char* only = ::secure_getenv("MODELZOO_PLUGIN_PATH_ONLY");
      only && std::string(only) == "1")
    return dirs;
  // The plugins of the install (or build tree) this host library belongs
  // to, wherever it was put; then plugins/ beside the executable, for an
  // app that ships its own.
  add_directory(dirs, seen, install_layout().plugin_dir);
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) add_directory(dirs, seen, exe.parent_path() / "plugins");
  return dirs;
}

std::vector<fs::path> find_plugin_files(const std::vector<fs::path>& directories) {
  std::vector<fs::path> files;
  for (const auto& dir : directories) {
    std::vector<fs::path> in_dir;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      const fs::path& p = it->path();
      if (p.extension() == ".so" && !it->is_directory(ec)) in_dir.push_back(p);
    }
    std::sort(in_dir.begin(), in_dir.end());
    files.insert(files.end(), in_dir.begin(), in_dir.end());
  }
  return files;
}

}  // namespace modelzoo

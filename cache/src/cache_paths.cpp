#include "modelzoo/cache/cache_paths.h"

#include <pwd.h>
#include <unistd.h>
#include <cstdlib>

#include "modelzoo/sdk/error.h"

namespace modelzoo::cache {
namespace {

// secure_getenv: in a setuid/setgid process the environment is the
// caller's and must not choose where a privileged process reads or writes.
std::string env(const char* name) {
  const char* value = ::secure_getenv(name);
  return value ? value : "";
}

std::filesystem::path home_dir() {
  std::string home = env("HOME");
  if (!home.empty()) return home;
  if (const passwd* pw = getpwuid(getuid()); pw && pw->pw_dir) return pw->pw_dir;
  throw Error("cannot find the cache directory: HOME is not set; set MODELZOO_HOME");
}

std::filesystem::path xdg_cache_home() {
  std::string xdg = env("XDG_CACHE_HOME");
  // The XDG spec says a relative path is invalid and must be ignored.
  if (!xdg.empty() && xdg.front() == '/') return xdg;
  return home_dir() / ".cache";
}

}  // namespace

std::filesystem::path default_cache_root() {
  std::string home = env("MODELZOO_HOME");
  if (!home.empty()) return std::filesystem::absolute(home);
  return xdg_cache_home() / "modelzoo";
}

std::filesystem::path torch_hub_checkpoint_dir() {
  std::string torch_home = env("TORCH_HOME");
  if (!torch_home.empty()) return std::filesystem::path(torch_home) / "hub" / "checkpoints";
  return xdg_cache_home() / "torch" / "hub" / "checkpoints";
}

}  // namespace modelzoo::cache

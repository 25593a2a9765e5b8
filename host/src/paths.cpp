#include "modelzoo/host/paths.h"

#include <pwd.h>
#include <sys/auxv.h>
#include <unistd.h>

#include <cstdlib>

#include "modelzoo/cache/cache_paths.h"

namespace modelzoo {
namespace fs = std::filesystem;

namespace {

const char* env(const char* name) {
  if (running_privileged()) return nullptr;
  const char* value = std::getenv(name);
  return value && *value ? value : nullptr;
}

fs::path home() {
  if (const char* h = env("HOME")) return h;
  if (const passwd* pw = getpwuid(getuid())) return pw->pw_dir;
  return "/";
}

}  // namespace

bool running_privileged() { return getauxval(AT_SECURE) != 0; }

fs::path cache_root() {
  // The environment must not steer a privileged process.
  if (running_privileged()) return home() / ".cache" / "modelzoo";
  return cache::default_cache_root();
}

fs::path config_root() {
  if (const char* x = env("XDG_CONFIG_HOME")) return fs::path(x) / "modelzoo";
  return home() / ".config" / "modelzoo";
}

}  // namespace modelzoo

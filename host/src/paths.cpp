#include "modelzoo/host/paths.h"

#include <pwd.h>
#include <sys/auxv.h>
#include <unistd.h>

#include <cstdlib>

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
  if (const char* m = env("MODELZOO_HOME")) return m;
  if (const char* x = env("XDG_CACHE_HOME")) return fs::path(x) / "modelzoo";
  return home() / ".cache" / "modelzoo";
}

fs::path config_root() {
  if (const char* x = env("XDG_CONFIG_HOME")) return fs::path(x) / "modelzoo";
  return home() / ".config" / "modelzoo";
}

}  // namespace modelzoo

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

// A privileged process keeps its state in the home of the user it runs as
// (root's, for setuid root), never in the invoking user's, who could plant
// probe results, trust verdicts or a ledger there.
fs::path privileged_home() {
  if (const passwd* pw = getpwuid(geteuid())) return pw->pw_dir;
  return "/";
}

}  // namespace

bool running_privileged() {
  return getauxval(AT_SECURE) != 0;
}

fs::path cache_root() {
  // The environment must not steer a privileged process.
  if (running_privileged()) return privileged_home() / ".cache" / "modelzoo";
  return cache::default_cache_root();
}

fs::path config_root() {
  if (const char* x = env("XDG_CONFIG_HOME")) return fs::path(x) / "modelzoo";
  return home() / ".config" / "modelzoo";
}

fs::path state_root() {
  if (running_privileged()) return privileged_home() / ".local" / "state" / "modelzoo";
  if (const char* x = env("XDG_STATE_HOME")) return fs::path(x) / "modelzoo";
  return home() / ".local" / "state" / "modelzoo";
}

}  // namespace modelzoo

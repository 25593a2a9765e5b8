#include "modelzoo/init_mode.h"

namespace modelzoo {
namespace {
// One flag per thread, in this library only, so a plugin and the app that
// loads it see the same value.
thread_local bool g_init_enabled = true;
}  // namespace

bool init_parameters_enabled() {
  return g_init_enabled;
}

SkipInit::SkipInit() : previous_(g_init_enabled) {
  g_init_enabled = false;
}

SkipInit::~SkipInit() {
  g_init_enabled = previous_;
}

}  // namespace modelzoo

// The one Catch2 main shared by every test executable. It points modelzoo's
// cache, config and state at a directory of the build tree, so tests never
// read or write the user's (~/.cache/modelzoo, ~/.config/modelzoo,
// ~/.local/state/modelzoo: the downgrade ledger).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdlib>

int main(int argc, char* argv[]) {
  setenv("MODELZOO_HOME", MODELZOO_TEST_HOME "/cache", 1);
  setenv("XDG_CONFIG_HOME", MODELZOO_TEST_HOME "/config", 1);
  setenv("XDG_STATE_HOME", MODELZOO_TEST_HOME "/state", 1);
  unsetenv("MODELZOO_TRUST");
  unsetenv("MODELZOO_PLUGIN_PATH");
  return Catch::Session().run(argc, argv);
}

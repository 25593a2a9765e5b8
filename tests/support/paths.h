// Locations of build products the tests use.
#pragma once

#include <string>

namespace modelzoo::test {

inline std::string binary_dir() {
  return MODELZOO_BINARY_DIR;
}
inline std::string cli_path() {
  return binary_dir() + "/bin/modelzoo";
}
inline std::string plugin_dir(const std::string& kind) {  // "good", "faulty", "bad"
  return binary_dir() + "/tests/plugins/" + kind;
}

}  // namespace modelzoo::test

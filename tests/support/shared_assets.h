// Where the tests find ../shared/assets: real data files that no registry
// here ships (see its README), beside the source tree. Tests that use them
// skip with a message when a file is absent.
#pragma once

#include <string>

namespace modelzoo::test {

inline std::string shared_assets_dir() {
  return std::string(MODELZOO_SOURCE_DIR) + "/../shared/assets";
}

}  // namespace modelzoo::test

// A "billion laughs" YAML document for the tests: nine levels of nine
// aliases, 9^9 strings once expanded, from under 1 KB of text. `prefix` is
// a valid config the bomb is appended to (as its `metadata:`).
#pragma once

#include <string>

namespace modelzoo::lut::test {

inline std::string alias_bomb(const std::string& prefix) {
  std::string text = prefix;
  text += "metadata:\n  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (int i = 1; i <= 9; ++i) {
    const std::string prev = "*l" + std::to_string(i - 1);
    text += "  l" + std::to_string(i) + ": &l" + std::to_string(i) + " [";
    for (int k = 0; k < 9; ++k) text += (k ? ", " : "") + prev;
    text += "]\n";
  }
  return text;
}

}  // namespace modelzoo::lut::test

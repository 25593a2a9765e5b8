// The fuzzers' own UTF-8 check, independent of the code under test.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace modelzoo::fuzz {

// An independent well-formedness check (Unicode Table 3-7).
inline bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<uint8_t>(s[i]);
    int n = 0;
    uint8_t lo = 0x80, hi = 0xBF;
    if (b < 0x80)
      n = 0;
    else if (b >= 0xC2 && b <= 0xDF)
      n = 1;
    else if (b == 0xE0)
      n = 2, lo = 0xA0;
    else if (b == 0xED)
      n = 2, hi = 0x9F;
    else if (b >= 0xE1 && b <= 0xEF)
      n = 2;
    else if (b == 0xF0)
      n = 3, lo = 0x90;
    else if (b >= 0xF1 && b <= 0xF3)
      n = 3;
    else if (b == 0xF4)
      n = 3, hi = 0x8F;
    else
      return false;
    if (n > 0 && i + n >= s.size()) return false;
    for (int k = 1; k <= n; ++k) {
      const auto c = static_cast<uint8_t>(s[i + k]);
      if (c < (k == 1 ? lo : 0x80) || c > (k == 1 ? hi : 0xBF)) return false;
    }
    i += n + 1;
  }
  return true;
}

}  // namespace modelzoo::fuzz

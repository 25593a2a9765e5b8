// A guard run before nlohmann::json parses untrusted text: its parser,
// copies and destructor recurse once per nesting level, so a few hundred
// kilobytes of '[' overflow the stack. Weights headers and indexes nest two
// or three levels; anything past the limit is refused unparsed.
#pragma once

#include <cstddef>
#include <string_view>

namespace modelzoo::formats::detail {

/// True when no array or object in `text` nests deeper than `limit`
/// (brackets inside strings do not count).
inline bool json_depth_within(std::string_view text, int limit) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return false;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return true;
}

}  // namespace modelzoo::formats::detail

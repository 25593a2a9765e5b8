#include "utf8.h"

#include <cstdint>

namespace modelzoo::text::utf8 {

namespace {

// Table 3-7 of the Unicode standard: the range of the second byte depends
// on the first (no overlong forms, no surrogates, nothing past U+10FFFF);
// every later byte is 80..BF.
struct Lead {
  int length = 0;  // 0: never starts a sequence
  uint8_t second_min = 0x80;
  uint8_t second_max = 0xBF;
};

Lead lead_of(uint8_t b) {
  if (b < 0x80) return {1};
  if (b >= 0xC2 && b <= 0xDF) return {2};
  if (b == 0xE0) return {3, 0xA0, 0xBF};
  if (b == 0xED) return {3, 0x80, 0x9F};
  if (b >= 0xE1 && b <= 0xEF) return {3};
  if (b == 0xF0) return {4, 0x90, 0xBF};
  if (b >= 0xF1 && b <= 0xF3) return {4};
  if (b == 0xF4) return {4, 0x80, 0x8F};
  return {};
}

// How many bytes from `start` form a valid prefix of a sequence (1 .. its
// length), given the bytes that are there.
int valid_prefix(std::string_view bytes, size_t start, const Lead& lead) {
  int n = 1;
  for (; n < lead.length && start + n < bytes.size(); ++n) {
    const auto b = static_cast<uint8_t>(bytes[start + n]);
    const uint8_t lo = n == 1 ? lead.second_min : 0x80;
    const uint8_t hi = n == 1 ? lead.second_max : 0xBF;
    if (b < lo || b > hi) break;
  }
  return n;
}

}  // namespace

bool next(std::string_view bytes, size_t* pos, char32_t* code_point) {
  const size_t start = *pos;
  const auto first = static_cast<uint8_t>(bytes[start]);
  const Lead lead = lead_of(first);
  if (lead.length == 0) {
    *pos = start + 1;
    return false;
  }
  const int n = valid_prefix(bytes, start, lead);
  *pos = start + static_cast<size_t>(n);
  if (n < lead.length) return false;
  char32_t cp = lead.length == 1 ? first : first & (0x7F >> lead.length);
  for (int i = 1; i < lead.length; ++i)
    cp = (cp << 6) | (static_cast<uint8_t>(bytes[start + i]) & 0x3F);
  *code_point = cp;
  return true;
}

void append(std::string* out, char32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool is_valid(std::string_view bytes) {
  size_t pos = 0;
  char32_t cp = 0;
  while (pos < bytes.size())
    if (!next(bytes, &pos, &cp)) return false;
  return true;
}

std::string repaired(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  size_t pos = 0;
  while (pos < bytes.size()) {
    const size_t start = pos;
    char32_t cp = 0;
    if (next(bytes, &pos, &cp))
      out.append(bytes.substr(start, pos - start));
    else
      append(&out, kReplacement);
  }
  return out;
}

size_t incomplete_tail(std::string_view bytes) {
  // A sequence is at most 4 bytes, so an unfinished one starts in the last 3.
  const size_t from = bytes.size() > 3 ? bytes.size() - 3 : 0;
  for (size_t start = from; start < bytes.size(); ++start) {
    const Lead lead = lead_of(static_cast<uint8_t>(bytes[start]));
    if (lead.length <= 1) continue;
    const size_t have = bytes.size() - start;
    if (have < static_cast<size_t>(lead.length) &&
        valid_prefix(bytes, start, lead) == static_cast<int>(have))
      return have;
  }
  return 0;
}

}  // namespace modelzoo::text::utf8

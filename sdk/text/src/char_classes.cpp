#include "char_classes.h"

#include <unicode/uchar.h>

#include "utf8.h"

namespace modelzoo::text {

bool is_word_char(char32_t c) {
  const auto cp = static_cast<UChar32>(c);
  constexpr uint32_t kWordCategories = U_GC_M_MASK | U_GC_ND_MASK | U_GC_PC_MASK;
  return u_hasBinaryProperty(cp, UCHAR_ALPHABETIC) || (U_GET_GC_MASK(cp) & kWordCategories) != 0 ||
         u_hasBinaryProperty(cp, UCHAR_JOIN_CONTROL);
}

bool is_white_space(char32_t c) {
  return u_isUWhiteSpace(static_cast<UChar32>(c));
}

char32_t char_before(std::string_view text, size_t end) {
  if (end == 0) return 0;
  size_t begin = end - 1;
  while (begin > 0 && (static_cast<unsigned char>(text[begin]) & 0xC0) == 0x80) --begin;
  return char_at(text.substr(0, end), begin);
}

char32_t char_at(std::string_view text, size_t begin) {
  if (begin >= text.size()) return 0;
  char32_t c = 0;
  return utf8::next(text, &begin, &c) ? c : utf8::kReplacement;
}

}  // namespace modelzoo::text

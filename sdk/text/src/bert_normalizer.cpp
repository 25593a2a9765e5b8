#include "bert_normalizer.h"

#include <unicode/uchar.h>
#include <unicode/ustring.h>

#include "unicode_normalization.h"
#include "utf8.h"

namespace modelzoo::text {

namespace {

bool is_control(char32_t c) {
  if (c == '\t' || c == '\n' || c == '\r') return false;
  switch (u_charType(static_cast<UChar32>(c))) {
    case U_CONTROL_CHAR:
    case U_FORMAT_CHAR:
    case U_PRIVATE_USE_CHAR:
    case U_SURROGATE:
    case U_UNASSIGNED:
      return true;
    default:
      return false;
  }
}

bool is_whitespace(char32_t c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
         u_isUWhiteSpace(static_cast<UChar32>(c));
}

bool is_punctuation(char32_t c) {
  if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
      (c >= 123 && c <= 126))
    return true;
  return u_ispunct(static_cast<UChar32>(c));
}

// The blocks Google's BERT calls Chinese characters (_is_chinese_char).
bool is_cjk(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
         (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B820 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

bool is_ascii(std::string_view text) {
  for (const char c : text)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

// Calls f(code point) for each character of valid UTF-8.
template <class F>
void for_each_char(std::string_view text, F&& f) {
  size_t pos = 0;
  char32_t c = 0;
  while (pos < text.size())
    if (utf8::next(text, &pos, &c)) f(c);
}

void append_lowercase(std::string* out, char32_t c) {
  if (c < 0x80) {
    out->push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c));
    return;
  }
  // Full mapping of the one character ('İ' → "i̇"), as Rust's
  // char::to_lowercase: no context, so no final-sigma rule.
  UChar in[2];
  int32_t in_length = 0;
  U16_APPEND_UNSAFE(in, in_length, static_cast<UChar32>(c));
  UChar lower[8];
  UErrorCode status = U_ZERO_ERROR;
  const int32_t length = u_strToLower(lower, 8, in, in_length, "", &status);
  if (U_FAILURE(status)) {
    utf8::append(out, c);
    return;
  }
  for (int32_t i = 0; i < length;) {
    UChar32 cp = 0;
    U16_NEXT(lower, i, length, cp);
    utf8::append(out, static_cast<char32_t>(cp));
  }
}

}  // namespace

std::string bert_normalize(std::string_view text, const BertNormalization& options) {
  std::string out;
  out.reserve(text.size());
  for_each_char(text, [&](char32_t c) {
    if (options.clean_text) {
      if (c == 0 || c == utf8::kReplacement || is_control(c)) return;
      if (is_whitespace(c)) c = ' ';
    }
    if (options.handle_chinese_chars && is_cjk(c)) {
      out.push_back(' ');
      utf8::append(&out, c);
      out.push_back(' ');
      return;
    }
    utf8::append(&out, c);
  });
  if (options.strip_accents && !is_ascii(out)) {
    const std::string decomposed = nfd(out);
    out.clear();
    for_each_char(decomposed, [&](char32_t c) {
      if (u_charType(static_cast<UChar32>(c)) != U_NON_SPACING_MARK) utf8::append(&out, c);
    });
  }
  if (options.lowercase) {
    std::string lowered;
    lowered.reserve(out.size());
    for_each_char(out, [&](char32_t c) { append_lowercase(&lowered, c); });
    out = std::move(lowered);
  }
  return out;
}

std::vector<std::string_view> bert_pre_tokenize(std::string_view normalized) {
  std::vector<std::string_view> words;
  size_t word_start = 0;
  size_t pos = 0;
  auto end_word = [&](size_t end) {
    if (end > word_start) words.push_back(normalized.substr(word_start, end - word_start));
  };
  while (pos < normalized.size()) {
    const size_t start = pos;
    char32_t c = 0;
    if (!utf8::next(normalized, &pos, &c)) continue;  // cannot happen: the text was repaired
    if (is_whitespace(c)) {
      end_word(start);
      word_start = pos;
    } else if (is_punctuation(c)) {
      end_word(start);
      words.push_back(normalized.substr(start, pos - start));
      word_start = pos;
    }
  }
  end_word(normalized.size());
  return words;
}

}  // namespace modelzoo::text

// The character classes of Rust's regex crate (Unicode mode) that Hugging
// Face's added-token matching uses: \w for single_word, \s for lstrip and
// rstrip. Through ICU's character properties.
#pragma once

#include <cstddef>
#include <string_view>

namespace modelzoo::text {

/// Rust's \w: Alphabetic, marks, decimal digits, connector punctuation
/// (the underscore) and the joiners.
bool is_word_char(char32_t c);
/// Rust's \s: the White_Space property.
bool is_white_space(char32_t c);

/// The last character of text[0, end), or 0 when there is none; the first
/// at text[begin…), or 0. `text` is valid UTF-8.
char32_t char_before(std::string_view text, size_t end);
char32_t char_at(std::string_view text, size_t begin);

}  // namespace modelzoo::text

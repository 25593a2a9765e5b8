// A token that a tokenizer matches in the text as a whole before its model
// splits what is left: special tokens such as <|endoftext|> or [MASK], and
// the tokens a vocabulary was extended with (Hugging Face's AddedToken).
#pragma once

#include <cstdint>
#include <string>

namespace modelzoo::text {

struct AddedToken {
  std::string content;   ///< matched byte for byte in the input text
  int64_t id = -1;       ///< its id in the vocabulary
  bool special = false;  ///< dropped by decode(ids, /*skip_special_tokens=*/true)
  bool lstrip = false;   ///< swallows the whitespace on its left
  bool rstrip = false;   ///< swallows the whitespace on its right
  /// Matched only where no word character (\w) touches it on either side.
  bool single_word = false;
  /// Matched in the normalized text (after NFC) rather than the raw text.
  bool normalized = false;
};

}  // namespace modelzoo::text

// BERT's text normalization and pre-tokenization, as Hugging Face's
// BertNormalizer and BertPreTokenizer do them (Google's tokenization.py
// BasicTokenizer, in the order the Rust port applies its steps):
//   1. clean: drop U+0000, U+FFFD and control characters (category C*,
//      except \t \n \r); every White_Space character becomes ' '
//   2. space out CJK ideographs (the CJK Unified Ideographs blocks and
//      their extensions and compatibility blocks), so each is a word
//   3. strip accents: NFD, then drop nonspacing marks (Mn)
//   4. lowercase (full case mapping of each character)
//   5. split on whitespace; each punctuation character (ASCII symbols
//      !-/ :-@ [-` {-~ and Unicode P*) is a word of its own
// Unicode properties and NFD come from ICU.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace modelzoo::text {

struct BertNormalization {
  bool clean_text = true;
  bool handle_chinese_chars = true;
  bool strip_accents = true;
  bool lowercase = true;
};

/// Steps 1–4 on valid UTF-8.
std::string bert_normalize(std::string_view text, const BertNormalization& options);

/// Step 5: the words of normalized text, views into it.
std::vector<std::string_view> bert_pre_tokenize(std::string_view normalized);

}  // namespace modelzoo::text

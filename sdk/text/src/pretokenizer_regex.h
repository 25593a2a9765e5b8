// A Unicode regex of a pre-tokenizer (GPT-2's, which splits contractions,
// letters, digits, other symbols and whitespace runs; a Split step's). PCRE2 in UTF + UCP mode, so
// \p{L}, \p{N} and \s mean what they mean in Python's `regex` module, which
// OpenAI's and Hugging Face's tokenizers use; JIT-compiled where PCRE2 has
// a JIT for the machine.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace modelzoo::text {

/// GPT-2's pattern (OpenAI's encoder.py; Hugging Face's ByteLevel).
extern const char* const kGpt2SplitPattern;

class PretokenizerRegex {
 public:
  /// Error naming `pattern` and PCRE2's message when it does not compile.
  explicit PretokenizerRegex(const std::string& pattern);
  ~PretokenizerRegex();
  PretokenizerRegex(const PretokenizerRegex&) = delete;
  PretokenizerRegex& operator=(const PretokenizerRegex&) = delete;

  /// Appends the [begin, end) byte ranges of the non-empty matches in
  /// `text` (valid UTF-8), in order, to *ranges; an empty match is stepped
  /// over by one character, as Rust's and Python's find_iter do. Error when
  /// the pattern exceeds PCRE2's match limit on this text.
  void find_matches(std::string_view text, std::vector<std::pair<size_t, size_t>>* ranges) const;

 private:
  struct Code;
  std::unique_ptr<Code> code_;
};

}  // namespace modelzoo::text

// The pre-tokenizer of byte-level BPE: a Unicode regex whose matches are
// the words that BPE merges within (GPT-2's splits contractions, letters,
// digits, other symbols and whitespace runs). PCRE2 in UTF + UCP mode, so
// \p{L}, \p{N} and \s mean what they mean in Python's `regex` module, which
// OpenAI's and Hugging Face's tokenizers use; JIT-compiled where PCRE2 has
// a JIT for the machine.
#pragma once

#include <memory>
#include <string>
#include <string_view>
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

  /// Appends the matches in `text` (valid UTF-8), in order, to *pieces. Text
  /// that no alternative matches is dropped, as re.findall drops it.
  void split(std::string_view text, std::vector<std::string_view>* pieces) const;

 private:
  struct Code;
  std::unique_ptr<Code> code_;
};

}  // namespace modelzoo::text

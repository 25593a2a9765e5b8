// A tokenizer.json pre-tokenizer as a pipeline, as Hugging Face's
// tokenizers runs one: the text is a list of pieces (at first one), and each
// step cuts every piece again; BPE then merges within each final piece.
// Steps: Split (a regex or a literal, with one of Hugging Face's
// SplitDelimiterBehavior rules, optionally inverted) — which Digits and
// ByteLevel's regex are too — and ByteLevel's prefix space. The text between
// matches stays as pieces (unlike re.findall); empty pieces are dropped.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pretokenizer_regex.h"

namespace modelzoo::text {

/// Hugging Face's SplitDelimiterBehavior: what becomes of a match.
enum class SplitBehavior {
  kIsolated,            ///< a piece of its own
  kRemoved,             ///< dropped
  kMergedWithPrevious,  ///< appended to the piece before it
  kMergedWithNext,      ///< prepended to the piece after it
  kContiguous,          ///< adjacent matches become one piece
};

class PreTokenizer {
 public:
  /// Cuts at the matches of a regex (PCRE2, Unicode properties).
  void add_split(const std::string& regex, SplitBehavior behavior, bool invert);
  /// Cuts at every occurrence of a literal string.
  void add_literal_split(std::string literal, SplitBehavior behavior, bool invert);
  /// Puts a space before every piece that does not start with one
  /// (ByteLevel's add_prefix_space).
  void add_prefix_space();

  bool empty() const { return steps_.empty(); }

  /// The pieces of `text` (valid UTF-8), in order, none empty.
  std::vector<std::string> split(std::string_view text) const;

 private:
  struct Step {
    enum class Kind { kSplit, kPrefixSpace } kind = Kind::kSplit;
    std::shared_ptr<const PretokenizerRegex> regex;  // or, when null, `literal`
    std::string literal;
    SplitBehavior behavior = SplitBehavior::kIsolated;
    bool invert = false;
  };
  /// The [begin, end) ranges of `piece` with whether each is a match,
  /// covering it all (matches and the text between them).
  std::vector<std::pair<std::pair<size_t, size_t>, bool>> cut(const Step& step,
                                                              std::string_view piece) const;
  void apply(const Step& step, std::string_view piece, std::vector<std::string>* out) const;

  std::vector<Step> steps_;
};

}  // namespace modelzoo::text

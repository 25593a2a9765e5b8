// Splitting text on added tokens before a model sees it, as Hugging Face's
// AddedVocabulary does: at each position the longest added token that
// starts there wins (leftmost-longest), an lstrip/rstrip token swallows the
// (Unicode) whitespace beside it, a single_word token is skipped where a
// word character touches it, and the text between matches goes to the
// model. Which tokens a splitter holds decides `normalized`: the tokenizer
// splits the raw text with the tokens that are not normalized, normalizes
// what is left, then splits that with the normalized ones.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "modelzoo/text/added_token.h"
#include "utf8.h"

namespace modelzoo::text {

/// A piece of the input: either text for the model (id < 0) or one added
/// token (its id; `text` is what it matched, whitespace it swallowed excluded).
struct Segment {
  std::string_view text;
  int64_t id = -1;
};

class AddedTokenSplitter {
 public:
  AddedTokenSplitter() = default;
  explicit AddedTokenSplitter(std::vector<AddedToken> tokens);

  /// `text` cut into segments, in order; text segments are never empty.
  std::vector<Segment> split(std::string_view text) const;

  /// The ids of `text`: each added token matched whole gives its id, and
  /// the text between them goes through encode_text(segment, &ids). Text
  /// that is not UTF-8 is repaired first (U+FFFD), as Hugging Face's
  /// tokenizers only ever see a str.
  template <typename EncodeText>
  std::vector<int64_t> encode(std::string_view text, const EncodeText& encode_text) const {
    std::string repaired;
    if (!utf8::is_valid(text)) {
      repaired = utf8::repaired(text);
      text = repaired;
    }
    std::vector<int64_t> ids;
    ids.reserve(text.size() / 3 + 1);
    for (const Segment& segment : split(text)) {
      if (segment.id >= 0)
        ids.push_back(segment.id);
      else
        encode_text(segment.text, &ids);
    }
    return ids;
  }

  bool empty() const { return tokens_.empty(); }

 private:
  /// The longest token matching at text[pos], or nullptr.
  const AddedToken* match_at(std::string_view text, size_t pos) const;

  std::vector<AddedToken> tokens_;
  /// Indices into tokens_ by first byte, longest first.
  std::array<std::vector<uint32_t>, 256> by_first_byte_;
};

}  // namespace modelzoo::text

// SentencePiece's BPE segmentation (bpe_model.cc): a normalized text
// starts as one symbol per character, and the adjacent pair whose joined
// text is a piece with the highest score is merged until none is; among
// equal scores the leftmost pair goes first. A merge into an unused piece
// is undone at the end (split back into what it was made of). A priority
// queue keeps it O(n log n): the whole text is one sequence, unsplit.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace modelzoo::text {

class SentencePieceBpe {
 public:
  SentencePieceBpe() = default;
  /// Adds a piece that merges may produce (normal and unused pieces).
  void add(std::string_view piece, int32_t id, float score, bool unused);

  /// The pieces of `normalized` (valid UTF-8) as ids; a symbol that is no
  /// piece comes out as -1 with its text in *unknown_text (in order).
  void encode(std::string_view normalized, std::vector<int32_t>* ids,
              std::vector<std::string_view>* unknown_text) const;

 private:
  struct Entry {
    int32_t id;
    float score;
    bool unused;
  };
  const Entry* find(std::string_view piece) const;
  void emit(std::string_view piece,
            const std::unordered_map<std::string_view,
                                     std::pair<std::string_view, std::string_view>>& unmerge,
            std::vector<int32_t>* ids, std::vector<std::string_view>* unknown_text,
            int depth) const;

  std::unordered_map<std::string, Entry> pieces_;
};

}  // namespace modelzoo::text

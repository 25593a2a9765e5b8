// The merge rules of a BPE model and their application to one word.
//
// A word starts as one symbol per character (for byte-level BPE: per byte)
// and the adjacent pair with the lowest rank is merged until no pair has a
// rule; among pairs of equal rank the leftmost goes first. That is
// Hugging Face's BPE::merge_word, and on GPT-2's files it gives OpenAI's
// encoder.py results. A priority queue keeps it O(n log n) in the word's
// length: an untrusted text may be one "word" a megabyte long.
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

namespace modelzoo::text {

class MergeTable {
 public:
  /// Adds the rule (left, right) → merged with the next rank; false, and
  /// nothing added, when that pair already has a rule.
  bool add(int32_t left, int32_t right, int32_t merged);

  /// Merges the symbols of one word in place.
  void apply(std::vector<int32_t>* symbols) const;

  size_t size() const { return rules_.size(); }

 private:
  struct Rule {
    int32_t rank;
    int32_t merged;
  };
  static uint64_t key(int32_t left, int32_t right) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) |
           static_cast<uint32_t>(right);
  }
  const Rule* find(int32_t left, int32_t right) const;

  std::unordered_map<uint64_t, Rule> rules_;
};

}  // namespace modelzoo::text

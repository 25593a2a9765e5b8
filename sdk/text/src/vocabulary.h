// The token ↔ id table both tokenizers are built on, checked as it is
// filled: ids in range, no id given twice, and few enough gaps that a
// small hostile file cannot make the table huge (a vocabulary of N entries
// has its ids below N + kMaxIdGap).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace modelzoo::text {

/// Gaps in a vocabulary's ids tolerated in all (real files have none).
constexpr int64_t kMaxIdGap = 65536;

class Vocabulary {
 public:
  /// Room for `entries` tokens (all the file lists, added tokens included).
  explicit Vocabulary(size_t entries = 0);

  /// Error naming `where` when the id is out of range or taken. A token
  /// listed twice keeps its first id (the readers refuse duplicates with
  /// their own line numbers before this).
  void add(const std::string& token, int64_t id, const std::string& where);

  std::optional<int32_t> find(const std::string& token) const;
  bool has(int64_t id) const {
    return id >= 0 && static_cast<size_t>(id) < present_.size() && present_[id];
  }
  /// The token of an id that has() one.
  const std::string& token(int64_t id) const { return tokens_[id]; }
  /// One more than the largest id.
  size_t size() const { return tokens_.size(); }
  /// The longest token, in bytes.
  size_t longest() const { return longest_; }

 private:
  std::unordered_map<std::string, int32_t> ids_;
  std::vector<std::string> tokens_;
  std::vector<bool> present_;
  int64_t id_limit_;
  size_t longest_ = 0;
};

}  // namespace modelzoo::text

#include "vocabulary.h"

#include <algorithm>

#include "modelzoo/sdk/error.h"
#include "modelzoo/text/limits.h"
#include "tokenizer_file.h"

namespace modelzoo::text {

Vocabulary::Vocabulary(size_t entries)
    : id_limit_(std::min<int64_t>(kMaxVocabSize, static_cast<int64_t>(entries) + kMaxIdGap)) {
  ids_.reserve(entries);
}

void Vocabulary::add(const std::string& token, int64_t id, const std::string& where) {
  if (id < 0 || id >= id_limit_)
    throw Error(where + ": token " + quoted_token(token) + " has the id " + std::to_string(id) +
                ", outside 0.." + std::to_string(id_limit_ - 1) +
                " (a vocabulary's ids run from 0 with few gaps): the file is damaged; download it "
                "again");
  if (static_cast<size_t>(id) >= tokens_.size()) {
    tokens_.resize(id + 1);
    present_.resize(id + 1, false);
  }
  if (present_[id])
    throw Error(where + ": tokens " + quoted_token(tokens_[id]) + " and " + quoted_token(token) +
                " both have the id " + std::to_string(id) +
                ": the file is damaged; download it again");
  tokens_[id] = token;
  present_[id] = true;
  ids_.emplace(token, static_cast<int32_t>(id));
  longest_ = std::max(longest_, token.size());
}

std::optional<int32_t> Vocabulary::find(const std::string& token) const {
  const auto it = ids_.find(token);
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

}  // namespace modelzoo::text

#include "added_tokens.h"

#include <algorithm>

namespace modelzoo::text {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

}  // namespace

AddedTokenSplitter::AddedTokenSplitter(std::vector<AddedToken> tokens)
    : tokens_(std::move(tokens)) {
  for (uint32_t i = 0; i < tokens_.size(); ++i)
    if (!tokens_[i].content.empty())
      by_first_byte_[static_cast<unsigned char>(tokens_[i].content[0])].push_back(i);
  for (auto& bucket : by_first_byte_)
    std::stable_sort(bucket.begin(), bucket.end(), [&](uint32_t a, uint32_t b) {
      return tokens_[a].content.size() > tokens_[b].content.size();
    });
}

const AddedToken* AddedTokenSplitter::match_at(std::string_view text, size_t pos) const {
  for (const uint32_t i : by_first_byte_[static_cast<unsigned char>(text[pos])]) {
    const std::string& content = tokens_[i].content;
    if (text.compare(pos, content.size(), content) == 0) return &tokens_[i];
  }
  return nullptr;
}

std::vector<Segment> AddedTokenSplitter::split(std::string_view text) const {
  std::vector<Segment> segments;
  size_t text_start = 0;  // start of the text not yet emitted
  size_t pos = 0;
  auto emit_text = [&](size_t end) {
    if (end > text_start) segments.push_back({text.substr(text_start, end - text_start), -1});
  };
  while (pos < text.size()) {
    const AddedToken* token = tokens_.empty() ? nullptr : match_at(text, pos);
    if (!token) {
      ++pos;
      continue;
    }
    size_t before = pos;
    if (token->lstrip)
      while (before > text_start && is_space(text[before - 1])) --before;
    emit_text(before);
    segments.push_back({text.substr(pos, token->content.size()), token->id});
    pos += token->content.size();
    if (token->rstrip)
      while (pos < text.size() && is_space(text[pos])) ++pos;
    text_start = pos;
  }
  emit_text(text.size());
  return segments;
}

}  // namespace modelzoo::text

#include "added_tokens.h"

#include <algorithm>

#include "char_classes.h"
#include "utf8.h"

namespace modelzoo::text {

namespace {

// The start of the whitespace run that ends at text[end] (not before `floor`).
size_t space_run_start(std::string_view text, size_t floor, size_t end) {
  while (end > floor) {
    size_t begin = end - 1;
    while (begin > floor && (static_cast<unsigned char>(text[begin]) & 0xC0) == 0x80) --begin;
    if (!is_white_space(char_at(text.substr(0, end), begin))) break;
    end = begin;
  }
  return end;
}

// The end of the whitespace run that starts at text[begin].
size_t space_run_end(std::string_view text, size_t begin) {
  while (begin < text.size()) {
    size_t next = begin;
    char32_t c = 0;
    if (!utf8::next(text, &next, &c) || !is_white_space(c)) break;
    begin = next;
  }
  return begin;
}

bool stands_alone(std::string_view text, size_t begin, size_t end) {
  return (begin == 0 || !is_word_char(char_before(text, begin))) &&
         (end == text.size() || !is_word_char(char_at(text, end)));
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
    const size_t end = pos + token->content.size();
    if (token->single_word && !stands_alone(text, pos, end)) {
      // Hugging Face drops the match and goes on after it.
      pos = end;
      continue;
    }
    const size_t before = token->lstrip ? space_run_start(text, text_start, pos) : pos;
    emit_text(before);
    segments.push_back({text.substr(pos, token->content.size()), token->id});
    pos = token->rstrip ? space_run_end(text, end) : end;
    text_start = pos;
  }
  emit_text(text.size());
  return segments;
}

}  // namespace modelzoo::text

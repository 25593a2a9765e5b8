#include "sentencepiece_bpe.h"

#include <queue>

#include "utf8.h"

namespace modelzoo::text {

namespace {

struct Symbol {
  int32_t prev, next;
  size_t begin, length;  // in the normalized text; length 0 once merged away
};

struct Pair {
  float score;
  int32_t left, right;
  size_t length;  // of the joined text when the pair was queued
};

// The queue's top: the highest score, then the leftmost.
struct Lower {
  bool operator()(const Pair& a, const Pair& b) const {
    return a.score < b.score || (a.score == b.score && a.left > b.left);
  }
};

}  // namespace

void SentencePieceBpe::add(std::string_view piece, int32_t id, float score, bool unused) {
  pieces_.emplace(std::string(piece), Entry{id, score, unused});
}

const SentencePieceBpe::Entry* SentencePieceBpe::find(std::string_view piece) const {
  // C++17's unordered_map has no heterogeneous lookup; pieces are short.
  const auto it = pieces_.find(std::string(piece));
  return it == pieces_.end() ? nullptr : &it->second;
}

void SentencePieceBpe::encode(std::string_view text, std::vector<int32_t>* ids,
                              std::vector<std::string_view>* unknown_text) const {
  std::vector<Symbol> symbols;
  for (size_t pos = 0; pos < text.size();) {
    const size_t begin = pos;
    char32_t cp = 0;
    utf8::next(text, &pos, &cp);
    const auto index = static_cast<int32_t>(symbols.size());
    symbols.push_back({index - 1, index + 1, begin, pos - begin});
  }
  if (symbols.empty()) return;
  symbols.back().next = -1;

  std::priority_queue<Pair, std::vector<Pair>, Lower> queue;
  std::unordered_map<std::string_view, std::pair<std::string_view, std::string_view>> unmerge;
  auto piece_of = [&](const Symbol& s) { return text.substr(s.begin, s.length); };
  auto queue_pair = [&](int32_t left, int32_t right) {
    if (left < 0 || right < 0) return;
    const Symbol& l = symbols[left];
    const Symbol& r = symbols[right];
    const std::string_view joined = text.substr(l.begin, l.length + r.length);
    if (const Entry* entry = find(joined)) queue.push({entry->score, left, right, joined.size()});
  };
  for (size_t i = 0; i + 1 < symbols.size(); ++i)
    queue_pair(static_cast<int32_t>(i), static_cast<int32_t>(i + 1));

  while (!queue.empty()) {
    const Pair top = queue.top();
    queue.pop();
    Symbol& left = symbols[top.left];
    Symbol& right = symbols[top.right];
    // Stale: one side was merged into something else since.
    if (left.length == 0 || right.length == 0 || left.length + right.length != top.length) continue;
    const std::string_view joined = text.substr(left.begin, top.length);
    if (find(joined)->unused) unmerge[joined] = {piece_of(left), piece_of(right)};
    left.length = top.length;
    right.length = 0;
    left.next = right.next;
    if (right.next >= 0) symbols[right.next].prev = top.left;
    queue_pair(left.prev, top.left);
    queue_pair(top.left, left.next);
  }
  for (int32_t i = 0; i >= 0; i = symbols[i].next)
    emit(piece_of(symbols[i]), unmerge, ids, unknown_text, 0);
}

void SentencePieceBpe::emit(
    std::string_view piece,
    const std::unordered_map<std::string_view, std::pair<std::string_view, std::string_view>>&
        unmerge,
    std::vector<int32_t>* ids, std::vector<std::string_view>* unknown_text, int depth) const {
  const Entry* entry = find(piece);
  if (entry && entry->unused && depth < 64) {
    if (const auto it = unmerge.find(piece); it != unmerge.end()) {
      emit(it->second.first, unmerge, ids, unknown_text, depth + 1);
      emit(it->second.second, unmerge, ids, unknown_text, depth + 1);
      return;
    }
  }
  if (entry) {
    ids->push_back(entry->id);
  } else {
    ids->push_back(-1);
    unknown_text->push_back(piece);
  }
}

}  // namespace modelzoo::text

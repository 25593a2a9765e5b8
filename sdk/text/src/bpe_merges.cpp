#include "bpe_merges.h"

#include <queue>

namespace modelzoo::text {

namespace {

// A candidate merge of the symbol at `pos` with its right neighbour. It may
// have gone stale by the time it is popped (a neighbour merged first); the
// ids it was made for tell.
struct Candidate {
  int32_t rank;
  int32_t pos;
  int32_t left;
  int32_t right;
  bool operator>(const Candidate& other) const {
    return rank != other.rank ? rank > other.rank : pos > other.pos;
  }
};

}  // namespace

bool MergeTable::add(int32_t left, int32_t right, int32_t merged) {
  return rules_.emplace(key(left, right), Rule{static_cast<int32_t>(rules_.size()), merged}).second;
}

const MergeTable::Rule* MergeTable::find(int32_t left, int32_t right) const {
  const auto it = rules_.find(key(left, right));
  return it == rules_.end() ? nullptr : &it->second;
}

void MergeTable::apply(std::vector<int32_t>* symbols) const {
  std::vector<int32_t>& ids = *symbols;
  const auto n = static_cast<int32_t>(ids.size());
  if (n < 2) return;
  // A doubly linked list over the positions; a merged-away symbol is dead.
  std::vector<int32_t> prev(n), next(n);
  std::vector<bool> alive(n, true);
  for (int32_t i = 0; i < n; ++i) {
    prev[i] = i - 1;
    next[i] = i + 1 < n ? i + 1 : -1;
  }
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<Candidate>> queue;
  auto consider = [&](int32_t pos) {
    if (pos < 0 || next[pos] < 0) return;
    if (const Rule* rule = find(ids[pos], ids[next[pos]]))
      queue.push({rule->rank, pos, ids[pos], ids[next[pos]]});
  };
  for (int32_t i = 0; i + 1 < n; ++i) consider(i);
  while (!queue.empty()) {
    const Candidate c = queue.top();
    queue.pop();
    const int32_t right = next[c.pos];
    if (!alive[c.pos] || right < 0 || ids[c.pos] != c.left || ids[right] != c.right) continue;
    ids[c.pos] = find(c.left, c.right)->merged;
    alive[right] = false;
    next[c.pos] = next[right];
    if (next[right] >= 0) prev[next[right]] = c.pos;
    consider(prev[c.pos]);
    consider(c.pos);
  }
  int32_t out = 0;
  for (int32_t i = 0; i < n; ++i)
    if (alive[i]) ids[out++] = ids[i];
  ids.resize(out);
}

}  // namespace modelzoo::text

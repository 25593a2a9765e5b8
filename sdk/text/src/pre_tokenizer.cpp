#include "pre_tokenizer.h"

#include <algorithm>

namespace modelzoo::text {

namespace {

using Range = std::pair<size_t, size_t>;
using Cut = std::pair<Range, bool>;  // a range and whether it is a match

// Hugging Face's NormalizedString::split: the ranges each behaviour keeps,
// merging as it says.
std::vector<Range> by_behavior(const std::vector<Cut>& cuts, SplitBehavior behavior) {
  std::vector<Range> out;
  bool previous_match = false;
  switch (behavior) {
    case SplitBehavior::kIsolated:
      for (const auto& [range, is_match] : cuts) out.push_back(range);
      break;
    case SplitBehavior::kRemoved:
      for (const auto& [range, is_match] : cuts)
        if (!is_match) out.push_back(range);
      break;
    case SplitBehavior::kMergedWithPrevious:
      for (const auto& [range, is_match] : cuts) {
        if (is_match && !previous_match && !out.empty())
          out.back().second = range.second;
        else
          out.push_back(range);
        previous_match = is_match;
      }
      break;
    case SplitBehavior::kMergedWithNext:
      for (auto it = cuts.rbegin(); it != cuts.rend(); ++it) {
        const auto& [range, is_match] = *it;
        if (is_match && !previous_match && !out.empty())
          out.back().first = range.first;
        else
          out.push_back(range);
        previous_match = is_match;
      }
      std::reverse(out.begin(), out.end());
      break;
    case SplitBehavior::kContiguous:
      for (const auto& [range, is_match] : cuts) {
        if (is_match == previous_match && !out.empty())
          out.back().second = range.second;
        else
          out.push_back(range);
        previous_match = is_match;
      }
      break;
  }
  return out;
}

}  // namespace

void PreTokenizer::add_split(const std::string& regex, SplitBehavior behavior, bool invert) {
  Step step;
  step.regex = std::make_shared<const PretokenizerRegex>(regex);
  step.behavior = behavior;
  step.invert = invert;
  steps_.push_back(std::move(step));
}

void PreTokenizer::add_literal_split(std::string literal, SplitBehavior behavior, bool invert) {
  Step step;
  step.literal = std::move(literal);
  step.behavior = behavior;
  step.invert = invert;
  steps_.push_back(std::move(step));
}

void PreTokenizer::add_prefix_space() {
  Step step;
  step.kind = Step::Kind::kPrefixSpace;
  steps_.push_back(std::move(step));
}

std::vector<Cut> PreTokenizer::cut(const Step& step, std::string_view piece) const {
  std::vector<Range> matches;
  if (step.regex) {
    step.regex->find_matches(piece, &matches);
  } else if (!step.literal.empty()) {
    for (size_t at = piece.find(step.literal); at != std::string_view::npos;
         at = piece.find(step.literal, at + step.literal.size()))
      matches.emplace_back(at, at + step.literal.size());
  }
  std::vector<Cut> cuts;
  size_t previous = 0;
  for (const Range& match : matches) {
    if (match.first > previous) cuts.push_back({{previous, match.first}, step.invert});
    cuts.push_back({match, !step.invert});
    previous = match.second;
  }
  if (previous < piece.size()) cuts.push_back({{previous, piece.size()}, step.invert});
  return cuts;
}

void PreTokenizer::apply(const Step& step, std::string_view piece,
                         std::vector<std::string>* out) const {
  if (step.kind == Step::Kind::kPrefixSpace) {
    out->push_back(piece.empty() || piece[0] != ' ' ? " " + std::string(piece)
                                                    : std::string(piece));
    return;
  }
  for (const Range& range : by_behavior(cut(step, piece), step.behavior))
    if (range.second > range.first)
      out->emplace_back(piece.substr(range.first, range.second - range.first));
}

std::vector<std::string> PreTokenizer::split(std::string_view text) const {
  std::vector<std::string> pieces;
  if (text.empty()) return pieces;
  pieces.emplace_back(text);
  for (const Step& step : steps_) {
    std::vector<std::string> next;
    next.reserve(pieces.size());
    for (const std::string& piece : pieces) apply(step, piece, &next);
    pieces = std::move(next);
  }
  return pieces;
}

}  // namespace modelzoo::text

#include "modelzoo/registry/registry.h"

#include <fnmatch.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "modelzoo/sdk/error.h"

namespace modelzoo {
namespace {

bool matches(const std::string& pattern, const RegisteredEntrypoint& e) {
  // A pattern matches the bare name ("resnet*") or the qualified one
  // ("vision/*").
  return fnmatch(pattern.c_str(), e.spec.name.c_str(), 0) == 0 ||
         fnmatch(pattern.c_str(), e.qualified_name().c_str(), 0) == 0;
}

std::string join(const std::vector<std::string>& items, const char* separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

std::string did_you_mean(const std::vector<std::string>& suggestions) {
  if (suggestions.empty()) return "run 'modelzoo list' to see what is available";
  return "did you mean " + join(suggestions, ", ") + "?";
}

}  // namespace

bool Registry::add(RegisteredEntrypoint entry) {
  const std::string key = entry.qualified_name();
  auto it = entries_.find(key);
  if (it != entries_.end()) {
    shadowed_.push_back({key, entry.provider, it->second.provider});
    return false;
  }
  entries_.emplace(key, std::move(entry));
  return true;
}

const RegisteredEntrypoint* Registry::lookup(std::string_view base) const {
  if (base.find('/') != std::string_view::npos) return find(std::string(base));
  std::vector<const RegisteredEntrypoint*> candidates;
  for (const auto& [key, entry] : entries_)
    if (entry.spec.name == base) candidates.push_back(&entry);
  if (candidates.size() > 1) {
    std::vector<std::string> names;
    for (const auto* c : candidates) names.push_back(c->qualified_name());
    throw Error("'" + std::string(base) + "' is ambiguous: " + join(names, ", ") +
                " provide it; use the family/" + std::string(base) + " form");
  }
  return candidates.empty() ? nullptr : candidates.front();
}

Resolved Registry::resolve(std::string_view name) const {
  if (name.empty()) throw Error("empty model name");
  // Entrypoint names may contain '.' (qwen2.5-0.5b-instruct) and tags never
  // do: the whole name is tried first, then the last dot splits off a tag
  // (manifests refuse a name that would read as another entrypoint's tag).
  if (const RegisteredEntrypoint* whole = lookup(name)) return {whole, nullptr};
  std::string_view base = name;
  std::string_view tag;
  if (const auto dot = name.rfind('.'); dot != std::string_view::npos) {
    base = name.substr(0, dot);
    tag = name.substr(dot + 1);
    if (tag.empty()) throw Error("'" + std::string(name) + "': empty tag after '.'");
  }
  if (base.empty()) throw Error("empty model name");

  const RegisteredEntrypoint* found = base == name ? nullptr : lookup(base);
  if (!found) {
    // A tail that no tag could be (tags are letters, digits and '_') was
    // part of the name: "qwen2.5-0.5b-instrct" is a misspelt name.
    const bool tag_like = std::all_of(tag.begin(), tag.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
    });
    const std::string_view unknown = tag_like ? base : name;
    throw Error("unknown model '" + std::string(unknown) + "'; " + did_you_mean(suggest(unknown)));
  }

  Resolved resolved{found, nullptr};
  if (!tag.empty()) {
    resolved.variant = found->spec.find_variant(tag);
    if (!resolved.variant) {
      std::vector<std::string> tags;
      for (const auto& v : found->spec.variants) tags.push_back(v.tag);
      if (tags.empty())
        throw Error("'" + found->qualified_name() +
                    "' has no weight variants; use it without a tag (random initialisation)");
      if (tag == "DEFAULT")  // unreachable for valid manifests; kept for clarity
        throw Error("'" + found->qualified_name() + "' has no default variant");
      std::string best;
      size_t best_distance = SIZE_MAX;
      for (const auto& t : tags) {
        const size_t d = edit_distance(tag, t);
        if (d < best_distance) best_distance = d, best = t;
      }
      std::string hint = best_distance <= std::max<size_t>(2, tag.size() / 3)
                             ? "did you mean " + best + "? "
                             : std::string();
      throw Error("unknown tag '" + std::string(tag) + "' for " + found->qualified_name() + "; " +
                  hint + "available: " + join(tags, ", ") +
                  ", DEFAULT (= " + found->spec.default_tag + ")");
    }
  }
  return resolved;
}

void Registry::complete_spec(const std::string& qualified_name, const std::string& provider,
                             Entrypoint spec) {
  auto it = entries_.find(qualified_name);
  if (it == entries_.end() || it->second.provider != provider) return;
  it->second.spec = std::move(spec);
  it->second.complete = true;
}

const RegisteredEntrypoint* Registry::find(const std::string& qualified_name) const {
  auto it = entries_.find(qualified_name);
  return it == entries_.end() ? nullptr : &it->second;
}

std::vector<const RegisteredEntrypoint*> Registry::query(const Query& q) const {
  std::vector<const RegisteredEntrypoint*> out;
  for (const auto& key_and_entry : entries_) {
    const RegisteredEntrypoint& entry = key_and_entry.second;  // a lambda below captures it
    if (q.pretrained_only && entry.spec.variants.empty()) continue;
    if (!q.tasks.empty() &&
        std::find(q.tasks.begin(), q.tasks.end(), entry.spec.task) == q.tasks.end())
      continue;
    if (!q.families.empty() &&
        std::find(q.families.begin(), q.families.end(), entry.family) == q.families.end())
      continue;
    if (!q.include.empty() && std::none_of(q.include.begin(), q.include.end(),
                                           [&](const std::string& p) { return matches(p, entry); }))
      continue;
    if (std::any_of(q.exclude.begin(), q.exclude.end(),
                    [&](const std::string& p) { return matches(p, entry); }))
      continue;
    out.push_back(&entry);
  }
  std::sort(out.begin(), out.end(), [](const auto* a, const auto* b) {
    return natural_less(a->qualified_name(), b->qualified_name());
  });
  return out;
}

std::vector<std::string> Registry::suggest(std::string_view name, size_t max_count) const {
  const bool qualified = name.find('/') != std::string_view::npos;
  const size_t limit = std::max<size_t>(2, name.size() / 3);
  std::vector<std::pair<size_t, std::string>> scored;
  std::set<std::string> seen;
  for (const auto& [key, entry] : entries_) {
    const std::string candidate = qualified ? key : entry.spec.name;
    if (!seen.insert(candidate).second) continue;
    size_t distance = edit_distance(name, candidate);
    // A prefix ("resnet" for "resnet50") is a good suggestion at any length.
    if (candidate.size() > name.size() && candidate.compare(0, name.size(), name) == 0)
      distance = std::min(distance, limit);
    if (distance <= limit) scored.emplace_back(distance, candidate);
  }
  std::sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first < b.first : natural_less(a.second, b.second);
  });
  std::vector<std::string> out;
  for (size_t i = 0; i < scored.size() && i < max_count; ++i) out.push_back(scored[i].second);
  return out;
}

}  // namespace modelzoo

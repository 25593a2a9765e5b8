// The registry: every entrypoint the host knows, from plugins and from
// runtime registration, addressed by name.
//
// Names: `family/entrypoint` is unique; `entrypoint` alone works while only
// one family provides it; `NAME.TAG` selects a weight variant and
// `NAME.DEFAULT` the variant marked default. When two providers declare the
// same `family/entrypoint`, the first one added wins and the other is kept
// in shadowed() so it can be reported. Torch-free.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "modelzoo/sdk/export.h"
#include "modelzoo/sdk/manifest.h"

namespace modelzoo {

/// Marker used as provider for entrypoints registered from app code.
inline constexpr const char* kRuntimeProvider = "(runtime)";

struct RegisteredEntrypoint {
  std::string family;
  Entrypoint spec;
  std::string provider;  ///< plugin path, or kRuntimeProvider
  std::string vendor;
  std::string plugin_version;
  /// False while `spec` holds only the listing index (name, summary,
  /// variant tags); Hub::resolve() completes it from the manifest.
  bool complete = true;

  std::string qualified_name() const { return family + "/" + spec.name; }
};

/// A declaration that lost to an earlier provider of the same name.
struct ShadowedEntrypoint {
  std::string qualified_name;
  std::string provider;  ///< the one that was ignored
  std::string winner;    ///< the one in use
};

/// The outcome of resolving `[family/]entrypoint[.TAG]`.
struct Resolved {
  const RegisteredEntrypoint* entry = nullptr;
  const WeightVariant* variant = nullptr;  ///< null when no tag was given
};

/// A listing query; every field narrows the result.
struct Query {
  std::vector<std::string> include;   ///< fnmatch patterns; empty means all
  std::vector<std::string> exclude;   ///< fnmatch patterns
  std::vector<std::string> families;  ///< empty means all
  bool pretrained_only = false;       ///< only entrypoints with weight variants
  std::vector<std::string> tasks;     ///< only these tasks ("text-generation"); empty means all
};

class MODELZOO_API Registry {
 public:
  /// Adds an entrypoint. Returns false (and records it as shadowed) when
  /// its family/name is taken already.
  bool add(RegisteredEntrypoint entry);

  /// Resolves a user-given name. Throws modelzoo::Error for an unknown or
  /// ambiguous name or tag, with the closest names as suggestions.
  Resolved resolve(std::string_view name) const;

  /// Replaces the spec of `qualified_name` if `provider` is the one that
  /// registered it, marking it complete. Pointers to the entry stay valid.
  void complete_spec(const std::string& qualified_name, const std::string& provider,
                     Entrypoint spec);

  /// The entrypoint named exactly `qualified_name` (family/name), or null.
  const RegisteredEntrypoint* find(const std::string& qualified_name) const;

  /// Entrypoints matching the query, in natural order of qualified name
  /// (resnet18 < resnet50 < resnet101).
  std::vector<const RegisteredEntrypoint*> query(const Query& query) const;

  /// Known names closest to `name` by edit distance, best first.
  std::vector<std::string> suggest(std::string_view name, size_t max_count = 3) const;

  const std::vector<ShadowedEntrypoint>& shadowed() const { return shadowed_; }
  size_t size() const { return entries_.size(); }

 private:
  /// The entry `base` names (qualified, or bare when one family has it), or
  /// nullptr; throws when a bare name is ambiguous.
  const RegisteredEntrypoint* lookup(std::string_view base) const;

  // std::map keeps element addresses stable, so the pointers handed out by
  // resolve() and query() stay valid while entries are added.
  std::map<std::string, RegisteredEntrypoint> entries_;  // by qualified name
  std::vector<ShadowedEntrypoint> shadowed_;
};

/// Natural ("version") ordering: digit runs compare by value.
MODELZOO_API bool natural_less(std::string_view a, std::string_view b);

/// Damerau-Levenshtein (optimal string alignment) distance.
MODELZOO_API size_t edit_distance(std::string_view a, std::string_view b);

}  // namespace modelzoo

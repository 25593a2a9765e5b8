// Remembers the highest version of each plugin identity ("vendor/family",
// see plugin_identity()) that was accepted with a valid signature, so an
// older release (with a known flaw, say) cannot be slipped back in — a
// downgrade — and an unsigned copy cannot replace a signed one. Stored as JSON in the cache
// directory (`trust/accepted-versions.json`), written atomically.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "modelzoo/sdk/export.h"

namespace modelzoo::trust {

/// Compares dotted versions part by part, digits by value ("1.10.0" >
/// "1.9.2"); <0, 0, >0 like strcmp.
MODELZOO_API int compare_versions(const std::string& a, const std::string& b);

class MODELZOO_API VersionLedger {
 public:
  explicit VersionLedger(std::filesystem::path file);
  static std::filesystem::path default_file();

  std::optional<std::string> highest(const std::string& plugin_id) const;
  /// Records `version` if it is higher than what is known.
  void accept(const std::string& plugin_id, const std::string& version);
  /// Forgets the plugin ids `pattern` matches (an id "vendor/family", or a
  /// bare family for any vendor's): the next copy of it is judged on its
  /// own, as on first sight — for re-signing during development, or a
  /// vendor's deliberate rollback. Returns the ids forgotten.
  std::vector<std::string> forget(const std::string& pattern);

 private:
  std::filesystem::path file_;
  std::map<std::string, std::string> versions_;
};

}  // namespace modelzoo::trust

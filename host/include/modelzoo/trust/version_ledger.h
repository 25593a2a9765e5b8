// Remembers the highest version of each plugin family (plugin_identity())
// that was accepted with a valid signature, so an older release (with a
// known flaw, say) cannot be slipped back in — a downgrade — and an
// unsigned copy cannot replace a signed one.
//
// It is state, not cache: it lives in state_root()/trust (XDG_STATE_HOME),
// so cleaning the cache or pointing MODELZOO_HOME elsewhere does not reset
// it. Every change is a locked read-modify-write of the file, so hosts
// starting at once never lose each other's entries. A file that exists but
// cannot be read is a problem() the verifier acts on, never an empty ledger,
// and is never overwritten.
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
  /// Reads `file`; an empty path keeps the ledger in memory only.
  explicit VersionLedger(std::filesystem::path file);
  /// state_root()/trust/accepted-versions.json.
  static std::filesystem::path default_file();

  const std::filesystem::path& file() const { return file_; }
  /// Why the file could not be read ("" when it could, or is absent).
  const std::string& problem() const { return problem_; }

  std::optional<std::string> highest(const std::string& family) const;
  /// Records `version` if it is higher than what is known. Does nothing to
  /// a ledger with a problem().
  void accept(const std::string& family, const std::string& version);
  /// Forgets `family` (a "vendor/family" id of older versions is taken as
  /// its family): the next copy is judged on its own, as on first sight —
  /// for re-signing during development, or a vendor's deliberate
  /// rollback. Returns the families forgotten. Also clears a problem():
  /// forgetting everything ("*") is how a damaged ledger is reset.
  std::vector<std::string> forget(const std::string& family);

 private:
  // Under the lock: the file as it is now, then `change`, then written back.
  template <class Change>
  void update(Change&& change);

  std::filesystem::path file_;
  std::map<std::string, std::string> versions_;
  std::string problem_;
};

}  // namespace modelzoo::trust

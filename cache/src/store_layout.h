// The on-disk layout of a Store (documented in store.h) and the small JSON
// records it keeps. Shared by store.cpp (pull) and store_admin.cpp (ls,
// verify, prune, rm, export).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "modelzoo/sdk/file_lock.h"

namespace modelzoo::cache {

namespace fs = std::filesystem;

struct Layout {
  fs::path root;
  // The paths of one blob, record or lock. Each validates its argument (a
  // full digest, a valid alias, a plain key) and throws modelzoo::Error
  // otherwise: no string read from a record can name a path outside root.
  fs::path blobs() const { return root / "blobs" / "sha256"; }
  fs::path blob(const std::string& hex) const;
  fs::path metas() const { return root / "meta"; }
  fs::path meta(const std::string& hex) const;
  fs::path refs() const { return root / "refs"; }
  fs::path ref(const std::string& alias) const;
  fs::path partials() const { return root / "partial"; }
  fs::path locks() const { return root / "locks"; }
  fs::path lock(const std::string& key) const;
  fs::path quarantine() const { return root / "quarantine"; }
  /// A new, unique name under quarantine/ for a bad copy of `hex`.
  fs::path quarantine_slot(const std::string& hex) const;

  /// Creates the directories and CACHEDIR.TAG when missing; refuses a
  /// layout directory that is a symbolic link (it could lead outside root).
  void ensure() const;
  /// Throws when a directory between refs/ and the alias's record is a
  /// symbolic link, so that writing or removing the record stays in refs/.
  void check_ref_parents(const std::string& alias) const;
};

/// Seconds since the epoch, as stored in the JSON records.
std::int64_t now_seconds();
std::chrono::system_clock::time_point from_seconds(std::int64_t seconds);

/// A unique name for this process and call: "<pid>-<random>".
std::string unique_suffix();

/// The download-lock key of a partial file named "<key>.<pid>-<random>.part"
/// (keys may contain dots: they embed file names); nullopt for partials that
/// no lock guards (torch.hub imports, "import-…") or foreign names.
std::optional<std::string> partial_lock_key(const std::string& partial_name);

/// Write to a unique temporary file, then rename: readers never see half.
void write_json_atomic(const fs::path& file, const nlohmann::json& value);

/// Serialises read-modify-write of meta/ and refs/ records across processes.
class MetaLock {
 public:
  explicit MetaLock(const Layout& layout);

 private:
  FileLock lock_;
};

/// Throws modelzoo::Error naming the problem unless `alias` is
/// "family/entrypoint.TAG"-shaped: [A-Za-z0-9._+-] and '/', no '.' or '..'
/// component, no leading or trailing '/'.
void validate_alias(const std::string& alias);
bool is_valid_alias(const std::string& alias);

}  // namespace modelzoo::cache

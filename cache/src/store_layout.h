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
  fs::path blobs() const { return root / "blobs" / "sha256"; }
  fs::path blob(const std::string& hex) const { return blobs() / hex; }
  fs::path metas() const { return root / "meta"; }
  fs::path meta(const std::string& hex) const { return metas() / (hex + ".json"); }
  fs::path refs() const { return root / "refs"; }
  fs::path ref(const std::string& alias) const { return refs() / (alias + ".json"); }
  fs::path partials() const { return root / "partial"; }
  fs::path locks() const { return root / "locks"; }
  fs::path lock(const std::string& key) const { return locks() / (key + ".lock"); }
  fs::path quarantine() const { return root / "quarantine"; }

  /// Creates the directories and CACHEDIR.TAG when missing.
  void ensure() const;
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

std::optional<nlohmann::json> read_json(const fs::path& file);
/// Write to a unique temporary file, then rename: readers never see half.
void write_json_atomic(const fs::path& file, const nlohmann::json& value);

/// Serialises read-modify-write of meta/ and refs/ records across processes.
class MetaLock {
 public:
  explicit MetaLock(const Layout& layout);

 private:
  FileLock lock_;
};

/// Runs `change` on the blob's record (created if missing) under MetaLock.
void update_meta(const Layout& layout, const std::string& hex,
                 const std::function<void(nlohmann::json&)>& change);

void validate_alias(const std::string& alias);

/// Every alias under refs/ with its record.
std::vector<std::pair<std::string, nlohmann::json>> read_refs(const Layout& layout);

/// Adds `value` to the JSON array `array` unless present.
void add_unique(nlohmann::json& array, const std::string& value);

}  // namespace modelzoo::cache

// The two kinds of JSON record a Store keeps beside its blobs, as typed
// values. The files are untrusted: a shared or NFS cache is exactly where
// someone else can write, so a record is read through the bounded JSON
// reader and validated field by field before any of it becomes a path.
//
//   meta/<hex>.json   BlobRecord: how the blob was verified, names, use times
//   refs/<alias>.json AliasRecord: alias -> digest, pinned flag
//
// A record that fails validation is reported ("invalid: FILE (reason)") and
// treated as absent; the next write replaces it with a valid one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "modelzoo/cache/store.h"
#include "store_layout.h"

namespace modelzoo::cache {

/// What identifies the bytes of a file without reading them. Any write to
/// the file changes its ctime (which no user call can set back), so a blob
/// whose identity is unchanged since it was hashed still has those bytes.
struct FileIdentity {
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  std::int64_t ctime_ns = 0;

  /// lstat()s `path`; nullopt when it cannot.
  static std::optional<FileIdentity> of(const fs::path& path);
  bool operator==(const FileIdentity& other) const;
  bool operator!=(const FileIdentity& other) const { return !(*this == other); }
};

/// meta/<hex>.json.
struct BlobRecord {
  std::string sha256;  ///< equals the file's name
  std::optional<std::uint64_t> size;
  Verification verification = Verification::full_digest;
  std::string tofu_prefix;
  std::vector<std::string> files;    ///< plain file names (no '/', not '..')
  std::vector<std::string> sources;  ///< URLs
  std::vector<std::string> aliases;  ///< valid aliases
  std::int64_t added = 0;
  std::int64_t last_used = 0;
  std::int64_t last_verified = 0;                 ///< when the bytes were last hashed
  std::optional<FileIdentity> verified_identity;  ///< the blob's identity then
};

/// refs/<alias>.json.
struct AliasRecord {
  std::string alias;
  std::string sha256;  ///< a full digest
  std::string file;
  std::string role;
  bool pinned = false;
  std::int64_t updated = 0;
};

/// A record read from disk: the value, or why the file was refused.
template <class Record>
struct Loaded {
  std::optional<Record> record;  ///< absent when missing or invalid
  std::string problem;           ///< "invalid: FILE (reason)" when refused
};

/// Whether `name` can be a file name inside one directory.
bool is_plain_file_name(const std::string& name);

/// A record parsed from its text (the file meta/<hex>.json or
/// refs/<alias>.json holds); throws modelzoo::Error saying what is wrong.
BlobRecord blob_record_from_text(std::string_view text, const std::string& hex);
AliasRecord alias_record_from_text(std::string_view text, const std::string& alias);
/// The JSON written for a record; blob_record_from_text() reads it back.
nlohmann::json to_json(const BlobRecord& record);
nlohmann::json to_json(const AliasRecord& record);

Loaded<BlobRecord> load_blob_record(const Layout& layout, const std::string& hex);
Loaded<AliasRecord> load_alias_record(const Layout& layout, const std::string& alias);

/// Atomic writes (see write_json_atomic); callers hold the MetaLock.
void store_blob_record(const Layout& layout, const BlobRecord& record);
void store_alias_record(const Layout& layout, const AliasRecord& record);

/// Runs `change` on the blob's record (a fresh one when missing or invalid)
/// and writes it; the caller holds `lock`, which proves it.
void update_blob_record(const Layout& layout, const MetaLock& lock, const std::string& hex,
                        const std::function<void(BlobRecord&)>& change);
/// As above, taking the MetaLock itself.
void update_blob_record(const Layout& layout, const std::string& hex,
                        const std::function<void(BlobRecord&)>& change);

/// Every valid alias record under refs/, sorted by alias; the refused ones
/// are appended to `*problems` when given.
std::vector<AliasRecord> read_alias_records(const Layout& layout,
                                            std::vector<std::string>* problems = nullptr);

/// Adds `value` to `list` unless present.
void add_unique(std::vector<std::string>& list, const std::string& value);

}  // namespace modelzoo::cache

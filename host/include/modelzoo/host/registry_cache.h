// The registry cache: what discovery learned about each plugin file, so a
// later start reads one file instead of reading, hashing, verifying and
// probing every plugin again (GStreamer's registry, but one that says why a
// plugin is blacklisted).
//
// An entry is valid while its file has the same path, size, mtime, ctime,
// inode and device (then its recorded SHA-256 stands for the content), a trust verdict
// while the trust inputs' fingerprint is unchanged, and a probe outcome
// while what the probe depended on is (probe_fingerprint). The whole cache is
// dropped when the host's ABI tuple or the cache format differs, or when it
// cannot be parsed. Stored in the cache directory in a small binary format
// (a JSON DOM cost 30 ms for 1000 plugins; this reads in about 2), written
// atomically, versioned by its file name and a header, and ends with a
// 64-bit checksum of the rest; with every length checked too, a damaged
// cache is dropped whole, never trusted in part.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "modelzoo/sdk/export.h"

namespace modelzoo {

struct FileStamp {
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  uint64_t inode = 0;
  uint64_t device = 0;
  int64_t ctime_ns = 0;  ///< changes on every write, and cannot be set back
  bool operator==(const FileStamp& o) const {
    return size == o.size && mtime_ns == o.mtime_ns && inode == o.inode && device == o.device &&
           ctime_ns == o.ctime_ns;
  }
};

/// The stamp of `path`; nullopt when it cannot be stat'ed.
MODELZOO_API std::optional<FileStamp> stamp_of(const std::string& path);

/// What a probe's outcome depends on besides the plugin file: the libraries
/// the probe loaded and the directories the loader searched ('\n'-separated
/// paths), and their stamps with LD_LIBRARY_PATH when it ran
/// (probe_fingerprint). A changed fingerprint means probe again: a library
/// installed, replaced or removed, another environment. Plugins that link
/// LibTorch depend on some 300 paths (11 KB, and as much fingerprint), the
/// same for all of them: they share one copy, in memory and in the file.
struct ProbeDependencies {
  std::string paths;
  std::string fingerprint;
};

struct CachedPlugin {
  FileStamp stamp;
  std::string sha256;           ///< empty if the file could not be read
  std::string manifest_sha256;  ///< of the embedded manifest; empty if none
  std::string index_text;       ///< its listing index (manifest_index_text)
  std::string read_error;       ///< why reading the manifest failed
  /// Probe outcome: "ok", "failed", "blacklisted", or "" (not probed).
  std::string probe_state;
  std::string probe_reason;
  std::shared_ptr<const ProbeDependencies> probe_depends;  ///< null: none recorded
  std::string trust_fingerprint;  ///< of the inputs the verdict used; empty: none
  std::string trust_verdict;      ///< TrustVerdict as JSON text; empty: none
};

class MODELZOO_API RegistryCache {
 public:
  /// Default location: <cache root>/registry/plugins-v6.bin.
  static std::filesystem::path default_file();

  /// Reads `file`; an absent, corrupt or foreign-host cache yields an empty
  /// one (and was_reset() says so). With `ignore_existing`, starts empty
  /// (a rescan) but still saves to `file`.
  static RegistryCache load(const std::filesystem::path& file, const nlohmann::json& host_tuple,
                            bool ignore_existing = false);
  /// Parses cache bytes; throws std::runtime_error on any inconsistency.
  static std::map<std::string, CachedPlugin> decode(const std::string& bytes,
                                                    const std::string& host_tuple);
  static std::string encode(const std::map<std::string, CachedPlugin>& entries,
                            const std::string& host_tuple);
  /// `body` followed by the checksum decode() expects as the last 8 bytes
  /// (encode's last step; tests and the fuzzer seal bytes of their own).
  static std::string seal(std::string body);

  /// The entry for `path` if its stamp still matches.
  const CachedPlugin* find(const std::string& path, const FileStamp& stamp) const;
  void put(const std::string& path, CachedPlugin entry);
  /// Drops entries of plugin files that no longer exist. Entries of other
  /// search paths that still exist stay, so apps with different plugin
  /// paths can share one cache without evicting each other.
  void drop_missing(const std::map<std::string, bool>& seen);

  /// Full manifests, kept beside the cache file (manifests/<sha256>, sealed
  /// like the cache), so that `info` or `help` completes a manifest from the
  /// same trusted directory instead of opening the plugin file with libelf
  /// and hashing its manifest with libcrypto. Best effort: a copy that
  /// cannot be written only costs the next reader speed.
  static void keep_manifest(const std::filesystem::path& cache_file,
                            const std::string& manifest_sha256, const std::string& text);
  /// The kept copy of the manifest with that digest; nullopt when there is
  /// none, or when it is damaged (then the plugin file is read instead).
  static std::optional<std::string> kept_manifest(const std::filesystem::path& cache_file,
                                                  const std::string& manifest_sha256);

  bool dirty() const { return dirty_; }
  bool was_reset() const { return reset_; }
  /// Writes atomically if anything changed, and removes kept manifests no
  /// entry refers to any more.
  void save();

 private:
  std::filesystem::path file_;
  std::string host_;  // the host's ABI tuple, as JSON text
  std::map<std::string, CachedPlugin> entries_;
  bool dirty_ = false;
  bool reset_ = false;
};

}  // namespace modelzoo

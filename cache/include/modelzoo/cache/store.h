// The weights store: a content-addressed cache of weight files with readable
// aliases on top, filled by verified downloads.
//
// Layout under the root (default_cache_root()):
//
//   CACHEDIR.TAG                    marks the tree as a cache for backup tools
//   blobs/sha256/<64 hex>           the files, read-only, named by their digest
//   meta/<64 hex>.json              how each blob was verified, sources, last use
//   refs/<family>/<entrypoint>.<TAG>.json   alias -> digest (+ pinned flag)
//   partial/<key>.<pid>-<rand>.part downloads in progress / resumable
//   locks/<key>.lock                one downloader per file (flock)
//   quarantine/<hex>.<time>         blobs that failed `verify`
//
// Invariants:
//  * A file appears under blobs/ only by an atomic rename of a partial file
//    whose size and SHA-256 were checked, so blobs/ never holds a half file,
//    even with two writers that ignore each other's locks (each writes its own
//    uniquely named partial).
//  * Identical bytes are stored once; different files can never collide.
//  * A variant known only by a torch.hub-style digest prefix is checked
//    against the prefix, then its full digest is recorded (trust on first
//    use, "tofu"); later hits are checked against the full digest.
//  * Nothing outside the root is ever modified (torch.hub's cache is read).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "modelzoo/cache/progress.h"
#include "modelzoo/sdk/export.h"
#include "modelzoo/sdk/manifest.h"

namespace modelzoo::cache {

/// Whether the network may be used.
/// Cached files are pinned by digest, so no mode re-downloads a valid hit.
/// The modes differ for a hash-prefix variant whose alias has no record yet
/// while a blob pulled under the same file name and prefix (for another
/// alias) exists: online fetches from the variant's own URLs to establish
/// the alias's full digest; prefer-offline and offline adopt the local blob.
enum class NetworkPolicy {
  online,          ///< default: download what is missing, and a prefix variant's
                   ///< first copy for its alias from the variant's URLs
  prefer_offline,  ///< use any valid local copy without asking the network;
                   ///< download only what has no local copy at all
  offline,         ///< never touch the network; a missing file is an error
};

/// Cache-wide settings. from_environment() reads:
///   MODELZOO_HOME, XDG_CACHE_HOME   root (see default_cache_root())
///   MODELZOO_OFFLINE=1              NetworkPolicy::offline
///   MODELZOO_PREFER_OFFLINE=1       NetworkPolicy::prefer_offline
///   MODELZOO_MIRROR=<base url>      tried before a variant's own URLs
///   MODELZOO_ALLOW_HTTP=1           plain http:// to non-loopback hosts
///   MODELZOO_REQUIRE_FULL_DIGEST=1  refuse variants that give only a prefix
///   MODELZOO_CA_BUNDLE=<pem file>   extra trust roots for https (a fleet's own CA)
///   TORCH_HOME                      where torch.hub's checkpoints are looked up
/// Proxies: libcurl's own http_proxy / https_proxy / no_proxy.
struct CacheConfig {
  std::filesystem::path root;
  NetworkPolicy network = NetworkPolicy::online;
  std::string mirror;       ///< base URL, empty for none
  bool allow_http = false;  ///< http:// is always allowed to loopback
  bool require_full_digest = false;
  bool reuse_torch_hub = true;
  std::filesystem::path torch_hub_dir;  ///< empty: no reuse
  /// One downloader per file via flock. Off only for file systems without
  /// working locks: the store stays correct (unique partials, verify, atomic
  /// rename), but each process downloads its own copy and none resumes.
  bool lock_downloads = true;
  /// PEM file of CA certificates for https, instead of the system's store.
  /// Verification itself is never turned off.
  std::filesystem::path ca_bundle;

  MODELZOO_API static CacheConfig from_environment();
};

/// The default PullOptions::max_size: 64 GiB, above any published
/// checkpoint shard, far below what an endless stream would fill.
inline constexpr std::uint64_t kDefaultMaxDownload = std::uint64_t{64} << 30;

/// Per-pull knobs (timeouts, retries); defaults suit real networks.
struct PullOptions {
  int max_attempts_per_url = 4;                    ///< tries of one URL
  std::chrono::milliseconds backoff_initial{500};  ///< doubled per retry
  std::chrono::milliseconds backoff_max{30000};
  std::chrono::milliseconds retry_after_max{120000};  ///< cap on a server's Retry-After
  std::chrono::seconds connect_timeout{30};
  std::chrono::seconds low_speed_time{60};  ///< abort below 1 KiB/s for this long
  /// Re-hash a cached file before every hit. When false, a hit is re-hashed
  /// only when the blob's (device, inode, size, mtime, ctime) differ from
  /// those recorded when it was last hashed: a byte patched in place
  /// changes ctime, so a hit is never silently corrupt.
  bool verify_hits = true;
  bool fsync = false;  ///< fsync the file before it enters the store
  /// For a file whose size the request does not declare: the most bytes a
  /// download may bring (more is refused and not kept); nullopt: no limit.
  /// Every download has it (pull, hub.load, run); `modelzoo pull --max-size`
  /// changes it.
  std::optional<std::uint64_t> max_size = kDefaultMaxDownload;
};

/// What to pull: one file of a resolved variant and a readable alias for it
/// ("vision/resnet50.IMAGENET1K_V2"); the alias may be empty (pull by URL).
/// variant_requests() makes these for every file of a variant.
struct PullRequest {
  std::string alias;
  VariantFile file;
};

/// One request per file of `variant`, aliased under `variant_alias`
/// ("family/entrypoint.TAG"): a single-file variant's file keeps the alias
/// itself (as every earlier cache has it); each file of a several-file
/// variant gets "family/entrypoint.TAG/<file name>".
MODELZOO_API std::vector<PullRequest> variant_requests(const std::string& variant_alias,
                                                       const WeightVariant& variant);

/// A request for a bare URL + expected digest (full or prefix), as
/// `modelzoo pull --url U --sha256 H [--name N]`. The file name is the URL's
/// basename unless `file_name` is given.
MODELZOO_API PullRequest make_url_request(const std::string& url, const std::string& sha256,
                                          const std::string& alias = {},
                                          const std::string& file_name = {});

/// How the bytes of a cache entry were checked.
enum class Verification {
  full_digest,  ///< against a full SHA-256 from the manifest / request
  tofu,         ///< against a prefix; full digest recorded on first use
};
MODELZOO_API const char* to_string(Verification verification);

/// How the bytes of a cache hit were checked for this answer.
enum class HitCheck {
  hashed_now,            ///< SHA-256 computed now (a download, a changed file, verify_hits)
  unchanged_since_hash,  ///< device, inode, size, mtime and ctime as when last hashed
  size_only,             ///< lookup() without hashing a file that changed since (or was
                         ///< never hashed with its identity recorded): the next use re-hashes
};
MODELZOO_API const char* to_string(HitCheck check);

struct PullResult {
  enum class Source { cache, torch_hub, download, local_file };
  std::filesystem::path path;  ///< the blob (read-only; open it, do not modify)
  std::string sha256;          ///< full digest
  std::uint64_t size = 0;
  Source source = Source::cache;
  Verification verification = Verification::full_digest;
  std::string url;  ///< URL used, for downloads
  std::uint64_t bytes_transferred = 0;
  std::uint64_t resumed_from = 0;  ///< bytes reused from an earlier partial file
  int attempts = 0;                ///< HTTP requests made
  bool waited_for_other_process = false;
  HitCheck hit_check = HitCheck::hashed_now;
  /// When the bytes were last hashed (epoch when never).
  std::chrono::system_clock::time_point hashed_at{};
};
MODELZOO_API const char* to_string(PullResult::Source source);

/// One file of a pulled variant.
struct PulledFile {
  VariantFile file;  ///< as the manifest lists it (role, name, format, …)
  PullResult result;
};

/// A variant with every one of its files verified, in manifest order.
struct VariantPull {
  std::string alias;
  std::vector<PulledFile> files;
};

/// One blob in `cache ls`.
struct CacheEntry {
  std::string sha256;
  std::filesystem::path path;
  std::uint64_t size = 0;
  Verification verification = Verification::full_digest;
  std::string tofu_prefix;           ///< for tofu entries
  std::vector<std::string> aliases;  ///< refs pointing here
  std::vector<std::string> files;    ///< file names it was pulled as
  std::vector<std::string> sources;  ///< URLs it came from
  bool pinned = false;               ///< any alias pinned
  std::chrono::system_clock::time_point added{};
  std::chrono::system_clock::time_point last_used{};
  std::chrono::system_clock::time_point last_verified{};
  std::string problem;  ///< "invalid: FILE (reason)" when its record was refused
};

struct VerifyOptions {
  bool all = false;  ///< re-hash every blob; otherwise only blobs that changed (device, inode,
                     ///< size, mtime or ctime) since they were last hashed, or were last
                     ///< hashed longer than `rehash_after` ago
  std::vector<std::string> names;  ///< restrict to these aliases / digests (always re-hashed)
  /// Bit rot changes no metadata: what was not hashed for this long is
  /// re-hashed anyway (`cache verify --rehash-after`).
  std::chrono::seconds rehash_after{std::chrono::hours(24 * 30)};
};

struct VerifyItem {
  std::string sha256;
  std::filesystem::path path;
  bool rehashed = false;
  std::string why_rehashed;  ///< "--all", "named", "changed since hashed", "not hashed for 31 days"
  bool ok = true;
  std::string actual;                    ///< actual digest when re-hashed
  std::string problem;                   ///< empty when ok
  std::filesystem::path quarantined_to;  ///< where a bad blob was moved
};

struct VerifyReport {
  std::vector<VerifyItem> items;
  std::vector<std::string> problems;  ///< store-level: dangling refs, stray files, no CACHEDIR.TAG
  MODELZOO_API std::size_t bad() const;
  bool intact() const { return bad() == 0 && problems.empty(); }
};

struct PruneOptions {
  std::optional<std::uint64_t> max_size;           ///< evict LRU until total <= this
  std::optional<std::chrono::seconds> older_than;  ///< evict entries unused this long
  bool dry_run = false;
  /// Partial downloads are removed only when untouched this long (and, for
  /// those a download lock guards, when the lock is free): a live download
  /// without a lock, or one that stalls for a moment, keeps its bytes.
  std::chrono::seconds partial_grace{std::chrono::minutes(10)};
};

struct PruneReport {
  std::vector<CacheEntry> removed;  ///< what is gone (dry run: would be)
  std::uint64_t freed = 0;          ///< bytes of `removed`
  std::uint64_t remaining = 0;
  std::vector<std::string> kept_pinned;  ///< digests kept only because pinned
  std::vector<std::string> kept_in_use;  ///< digests used or downloading while pruning
  std::vector<std::string> failures;     ///< what could not be removed, and why
  std::size_t partials_removed = 0;
};

struct RemoveReport {
  std::vector<std::string> removed_aliases;
  std::vector<std::string> removed_blobs;  ///< digests
};

struct MirrorExportReport {
  std::filesystem::path dir;
  std::vector<std::string> digests;  ///< written under sha256/
  std::vector<std::string> names;    ///< written under their file name
  std::vector<std::string> skipped;  ///< file names left out (conflicting content)
  std::uint64_t bytes = 0;
};

/// The cache. Cheap to construct; every method takes the locks it needs, so
/// many processes (and threads, each with its own Store) may share one root.
class MODELZOO_API Store {
 public:
  explicit Store(CacheConfig config = CacheConfig::from_environment());

  const CacheConfig& config() const { return config_; }
  /// `cache path`: the root directory.
  const std::filesystem::path& root() const { return config_.root; }

  /// `pull`: returns the verified file for the request, from the cache, from
  /// torch.hub's cache, or downloaded (MODELZOO_MIRROR first, then the
  /// variant's URLs in order). Throws modelzoo::Error saying what is missing,
  /// what was tried and what to do.
  PullResult pull(const PullRequest& request, const PullOptions& options = {},
                  ProgressSink* progress = nullptr);

  /// The verified local file for a request, or nullopt; never uses the network.
  /// Records the use (last-used time, alias) and quarantines a bad copy.
  std::optional<PullResult> find(const PullRequest& request, const PullOptions& options = {});
  /// What find() would return, but changes nothing in the store (no
  /// last-used time, no alias record, no quarantine): for `info`, which
  /// only describes. A bad copy is reported as not cached.
  std::optional<PullResult> lookup(const PullRequest& request,
                                   const PullOptions& options = {}) const;

  /// Every file of a variant, verified: pull() for each file in turn. A
  /// variant is complete or absent: when one file cannot be had (missing
  /// offline, unreachable, wrong digest or size), this throws naming that
  /// file and nothing is returned. Files verified before it stay in the
  /// cache (they are correct bytes, and the next try reuses them).
  VariantPull pull_variant(const std::string& alias, const WeightVariant& variant,
                           const PullOptions& options = {}, ProgressSink* progress = nullptr);
  /// The variant when every file is cached and valid, or nullopt; never uses
  /// the network. Records the use as find() does.
  std::optional<VariantPull> find_variant(const std::string& alias, const WeightVariant& variant,
                                          const PullOptions& options = {});

  /// `cache ls`.
  std::vector<CacheEntry> list() const;
  /// `cache verify [--all]`: re-hashes, moves bad blobs to quarantine/.
  VerifyReport verify(const VerifyOptions& options = {});
  /// `cache prune [--max-size S] [--older-than D]`: LRU, keeps pinned blobs;
  /// also removes abandoned partial files.
  PruneReport prune(const PruneOptions& options);
  /// `cache rm NAME|DIGEST`: an alias (and its blob when no other alias uses
  /// it), or a digest / unique prefix of >= 8 hex digits (and its aliases).
  /// Pinned entries are refused unless `force`.
  RemoveReport remove(const std::string& name_or_digest, bool force = false);
  /// `cache path NAME|DIGEST`: the blob's path. Throws when not cached.
  std::filesystem::path path_of(const std::string& name_or_digest) const;
  /// Pins (or unpins) an alias so prune keeps its blob.
  void pin(const std::string& alias, bool pinned = true);

  /// `mirror export DIR [names]`: writes a tree any static HTTP server can
  /// serve as MODELZOO_MIRROR:
  ///   DIR/sha256/<64 hex>   every exported blob, by digest
  ///   DIR/<file name>       the same bytes under the published file name
  ///                         (torch.hub-compatible; how prefix-only variants
  ///                         are found); left out when two different blobs
  ///                         share a file name
  ///   DIR/index.json        [{sha256, size, files, aliases}]
  /// Empty `names` exports everything. Files are hard-linked when possible.
  MirrorExportReport export_mirror(const std::filesystem::path& dir,
                                   const std::vector<std::string>& names = {});
  /// `mirror export DIR NAME...` for resolved variants: pulls each one that
  /// is not cached yet (same rules as pull()), then exports them.
  MirrorExportReport export_mirror(const std::filesystem::path& dir,
                                   const std::vector<PullRequest>& variants,
                                   const PullOptions& options = {},
                                   ProgressSink* progress = nullptr);

 private:
  CacheConfig config_;
};

/// JSON forms for `--json` output.
MODELZOO_API nlohmann::json to_json(const PullResult& result);
MODELZOO_API nlohmann::json to_json(const CacheEntry& entry);
MODELZOO_API nlohmann::json to_json(const VerifyReport& report);
MODELZOO_API nlohmann::json to_json(const PruneReport& report);

/// "10G", "512M", "1.5GiB", "1000" -> bytes; "30d", "12h", "90m", "45s" -> seconds.
/// Throw modelzoo::Error on bad input (for CLI options).
MODELZOO_API std::uint64_t parse_size(const std::string& text);
MODELZOO_API std::chrono::seconds parse_duration(const std::string& text);

}  // namespace modelzoo::cache

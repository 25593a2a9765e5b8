// Store::pull and the lookups it needs. See store.h for the layout and its
// invariants; store_admin.cpp has the maintenance commands.
#include "modelzoo/cache/store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <thread>

#include "curl_api.h"
#include "hashing_writer.h"
#include "http_fetch.h"
#include "modelzoo/cache/cache_paths.h"
#include "modelzoo/cache/sha256.h"
#include "modelzoo/sdk/error.h"
#include "store_layout.h"
#include "store_records.h"

namespace modelzoo::cache {

// ---------------------------------------------------------------- config ---

namespace {

// secure_getenv throughout: a setuid/setgid process ignores the caller's
// mirror, http and CA settings.
bool env_flag(const char* name) {
  const char* v = ::secure_getenv(name);
  if (!v || !*v) return false;
  std::string s = v;
  return !(s == "0" || s == "false" || s == "no" || s == "off");
}

std::string env_string(const char* name) {
  const char* v = ::secure_getenv(name);
  return v ? v : "";
}

}  // namespace

CacheConfig CacheConfig::from_environment() {
  CacheConfig c;
  c.root = default_cache_root();
  if (env_flag("MODELZOO_OFFLINE"))
    c.network = NetworkPolicy::offline;
  else if (env_flag("MODELZOO_PREFER_OFFLINE"))
    c.network = NetworkPolicy::prefer_offline;
  c.mirror = env_string("MODELZOO_MIRROR");
  c.allow_http = env_flag("MODELZOO_ALLOW_HTTP");
  c.require_full_digest = env_flag("MODELZOO_REQUIRE_FULL_DIGEST");
  c.torch_hub_dir = torch_hub_checkpoint_dir();
  c.ca_bundle = env_string("MODELZOO_CA_BUNDLE");
  return c;
}

const char* to_string(PullResult::Source source) {
  switch (source) {
    case PullResult::Source::cache:
      return "cache";
    case PullResult::Source::torch_hub:
      return "torch_hub";
    case PullResult::Source::download:
      return "download";
    case PullResult::Source::local_file:
      return "local_file";
  }
  return "unknown";
}

PullRequest make_url_request(const std::string& url, const std::string& sha256,
                             const std::string& alias, const std::string& file_name) {
  PullRequest request;
  request.alias = alias;
  request.file.urls = {url};
  std::string hex = sha256.rfind("sha256:", 0) == 0 ? sha256.substr(7) : sha256;
  std::transform(hex.begin(), hex.end(), hex.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  request.file.sha256.hex = hex;
  request.file.sha256.is_prefix = hex.size() < 64;
  if (!file_name.empty()) {
    request.file.file = file_name;
  } else {
    std::string path = url.substr(0, url.find_first_of("?#"));
    request.file.file = path.substr(path.find_last_of('/') + 1);
  }
  return request;
}

std::vector<PullRequest> variant_requests(const std::string& variant_alias,
                                          const WeightVariant& variant) {
  std::vector<PullRequest> requests;
  const bool single = variant.files.size() == 1;
  for (const auto& file : variant.files)
    requests.push_back(
        {single || variant_alias.empty() ? variant_alias : variant_alias + "/" + file.file, file});
  return requests;
}

Store::Store(CacheConfig config) : config_(std::move(config)) {
  if (config_.root.empty()) config_.root = default_cache_root();
}

// ------------------------------------------------------------------ pull ---

namespace {

struct Expected {
  std::string hex;
  bool prefix = false;
  bool matches(const std::string& actual) const {
    return prefix ? actual.rfind(hex, 0) == 0 : actual == hex;
  }
};

std::string display_name(const PullRequest& request) {
  return request.alias.empty() ? request.file.file : request.alias;
}

Expected validate_request(const PullRequest& request, const CacheConfig& config) {
  const std::string name = display_name(request);
  const Digest& digest = request.file.sha256;
  Expected e{digest.hex, digest.is_prefix || digest.hex.size() < 64};
  if (!request.alias.empty()) validate_alias(request.alias);
  for (char c : e.hex)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      throw Error("pulling " + name + ": sha256 \"" + e.hex + "\" is not lower-case hex");
  if (e.hex.size() > 64 || (!e.prefix && e.hex.size() != 64))
    throw Error("pulling " + name + ": sha256 must have 64 hex digits (got " +
                std::to_string(e.hex.size()) + ")");
  if (e.hex.empty())
    throw Error("pulling " + name + ": no sha256 given; modelzoo never stores unverified files");
  if (e.prefix && e.hex.size() < 8)
    throw Error("pulling " + name + ": a sha256 prefix needs at least 8 hex digits (got \"" +
                e.hex + "\")");
  if (e.prefix && config.require_full_digest)
    throw Error("pulling " + name + ": the manifest gives only the sha256 prefix " + e.hex +
                " and the policy requires full digests (MODELZOO_REQUIRE_FULL_DIGEST); ask the "
                "plugin vendor for the full SHA-256 or unset the policy");
  const std::string& file = request.file.file;
  if (file.empty() || file.find('/') != std::string::npos || file == "." || file == "..")
    throw Error("pulling " + name + ": invalid file name \"" + file + "\"");
  return e;
}

std::string lock_key(const PullRequest& request, const Expected& expected) {
  if (!expected.prefix) return expected.hex;
  std::string file;
  for (char c : request.file.file)
    file +=
        (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_') ? c : '_';
  return "prefix-" + expected.hex + "-" + file;
}

bool is_file_url(const std::string& url) {
  return url.rfind("file://", 0) == 0;
}

fs::path file_url_path(const std::string& url) {
  std::string rest = url.substr(7);
  if (rest.rfind("localhost/", 0) == 0) rest = rest.substr(9);
  if (rest.empty() || rest.front() != '/')
    throw Error("unsupported file URL " + url + " (expected file:///absolute/path)");
  int length = 0;
  char* decoded = detail::curl_api().easy_unescape(nullptr, rest.c_str(),
                                                   static_cast<int>(rest.size()), &length);
  fs::path path(std::string(decoded, static_cast<std::size_t>(length)));
  detail::curl_api().free(decoded);
  return path;
}

std::string join_url(std::string base, const std::string& tail) {
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/" + tail;
}

bool is_disk_full(int err) {
  return err == ENOSPC || err == EFBIG || err == EDQUOT;
}

[[noreturn]] void throw_write_failure(const std::string& name, const Layout& layout,
                                      const std::string& message, int err,
                                      std::optional<std::uint64_t> size, bool in_store = false) {
  std::string text = "pulling " + name + ": " + message + ". ";
  if (is_disk_full(err)) {
    text = "pulling " + name + ": disk full: " + message + ". ";
    text += in_store ? "The verified file is in the cache at " + layout.root.string() +
                           ", but its records are incomplete. Free "
                     : "The partial download was removed and nothing was added to the cache at " +
                           layout.root.string() + ". Free ";
    text += size ? format_bytes(*size) : std::string("space");
    text += " there, or point MODELZOO_HOME at a larger disk, then pull again.";
  } else {
    text += in_store ? "The verified file is in the cache, but its records are incomplete."
                     : "The partial download was removed.";
  }
  throw Error(text);
}

// Appends a local file to the writer, from byte 0.
void copy_local(const fs::path& source, HashingWriter& writer) {
  int fd = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error("cannot open " + source.string() + ": " + std::strerror(errno));
  writer.restart();
  std::vector<char> buffer(1 << 20);
  for (;;) {
    ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      throw Error("reading " + source.string() + ": " + std::strerror(err));
    }
    if (n == 0) break;
    try {
      writer.append(buffer.data(), static_cast<std::size_t>(n));
    } catch (...) {
      ::close(fd);
      throw;
    }
  }
  ::close(fd);
}

class Puller {
 public:
  Puller(const CacheConfig& config, const PullRequest& request, const PullOptions& options,
         ProgressSink* progress)
      : config_(config),
        layout_{config.root},
        request_(request),
        options_(options),
        progress_(progress),
        name_(display_name(request)),
        expected_(validate_request(request, config)) {}

  PullResult pull();
  std::optional<PullResult> find();
  /// The hit, without changing the store (no last-used, no quarantine).
  std::optional<PullResult> peek() const;

 private:
  void emit(ProgressEvent::Kind kind, const std::string& message, const std::string& url = {},
            std::chrono::milliseconds delay = {}) const {
    if (!progress_) return;
    ProgressEvent event;
    event.kind = kind;
    event.name = name_;
    event.url = url;
    event.message = message;
    event.delay = delay;
    event.total = request_.file.size;
    progress_->on_event(event);
  }
  // What the store holds for the request, before any hashing.
  struct Hit {
    bool present = false;  ///< a blob is there for the candidate digest
    std::string hex;
    FileIdentity identity;
    std::optional<BlobRecord> record;
    bool unchanged_since_hash = false;
    bool hashed_now = false;
    bool bad = false;
    std::string problem;
  };
  std::optional<std::string> candidate_digest() const;
  Hit check_hit() const;
  void hash_hit(Hit& hit) const;
  PullResult hit_result(const Hit& hit) const;
  std::optional<PullResult> try_torch_hub();
  std::vector<std::string> candidate_urls() const;
  fs::path adopt_partial(const std::string& key);
  PullResult commit(const fs::path& partial, const std::string& actual, std::uint64_t size,
                    PullResult result, bool linked);
  void record_use(const MetaLock& lock, const std::string& hex, const std::string& source_url);

  const CacheConfig& config_;
  Layout layout_;
  const PullRequest& request_;
  const PullOptions& options_;
  ProgressSink* progress_;
  std::string name_;
  Expected expected_;
};

std::optional<std::string> Puller::candidate_digest() const {
  if (!expected_.prefix) return expected_.hex;
  // Trust on first use: the alias, or a blob pulled before under this file
  // name, records which full digest this prefix stands for.
  if (!request_.alias.empty()) {
    if (auto ref = load_alias_record(layout_, request_.alias).record) {
      if (expected_.matches(ref->sha256) && fs::exists(layout_.blob(ref->sha256)))
        return ref->sha256;
    }
  }
  // No record for this alias: a blob pulled before under the same file name
  // and prefix (for another alias, maybe by another plugin) is adopted only
  // when local copies are preferred. Online, the alias's full digest is
  // established from the variant's own URLs — a 32-bit prefix is easy to
  // match with crafted bytes, so "same name and prefix" is weak evidence.
  if (config_.network == NetworkPolicy::online) return std::nullopt;
  std::error_code ec;
  std::optional<std::string> found;
  for (auto it = fs::directory_iterator(layout_.blobs(), ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    std::string hex = it->path().filename().string();
    if (!is_full_digest(hex) || !expected_.matches(hex)) continue;
    const auto meta = load_blob_record(layout_, hex).record;
    if (!meta) continue;
    for (const auto& f : meta->files)
      if (f == request_.file.file) found = hex;
  }
  return found;
}

void Puller::record_use(const MetaLock& lock, const std::string& hex,
                        const std::string& source_url) {
  update_blob_record(layout_, lock, hex, [&](BlobRecord& m) {
    m.last_used = now_seconds();
    add_unique(m.files, request_.file.file);
    if (!source_url.empty()) add_unique(m.sources, source_url);
    if (!request_.alias.empty()) add_unique(m.aliases, request_.alias);
  });
  if (!request_.alias.empty()) {
    const auto previous = load_alias_record(layout_, request_.alias).record;
    AliasRecord ref;
    ref.alias = request_.alias;
    ref.sha256 = hex;
    ref.file = request_.file.file;
    ref.role = request_.file.role;
    ref.pinned = previous && previous->pinned && previous->sha256 == hex;
    ref.updated = now_seconds();
    store_alias_record(layout_, ref);
  }
}

Puller::Hit Puller::check_hit() const {
  Hit hit;
  const std::optional<std::string> hex = candidate_digest();
  if (!hex) return hit;
  hit.hex = *hex;
  const fs::path blob = layout_.blob(*hex);
  const auto identity = FileIdentity::of(blob);
  if (!identity) return hit;
  hit.identity = *identity;
  hit.record = load_blob_record(layout_, *hex).record;
  hit.present = true;
  if ((request_.file.size && *request_.file.size != identity->size) ||
      (hit.record && hit.record->size && *hit.record->size != identity->size)) {
    hit.bad = true;
    hit.problem = "its size changed";
    return hit;
  }
  // Unchanged since hashed: same device, inode, size, mtime and ctime. An
  // in-place write changes ctime, so only then (or when asked) re-hash.
  hit.unchanged_since_hash =
      hit.record && hit.record->verified_identity && *hit.record->verified_identity == *identity;
  return hit;
}

void Puller::hash_hit(Hit& hit) const {
  emit(ProgressEvent::Kind::hashing,
       hit.unchanged_since_hash ? "re-hashing the cached file"
                                : "the cached file changed since it was hashed; re-hashing it");
  const std::string actual = sha256_file(layout_.blob(hit.hex));
  hit.hashed_now = true;
  if (actual != hit.hex) {
    hit.bad = true;
    hit.problem = "its content has sha256 " + actual;
  }
}

PullResult Puller::hit_result(const Hit& hit) const {
  PullResult result;
  result.path = layout_.blob(hit.hex);
  result.sha256 = hit.hex;
  result.size = hit.identity.size;
  result.source = PullResult::Source::cache;
  result.verification = hit.record && hit.record->verification == Verification::tofu
                            ? Verification::tofu
                            : Verification::full_digest;
  if (hit.hashed_now) {
    result.hit_check = HitCheck::hashed_now;
    result.hashed_at = std::chrono::system_clock::now();
  } else if (hit.unchanged_since_hash) {
    result.hit_check = HitCheck::unchanged_since_hash;
    result.hashed_at = from_seconds(hit.record->last_verified);
  } else {
    result.hit_check = HitCheck::size_only;
    if (hit.record && hit.record->last_verified)
      result.hashed_at = from_seconds(hit.record->last_verified);
  }
  return result;
}

std::optional<PullResult> Puller::peek() const {
  Hit hit = check_hit();
  if (!hit.present || hit.bad) return std::nullopt;
  if (options_.verify_hits) {
    hash_hit(hit);
    if (hit.bad) return std::nullopt;
  }
  PullResult result = hit_result(hit);
  if (result.verification == Verification::tofu && !expected_.prefix)
    result.verification = Verification::full_digest;  // as find() would record it
  return result;
}

std::optional<PullResult> Puller::find() {
  Hit hit = check_hit();
  if (!hit.present) return std::nullopt;
  if (!hit.bad && (options_.verify_hits || !hit.unchanged_since_hash)) hash_hit(hit);
  const fs::path blob = layout_.blob(hit.hex);
  if (hit.bad) {
    // Never hand out bad bytes: move them aside and download again.
    std::error_code ec;
    const fs::path to = layout_.quarantine_slot(hit.hex);
    fs::rename(blob, to, ec);
    emit(ProgressEvent::Kind::failed, "cached file " + blob.string() + " failed its check (" +
                                          hit.problem + "); moved to " + to.string());
    return std::nullopt;
  }
  PullResult result = hit_result(hit);
  // A full digest given now upgrades an entry first trusted by prefix.
  const bool upgrade = !expected_.prefix && result.verification == Verification::tofu;
  if (upgrade) result.verification = Verification::full_digest;
  try {
    MetaLock lock(layout_);
    // Under the lock, as prune evicts: the blob must still be the one checked.
    if (FileIdentity::of(blob) != std::optional<FileIdentity>(hit.identity)) return std::nullopt;
    if (hit.hashed_now || upgrade)
      update_blob_record(layout_, lock, hit.hex, [&](BlobRecord& m) {
        if (hit.hashed_now) {
          m.last_verified = now_seconds();
          m.verified_identity = hit.identity;
          m.size = hit.identity.size;
        }
        if (upgrade) {
          m.verification = Verification::full_digest;
          m.tofu_prefix.clear();
        }
        if (!m.added) m.added = now_seconds();
      });
    record_use(lock, hit.hex, {});
  } catch (const std::exception&) {
    // A read-only cache (shared over NFS) still serves hits; only the
    // last-used time and the alias record are not updated.
  }
  return result;
}

PullResult Puller::commit(const fs::path& partial, const std::string& actual, std::uint64_t size,
                          PullResult result, bool linked) {
  bool in_store = false;
  try {
    MetaLock lock(layout_);
    // Record first, rename second: a blob never exists without its record.
    // A blob already recorded as checked against a full digest stays so.
    const bool known_full = [&] {
      const auto previous = load_blob_record(layout_, actual).record;
      return previous && previous->verification == Verification::full_digest;
    }();
    update_blob_record(layout_, lock, actual, [&](BlobRecord& m) {
      m.size = size;
      if (!m.added) m.added = now_seconds();
      if (expected_.prefix && !known_full) {
        m.verification = Verification::tofu;
        m.tofu_prefix = expected_.hex;
      } else if (!expected_.prefix) {
        m.verification = Verification::full_digest;
        m.tofu_prefix.clear();
      }
      m.verified_identity.reset();
    });
    if (!linked) ::chmod(partial.c_str(), 0444);
    std::error_code ec;
    fs::rename(partial, layout_.blob(actual), ec);
    if (ec) {
      fs::remove(partial, ec);
      throw Error("pulling " + name_ + ": cannot move the verified file into " +
                  layout_.blobs().string() + ": " + ec.message());
    }
    in_store = true;
    const auto identity = FileIdentity::of(layout_.blob(actual));
    update_blob_record(layout_, lock, actual, [&](BlobRecord& m) {
      m.last_verified = now_seconds();
      m.verified_identity = identity;
    });
    record_use(lock, actual, result.url);
  } catch (const WriteFailure& e) {
    std::error_code ec;
    if (!in_store) fs::remove(partial, ec);
    throw_write_failure(name_, layout_, e.what(), e.error(), size, in_store);
  }
  result.path = layout_.blob(actual);
  result.sha256 = actual;
  result.size = size;
  result.hit_check = HitCheck::hashed_now;
  result.hashed_at = std::chrono::system_clock::now();
  result.verification = expected_.prefix ? Verification::tofu : Verification::full_digest;
  if (auto m = load_blob_record(layout_, actual).record;
      m && m->verification == Verification::full_digest)
    result.verification = Verification::full_digest;
  emit(ProgressEvent::Kind::done,
       std::string("ok (") + to_string(result.source) + ", " + format_bytes(size) + ", sha256 " +
           actual.substr(0, 12) + ")",
       result.url);
  return result;
}

std::optional<PullResult> Puller::try_torch_hub() {
  if (!config_.reuse_torch_hub || config_.torch_hub_dir.empty()) return std::nullopt;
  fs::path candidate = config_.torch_hub_dir / request_.file.file;
  std::error_code ec;
  if (!fs::is_regular_file(candidate, ec)) return std::nullopt;
  std::uint64_t size = fs::file_size(candidate, ec);
  if (ec || (request_.file.size && *request_.file.size != size)) return std::nullopt;
  emit(ProgressEvent::Kind::hashing, "checking torch.hub's copy " + candidate.string());
  std::string actual = sha256_file(candidate);
  if (!expected_.matches(actual)) {
    emit(ProgressEvent::Kind::failed, "torch.hub's copy " + candidate.string() + " has sha256 " +
                                          actual + ", not " + expected_.hex + "; ignoring it");
    return std::nullopt;
  }
  // A hard link shares torch's inode; torch replaces files by rename, never
  // in place, and we never chmod a linked file. Else copy (and re-hash the copy).
  fs::path partial =
      layout_.partials() / ("import-" + actual.substr(0, 16) + "." + unique_suffix() + ".part");
  PullResult result;
  result.source = PullResult::Source::torch_hub;
  result.url = "file://" + candidate.string();
  if (::link(candidate.c_str(), partial.c_str()) == 0) {
    return commit(partial, actual, size, result, /*linked=*/true);
  }
  std::string copied;
  try {
    HashingWriter writer(partial);
    copy_local(candidate, writer);
    copied = writer.finish(options_.fsync);
  } catch (const WriteFailure& e) {
    fs::remove(partial, ec);
    throw_write_failure(name_, layout_, e.what(), e.error(), size);
  }
  if (copied != actual) {
    fs::remove(partial, ec);
    return std::nullopt;  // changed while we copied
  }
  return commit(partial, actual, size, result, false);
}

std::vector<std::string> Puller::candidate_urls() const {
  std::vector<std::string> urls;
  if (!config_.mirror.empty()) {
    if (!expected_.prefix) urls.push_back(join_url(config_.mirror, "sha256/" + expected_.hex));
    urls.push_back(join_url(config_.mirror, request_.file.file));
  }
  for (const auto& url : request_.file.urls) urls.push_back(url);
  return urls;
}

fs::path Puller::adopt_partial(const std::string& key) {
  // Called under the download lock: any partial of this key was left by a
  // process that died or gave up. Continue the longest one.
  fs::path mine = layout_.partials() / (key + "." + unique_suffix() + ".part");
  std::error_code ec;
  std::vector<std::pair<std::uint64_t, fs::path>> found;
  for (auto it = fs::directory_iterator(layout_.partials(), ec);
       !ec && it != fs::directory_iterator(); it.increment(ec)) {
    if (partial_lock_key(it->path().filename().string()) == key)
      found.emplace_back(it->file_size(ec), it->path());
  }
  std::sort(found.begin(), found.end());
  for (std::size_t i = 0; i < found.size(); ++i) {
    if (i + 1 == found.size()) {
      // rename is atomic: if another (lock-ignoring) writer took it first,
      // ours fails and we start from zero.
      fs::rename(found[i].second, mine, ec);
    } else {
      fs::remove(found[i].second, ec);
    }
  }
  return mine;
}

PullResult Puller::pull() {
  layout_.ensure();
  if (!request_.alias.empty()) layout_.check_ref_parents(request_.alias);
  if (auto hit = find()) {
    emit(ProgressEvent::Kind::done, "in cache (" + hit->sha256.substr(0, 12) + ")");
    return *hit;
  }
  if (auto reused = try_torch_hub()) return *reused;

  std::vector<std::string> urls = candidate_urls();
  const bool offline = config_.network == NetworkPolicy::offline;
  if (offline) {
    urls.erase(std::remove_if(urls.begin(), urls.end(),
                              [](const std::string& u) { return !is_file_url(u); }),
               urls.end());
    if (urls.empty())
      throw Error("offline mode (MODELZOO_OFFLINE=1): " + name_ + " (file " + request_.file.file +
                  ", sha256 " + expected_.hex + (expected_.prefix ? "…" : "") +
                  ") is not in the cache at " + config_.root.string() +
                  " nor in torch.hub's cache; pull it once while online (modelzoo pull " + name_ +
                  "), or unset MODELZOO_OFFLINE");
  }
  if (urls.empty())
    throw Error("pulling " + name_ + ": the variant lists no URL and no mirror is set");

  const std::string key = lock_key(request_, expected_);
  std::optional<FileLock> lock;
  if (config_.lock_downloads)
    lock.emplace(layout_.lock(key), [&](long pid) {
      emit(ProgressEvent::Kind::waiting,
           "waiting for process " + std::to_string(pid) + ", which is downloading the same file");
    });
  if (lock && lock->waited()) {
    if (auto hit = find()) {
      hit->waited_for_other_process = true;
      emit(ProgressEvent::Kind::done, "downloaded by another process");
      return *hit;
    }
  }

  // Without the lock another process may be writing any partial: start a fresh one.
  fs::path partial =
      lock ? adopt_partial(key) : layout_.partials() / (key + "." + unique_suffix() + ".part");
  std::error_code ec;
  std::vector<std::string> failures;
  PullResult result;
  result.source = PullResult::Source::download;
  std::optional<HashingWriter> writer;
  try {
    writer.emplace(partial);
  } catch (const WriteFailure& e) {
    throw_write_failure(name_, layout_, e.what(), e.error(), request_.file.size);
  }
  const std::uint64_t adopted = writer->adopt_existing();
  bool holds_earlier_bytes = adopted > 0;
  result.resumed_from = adopted;
  std::mt19937 jitter(std::random_device{}());
  bool fetched = false;  // an http(s) URL was tried: the network hint applies

  for (const std::string& url : urls) {
    const std::string scheme = is_file_url(url) ? "file" : url_scheme(url);
    if (scheme == "file") {
      try {
        fs::path source = file_url_path(url);
        if (!fs::is_regular_file(source)) {
          failures.push_back(url + ": no such file");
          continue;
        }
        copy_local(source, *writer);
        std::uint64_t size = writer->size();
        std::string actual = writer->finish(options_.fsync);
        if (!expected_.matches(actual)) {
          failures.push_back(url + ": sha256 mismatch: expected " + expected_.hex + ", got " +
                             actual);
          writer->restart();
          continue;
        }
        writer.reset();
        result.source = PullResult::Source::local_file;
        result.url = url;
        result.resumed_from = 0;
        return commit(partial, actual, size, result, false);
      } catch (const WriteFailure& e) {
        writer.reset();
        fs::remove(partial, ec);
        throw_write_failure(name_, layout_, e.what(), e.error(), request_.file.size);
      }
    }
    if (scheme != "https" && scheme != "http") {
      failures.push_back(url + ": unsupported URL scheme \"" + scheme +
                         "\" (use https://, http:// or file://)");
      continue;
    }
    const bool loopback = is_loopback_url(url);
    if (scheme == "http" && !loopback && !config_.allow_http) {
      failures.push_back(url +
                         ": plain http:// refused (only https is verified); set "
                         "MODELZOO_ALLOW_HTTP=1 to allow it");
      continue;
    }
    fetched = true;  // the network is involved from here on
    FetchRequest fetch;
    fetch.url = url;
    fetch.name = name_;
    fetch.expected_size = request_.file.size;
    fetch.max_size = options_.max_size;
    fetch.allow_http_redirects = config_.allow_http;
    fetch.allow_loopback_http_redirects = scheme == "http" && loopback;
    fetch.connect_timeout = options_.connect_timeout;
    fetch.low_speed_time = options_.low_speed_time;
    fetch.progress = progress_;
    fetch.ca_bundle = config_.ca_bundle.string();

    int attempts = 0;
    bool restarted_after_mismatch = false;
    std::chrono::milliseconds backoff = options_.backoff_initial;
    for (;;) {
      ++attempts;
      ++result.attempts;
      FetchOutcome out = fetch_once(fetch, *writer);
      if (out.sent_range && !out.range_ignored &&
          out.status != FetchOutcome::Status::range_unsatisfiable)
        holds_earlier_bytes = true;
      if (out.range_ignored) result.resumed_from = 0;

      if (out.status == FetchOutcome::Status::range_unsatisfiable) {
        if (out.total_size && *out.total_size == writer->size()) {
          out.status = FetchOutcome::Status::complete;  // the partial was already whole
        } else {
          emit(ProgressEvent::Kind::retry, "server refused to resume (HTTP 416); starting over",
               url);
          writer->restart();
          result.resumed_from = 0;
          holds_earlier_bytes = false;
          if (attempts < options_.max_attempts_per_url) continue;
          failures.push_back(url + ": HTTP 416 (range not satisfiable)");
          break;
        }
      }
      if (out.status == FetchOutcome::Status::write_failed) {
        writer.reset();
        fs::remove(partial, ec);
        throw_write_failure(name_, layout_, out.message, out.write_errno, request_.file.size);
      }
      if (out.status == FetchOutcome::Status::complete) {
        std::uint64_t size = writer->size();
        std::string actual;
        try {
          actual = writer->finish(options_.fsync);
        } catch (const WriteFailure& e) {
          writer.reset();
          fs::remove(partial, ec);
          throw_write_failure(name_, layout_, e.what(), e.error(), request_.file.size);
        }
        bool size_ok = !request_.file.size || *request_.file.size == size;
        if (size_ok && expected_.matches(actual)) {
          writer.reset();
          result.url = url;
          result.bytes_transferred = size - result.resumed_from;
          return commit(partial, actual, size, result, false);
        }
        std::string what = size_ok
                               ? "sha256 mismatch: expected " + expected_.hex +
                                     (expected_.prefix ? "… (prefix)" : "") + ", got " + actual
                               : "size mismatch: expected " + std::to_string(*request_.file.size) +
                                     " bytes, got " + std::to_string(size);
        writer->restart();  // never keep bytes that failed the check
        if (holds_earlier_bytes && !restarted_after_mismatch) {
          // A resumed file may mix two versions of the server's file; try once from zero.
          restarted_after_mismatch = true;
          holds_earlier_bytes = false;
          result.resumed_from = 0;
          emit(ProgressEvent::Kind::retry,
               "resumed file failed the check (" + what + "); downloading again from zero", url);
          continue;
        }
        failures.push_back(url + ": " + what);
        emit(ProgressEvent::Kind::failed, what, url);
        break;
      }
      if (out.status == FetchOutcome::Status::retryable &&
          attempts < options_.max_attempts_per_url) {
        std::chrono::milliseconds delay = backoff;
        if (out.retry_after)
          delay = std::min(std::max(*out.retry_after, delay), options_.retry_after_max);
        else
          delay += std::chrono::milliseconds(
              std::uniform_int_distribution<long>(0, backoff.count() / 4)(jitter));
        emit(ProgressEvent::Kind::retry,
             out.message + "; retrying in " + std::to_string(delay.count()) + " ms", url, delay);
        std::this_thread::sleep_for(delay);
        backoff = std::min(backoff * 2, options_.backoff_max);
        continue;
      }
      failures.push_back(url + ": " + out.message +
                         (out.status == FetchOutcome::Status::retryable
                              ? " (gave up after " + std::to_string(attempts) + " attempts)"
                              : ""));
      emit(ProgressEvent::Kind::failed, out.message, url);
      break;
    }
  }
  // Keep a partial worth resuming; drop an empty one.
  std::uint64_t kept = writer->size();
  writer.reset();
  if (kept == 0) fs::remove(partial, ec);
  std::string text = "pulling " + name_ + " (file " + request_.file.file + ", sha256 " +
                     expected_.hex + (expected_.prefix ? "…" : "") + ") failed; tried:";
  for (const auto& f : failures) text += "\n  " + f;
  if (kept > 0)
    text += "\n" + format_bytes(kept) + " were kept and the next pull resumes from there.";
  bool mismatch = std::any_of(failures.begin(), failures.end(), [](const std::string& f) {
    return f.find("mismatch") != std::string::npos;
  });
  if (mismatch)
    text +=
        "\nThe server's file differs from the one the manifest pins: the file was changed or "
        "corrupted upstream. Nothing was cached. Report it to the model's publisher, or use a "
        "mirror that has the right file (MODELZOO_MIRROR).";
  else if (fetched)
    text +=
        "\nCheck the network or proxy (https_proxy), set MODELZOO_MIRROR to a reachable mirror, "
        "or copy the file into torch.hub's cache.";
  else if (std::any_of(urls.begin(), urls.end(), is_file_url))
    text += "\nCheck the file:// paths above (absolute, existing, readable).";
  throw Error(text);
}

}  // namespace

PullResult Store::pull(const PullRequest& request, const PullOptions& options,
                       ProgressSink* progress) {
  Puller puller(config_, request, options, progress);
  return puller.pull();
}

std::optional<PullResult> Store::find(const PullRequest& request, const PullOptions& options) {
  Puller puller(config_, request, options, nullptr);
  if (!fs::exists(Layout{config_.root}.blobs())) return std::nullopt;
  return puller.find();
}

VariantPull Store::pull_variant(const std::string& alias, const WeightVariant& variant,
                                const PullOptions& options, ProgressSink* progress) {
  if (variant.files.empty()) throw Error("pulling " + alias + ": the variant lists no file");
  VariantPull out{alias, {}};
  const auto requests = variant_requests(alias, variant);
  for (size_t i = 0; i < requests.size(); ++i) {
    const VariantFile& file = variant.files[i];
    try {
      out.files.push_back({file, pull(requests[i], options, progress)});
    } catch (const Error& e) {
      if (requests.size() == 1) throw;
      throw Error(std::string(e.what()) + "\n" + alias + " is unusable without " + file.file +
                  " (file " + std::to_string(i + 1) + " of " + std::to_string(requests.size()) +
                  ", role " + file.role + "); its other files are kept for the next try.");
    }
  }
  return out;
}

std::optional<VariantPull> Store::find_variant(const std::string& alias,
                                               const WeightVariant& variant,
                                               const PullOptions& options) {
  if (variant.files.empty()) return std::nullopt;
  VariantPull out{alias, {}};
  const auto requests = variant_requests(alias, variant);
  for (size_t i = 0; i < requests.size(); ++i) {
    auto found = find(requests[i], options);
    if (!found) return std::nullopt;
    out.files.push_back({variant.files[i], std::move(*found)});
  }
  return out;
}

std::optional<PullResult> Store::lookup(const PullRequest& request,
                                        const PullOptions& options) const {
  if (!fs::exists(Layout{config_.root}.blobs())) return std::nullopt;
  return Puller(config_, request, options, nullptr).peek();
}

}  // namespace modelzoo::cache

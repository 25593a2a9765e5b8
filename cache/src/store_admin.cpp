// The maintenance side of Store: ls, verify, prune, rm, path, pin, mirror
// export. Every change to blobs/ is a rename or an unlink, so a reader sees
// either the whole file or no file.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>

#include "hashing_writer.h"
#include "modelzoo/cache/sha256.h"
#include "modelzoo/cache/store.h"
#include "modelzoo/sdk/error.h"
#include "store_layout.h"
#include "store_records.h"

namespace modelzoo::cache {
namespace {

std::int64_t mtime_ns(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return -1;
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
}

bool looks_like_digest(const std::string& s) {
  std::string body = s.rfind("sha256:", 0) == 0 ? s.substr(7) : s;
  if (body.size() < 8 || body.size() > 64) return false;
  return std::all_of(body.begin(), body.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// The aliases of a several-file variant's files ("family/entrypoint.TAG/<file>")
// when `name` is the variant's alias; empty otherwise.
std::vector<std::string> file_aliases_of_variant(const Layout& layout, const std::string& name) {
  std::vector<std::string> out;
  if (name.find('/') == std::string::npos || !is_valid_alias(name)) return out;
  const std::string prefix = name + "/";
  for (const auto& ref : read_alias_records(layout))
    if (ref.alias.rfind(prefix, 0) == 0) out.push_back(ref.alias);
  return out;
}

// Digests under blobs/ that `name` denotes: an alias (a several-file
// variant's denotes all its files), or a digest prefix. Every digest
// returned is a full SHA-256 (records are validated when read).
std::vector<std::string> resolve(const Layout& layout, const std::string& name) {
  const bool alias_like = is_valid_alias(name);
  if (!alias_like && !looks_like_digest(name))
    throw Error("\"" + name +
                "\" is neither a cache alias (family/entrypoint.TAG, see `modelzoo cache ls`) "
                "nor a digest (8 to 64 lower-case hex digits)");
  if (alias_like && (name.find('/') != std::string::npos || !looks_like_digest(name))) {
    if (auto ref = load_alias_record(layout, name).record) return {ref->sha256};
  }
  std::vector<std::string> out;
  for (const auto& alias : file_aliases_of_variant(layout, name))
    if (auto ref = load_alias_record(layout, alias).record) out.push_back(ref->sha256);
  if (!out.empty()) return out;
  if (looks_like_digest(name)) {
    std::string prefix = name.rfind("sha256:", 0) == 0 ? name.substr(7) : name;
    std::error_code ec;
    for (auto it = fs::directory_iterator(layout.blobs(), ec);
         !ec && it != fs::directory_iterator(); it.increment(ec)) {
      std::string hex = it->path().filename().string();
      if (is_full_digest(hex) && hex.rfind(prefix, 0) == 0) out.push_back(hex);
    }
  }
  if (out.empty()) {
    // A bare entrypoint alias without the family, when unambiguous.
    for (const auto& ref : read_alias_records(layout)) {
      const std::string& alias = ref.alias;
      if (alias == name || (alias.size() > name.size() &&
                            alias.compare(alias.size() - name.size(), name.size(), name) == 0 &&
                            alias[alias.size() - name.size() - 1] == '/'))
        out.push_back(ref.sha256);
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string resolve_one(const Layout& layout, const std::string& name) {
  auto found = resolve(layout, name);
  if (found.empty())
    throw Error("\"" + name + "\" is not in the cache at " + layout.root.string() +
                " (see `modelzoo cache ls`)");
  if (found.size() > 1)
    throw Error("\"" + name + "\" is ambiguous: it matches " + std::to_string(found.size()) +
                " cached files; give more digits or the full alias");
  return found.front();
}

// Every digest `name` denotes; throws when none.
std::vector<std::string> resolve_some(const Layout& layout, const std::string& name) {
  auto found = resolve(layout, name);
  if (found.empty())
    throw Error("\"" + name + "\" is not in the cache at " + layout.root.string() +
                " (see `modelzoo cache ls`)");
  return found;
}

// Removes a blob and its record; the reason when the blob could not be
// removed (then its record stays too). A blob already gone is no failure.
std::optional<std::string> remove_blob(const Layout& layout, const std::string& hex) {
  std::error_code ec;
  fs::remove(layout.blob(hex), ec);
  if (ec) return "cannot remove " + layout.blob(hex).string() + ": " + ec.message();
  fs::remove(layout.meta(hex), ec);
  return std::nullopt;
}

// Removes every alias record of `refs` (the store's, read under the
// MetaLock the caller holds) pointing at `hex`; appends the aliases removed
// to `removed` and what could not be removed to `failures`.
void remove_refs_to(const Layout& layout, const std::vector<AliasRecord>& refs,
                    const std::string& hex, std::vector<std::string>* removed,
                    std::vector<std::string>* failures = nullptr) {
  for (const auto& ref : refs)
    if (ref.sha256 == hex) {
      std::error_code ec;
      layout.check_ref_parents(ref.alias);
      fs::remove(layout.ref(ref.alias), ec);
      if (ec) {
        if (failures)
          failures->push_back("cannot remove " + layout.ref(ref.alias).string() + ": " +
                              ec.message());
        continue;
      }
      if (removed) removed->push_back(ref.alias);
    }
}

bool place_file(const fs::path& from, const fs::path& to) {
  // Hard link when on the same file system, else copy; replace atomically.
  std::error_code ec;
  fs::path tmp = to;
  tmp += "." + unique_suffix() + ".tmp";
  if (::link(from.c_str(), tmp.c_str()) != 0) {
    fs::copy_file(from, tmp, fs::copy_options::overwrite_existing, ec);
    if (ec) throw Error("exporting " + from.string() + " to " + to.string() + ": " + ec.message());
  }
  fs::rename(tmp, to, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw Error("exporting to " + to.string() + ": " + ec.message());
  }
  return true;
}

}  // namespace

std::size_t VerifyReport::bad() const {
  return static_cast<std::size_t>(
      std::count_if(items.begin(), items.end(), [](const VerifyItem& i) { return !i.ok; }));
}

std::vector<CacheEntry> Store::list() const {
  Layout layout{config_.root};
  std::vector<CacheEntry> out;
  std::map<std::string, std::vector<std::pair<std::string, bool>>> aliases;
  for (const auto& ref : read_alias_records(layout))
    aliases[ref.sha256].emplace_back(ref.alias, ref.pinned);
  std::error_code ec;
  for (auto it = fs::directory_iterator(layout.blobs(), ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    std::string hex = it->path().filename().string();
    if (!is_full_digest(hex)) continue;
    CacheEntry e;
    e.sha256 = hex;
    e.path = it->path();
    std::error_code size_ec;
    e.size = fs::file_size(it->path(), size_ec);
    const auto loaded = load_blob_record(layout, hex);
    e.problem = loaded.problem;
    const BlobRecord meta = loaded.record.value_or(BlobRecord{});
    e.verification = meta.verification;
    e.tofu_prefix = meta.tofu_prefix;
    e.files = meta.files;
    e.sources = meta.sources;
    e.added = from_seconds(meta.added);
    e.last_used = from_seconds(meta.last_used ? meta.last_used : meta.added);
    e.last_verified = from_seconds(meta.last_verified);
    for (const auto& [alias, pinned] : aliases[hex]) {
      e.aliases.push_back(alias);
      e.pinned = e.pinned || pinned;
    }
    out.push_back(std::move(e));
  }
  std::sort(out.begin(), out.end(),
            [](const CacheEntry& a, const CacheEntry& b) { return a.last_used > b.last_used; });
  return out;
}

VerifyReport Store::verify(const VerifyOptions& options) {
  Layout layout{config_.root};
  VerifyReport report;
  if (!fs::exists(layout.root)) return report;
  layout.ensure();
  if (!fs::exists(layout.root / "CACHEDIR.TAG"))
    report.problems.push_back("CACHEDIR.TAG is missing");
  std::set<std::string> selected;
  for (const auto& name : options.names)
    for (const auto& hex : resolve_some(layout, name)) selected.insert(hex);

  const std::int64_t now = now_seconds();
  std::error_code ec;
  for (auto it = fs::directory_iterator(layout.blobs(), ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    std::string hex = it->path().filename().string();
    if (!is_full_digest(hex)) {
      report.problems.push_back("stray file in the store: " + it->path().string());
      continue;
    }
    if (!selected.empty() && !selected.count(hex)) continue;
    VerifyItem item;
    item.sha256 = hex;
    item.path = it->path();
    const auto loaded = load_blob_record(layout, hex);
    if (!loaded.problem.empty()) report.problems.push_back(loaded.problem);
    const auto identity = FileIdentity::of(it->path());
    const bool changed = !loaded.record || !loaded.record->verified_identity || !identity ||
                         *loaded.record->verified_identity != *identity ||
                         (loaded.record->size && *loaded.record->size != identity->size);
    const std::int64_t age = loaded.record ? now - loaded.record->last_verified : now;
    if (options.all)
      item.why_rehashed = "--all";
    else if (!selected.empty())
      item.why_rehashed = "named";
    else if (changed)
      item.why_rehashed = "changed since hashed";
    else if (age > options.rehash_after.count())
      item.why_rehashed = "not hashed for " + std::to_string(age / 86400) + " days";
    if (!item.why_rehashed.empty()) {
      item.rehashed = true;
      try {
        item.actual = sha256_file(it->path());
      } catch (const std::exception& e) {
        item.problem = e.what();
      }
      std::error_code move_ec;
      if (item.actual != hex) {
        item.ok = false;
        if (item.problem.empty())
          item.problem = "content does not match its name (sha256 " + item.actual + ")";
        MetaLock lock(layout);
        item.quarantined_to = layout.quarantine_slot(hex);
        fs::rename(it->path(), item.quarantined_to, move_ec);
        if (move_ec) {
          item.problem += "; cannot move it to quarantine: " + move_ec.message();
          item.quarantined_to.clear();
        } else {
          fs::remove(layout.meta(hex), move_ec);
          std::vector<std::string> refs;
          remove_refs_to(layout, read_alias_records(layout), hex, &refs, &report.problems);
          if (!refs.empty()) {
            item.problem += "; removed aliases:";
            for (const auto& r : refs) item.problem += " " + r;
            item.problem += " (pull them again)";
          }
        }
      } else if (identity) {
        try {
          update_blob_record(layout, hex, [&](BlobRecord& m) {
            m.size = identity->size;
            if (!m.added) m.added = now_seconds();
            m.last_verified = now_seconds();
            m.verified_identity = identity;
          });
        } catch (const std::exception& e) {
          report.problems.push_back("cannot record the check of " + hex.substr(0, 12) + ": " +
                                    e.what());
        }
      }
    }
    report.items.push_back(std::move(item));
  }
  for (const auto& ref : read_alias_records(layout, &report.problems)) {
    if (!fs::exists(layout.blob(ref.sha256)))
      report.problems.push_back("alias " + ref.alias + " points at a missing file " + ref.sha256);
  }
  return report;
}

namespace {

// A non-blocking flock on the blob's download lock: held, no pull of that
// digest is downloading or committing it meanwhile.
class TryLock {
 public:
  explicit TryLock(const fs::path& path)
      : fd_(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)) {
    held_ = fd_ >= 0 && ::flock(fd_, LOCK_EX | LOCK_NB) == 0;
  }
  ~TryLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  TryLock(const TryLock&) = delete;
  TryLock& operator=(const TryLock&) = delete;
  bool held() const { return held_; }

 private:
  int fd_;
  bool held_ = false;
};

}  // namespace

PruneReport Store::prune(const PruneOptions& options) {
  Layout layout{config_.root};
  PruneReport report;
  if (!fs::exists(layout.blobs())) return report;
  const auto now = std::chrono::system_clock::now();
  std::vector<CacheEntry> entries = list();
  std::sort(entries.begin(), entries.end(),
            [](const CacheEntry& a, const CacheEntry& b) { return a.last_used < b.last_used; });
  std::uint64_t total = 0;
  for (const auto& e : entries) total += e.size;
  // Pulls record uses and aliases under the MetaLock: holding it while
  // evicting, no alias can be written for a blob between our check and
  // its removal (which left dangling refs).
  std::optional<MetaLock> lock;
  if (!options.dry_run) {
    try {
      layout.ensure();
      lock.emplace(layout);
    } catch (const std::exception& e) {
      throw Error("cache prune: cannot lock the cache at " + layout.root.string() + ": " +
                  e.what() + "; nothing was removed (a read-only cache cannot be pruned)");
    }
  }
  // Read once: while the lock is held no alias is written, pinned or unpinned.
  const std::vector<AliasRecord> refs =
      lock ? read_alias_records(layout) : std::vector<AliasRecord>{};
  std::vector<bool> gone(entries.size(), false);
  auto evict = [&](std::size_t i) {
    const CacheEntry& e = entries[i];
    if (e.pinned) {
      if (std::find(report.kept_pinned.begin(), report.kept_pinned.end(), e.sha256) ==
          report.kept_pinned.end())
        report.kept_pinned.push_back(e.sha256);
      return;
    }
    gone[i] = true;
    if (options.dry_run) {
      total -= e.size;
      report.freed += e.size;
      report.removed.push_back(e);
      return;
    }
    // Checked again under the locks: a blob used, re-aliased, pinned or
    // being downloaded since list() stays.
    TryLock download(layout.lock(e.sha256));
    const auto record = load_blob_record(layout, e.sha256).record;
    const std::int64_t used = record ? (record->last_used ? record->last_used : record->added) : 0;
    const bool pinned_now = std::any_of(refs.begin(), refs.end(), [&](const AliasRecord& ref) {
      return ref.sha256 == e.sha256 && ref.pinned;
    });
    if (!download.held() ||
        used > std::chrono::duration_cast<std::chrono::seconds>(e.last_used.time_since_epoch())
                   .count() ||
        pinned_now) {
      report.kept_in_use.push_back(e.sha256);
      return;
    }
    if (auto failure = remove_blob(layout, e.sha256)) {
      report.failures.push_back(*failure);
      return;
    }
    remove_refs_to(layout, refs, e.sha256, nullptr, &report.failures);
    total -= e.size;
    report.freed += e.size;
    report.removed.push_back(e);
  };
  if (options.older_than)
    for (std::size_t i = 0; i < entries.size(); ++i)
      if (now - entries[i].last_used > *options.older_than) evict(i);
  if (options.max_size)
    for (std::size_t i = 0; i < entries.size() && total > *options.max_size; ++i)
      if (!gone[i]) evict(i);
  report.remaining = total;
  lock.reset();

  // Abandoned partial files: untouched for a while and their download lock
  // is free. The age matters as much as the lock: partials written without
  // the lock (lock_downloads off, torch.hub imports) have none to test.
  std::error_code ec;
  const auto grace = options.older_than ? std::max(*options.older_than, options.partial_grace)
                                        : options.partial_grace;
  for (auto it = fs::directory_iterator(layout.partials(), ec);
       !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const std::string n = it->path().filename().string();
    const auto age =
        std::chrono::nanoseconds(std::chrono::system_clock::now().time_since_epoch().count()) -
        std::chrono::nanoseconds(mtime_ns(it->path()));
    if (age < grace) continue;
    const auto key = partial_lock_key(n);
    std::optional<TryLock> partial_lock;
    if (key) {
      partial_lock.emplace(layout.lock(*key));
      if (!partial_lock->held()) continue;
    }
    // Removed while holding the lock, so no puller adopts it meanwhile.
    if (!options.dry_run) {
      std::error_code rm_ec;
      fs::remove(it->path(), rm_ec);
      if (rm_ec) {
        report.failures.push_back("cannot remove " + it->path().string() + ": " + rm_ec.message());
        continue;
      }
    }
    ++report.partials_removed;
  }
  return report;
}

RemoveReport Store::remove(const std::string& name_or_digest, bool force) {
  Layout layout{config_.root};
  RemoveReport report;
  layout.ensure();
  MetaLock lock(layout);
  // An alias, or a several-file variant's alias (all its files' aliases):
  // the aliases go, and each blob no other alias uses.
  std::vector<std::string> aliases;
  if (is_valid_alias(name_or_digest)) {
    aliases = {name_or_digest};
    if (!load_alias_record(layout, name_or_digest).record)
      aliases = file_aliases_of_variant(layout, name_or_digest);
  }
  if (!aliases.empty()) {
    std::vector<AliasRecord> refs;
    for (const auto& alias : aliases) {
      auto ref = load_alias_record(layout, alias).record;
      if (!ref) continue;
      if (ref->pinned && !force)
        throw Error("alias " + alias + " is pinned; unpin it first (modelzoo cache unpin " + alias +
                    ") or remove it anyway with --force");
      refs.push_back(std::move(*ref));
    }
    std::error_code ec;
    for (const auto& ref : refs) {
      layout.check_ref_parents(ref.alias);
      fs::remove(layout.ref(ref.alias), ec);
      if (ec) throw Error("cannot remove " + layout.ref(ref.alias).string() + ": " + ec.message());
      report.removed_aliases.push_back(ref.alias);
    }
    if (aliases.front() != name_or_digest) {
      layout.check_ref_parents(name_or_digest + "/x");
      fs::remove(layout.refs() / name_or_digest, ec);
    }
    const auto remaining = read_alias_records(layout);
    for (const auto& ref : refs) {
      const std::string& hex = ref.sha256;
      const bool used = std::any_of(remaining.begin(), remaining.end(),
                                    [&](const AliasRecord& other) { return other.sha256 == hex; });
      if (!used && fs::exists(layout.blob(hex)) &&
          std::find(report.removed_blobs.begin(), report.removed_blobs.end(), hex) ==
              report.removed_blobs.end()) {
        if (auto failure = remove_blob(layout, hex)) throw Error(*failure);
        report.removed_blobs.push_back(hex);
      }
    }
    return report;
  }
  std::string hex = resolve_one(layout, name_or_digest);
  for (const auto& ref : read_alias_records(layout))
    if (ref.sha256 == hex && ref.pinned && !force)
      throw Error(hex.substr(0, 12) + " is pinned by " + ref.alias +
                  "; unpin it first (modelzoo cache unpin " + ref.alias +
                  ") or remove it anyway with --force");
  if (auto failure = remove_blob(layout, hex)) throw Error(*failure);
  remove_refs_to(layout, read_alias_records(layout), hex, &report.removed_aliases);
  report.removed_blobs.push_back(hex);
  return report;
}

fs::path Store::path_of(const std::string& name_or_digest) const {
  Layout layout{config_.root};
  std::string hex = resolve_one(layout, name_or_digest);
  if (!fs::exists(layout.blob(hex)))
    throw Error("\"" + name_or_digest + "\" points at " + hex +
                ", which is not in the cache; pull it again");
  return layout.blob(hex);
}

void Store::pin(const std::string& alias, bool pinned) {
  Layout layout{config_.root};
  auto missing = [&](const std::string& a) {
    return Error("cannot pin " + a + ": no such alias in the cache (pull it first)");
  };
  if (!is_valid_alias(alias)) throw missing(alias);
  layout.ensure();
  MetaLock lock(layout);
  std::vector<std::string> aliases{alias};
  if (!load_alias_record(layout, alias).record) aliases = file_aliases_of_variant(layout, alias);
  if (aliases.empty()) throw missing(alias);
  for (const auto& a : aliases) {
    auto ref = load_alias_record(layout, a).record;
    if (!ref) throw missing(a);
    ref->pinned = pinned;
    store_alias_record(layout, *ref);
  }
}

MirrorExportReport Store::export_mirror(const fs::path& dir,
                                        const std::vector<std::string>& names) {
  Layout layout{config_.root};
  MirrorExportReport report;
  report.dir = dir;
  std::vector<CacheEntry> all = list();
  std::set<std::string> selected;
  for (const auto& name : names)
    for (const auto& hex : resolve_some(layout, name)) selected.insert(hex);
  std::vector<const CacheEntry*> chosen;
  for (const auto& e : all)
    if (selected.empty() || selected.count(e.sha256)) chosen.push_back(&e);
  std::map<std::string, std::set<std::string>> by_name;
  for (const CacheEntry* e : chosen)
    for (const auto& f : e->files) by_name[f].insert(e->sha256);

  std::error_code ec;
  fs::create_directories(dir / "sha256", ec);
  if (ec)
    throw Error("mirror export: cannot create " + (dir / "sha256").string() + ": " + ec.message());
  nlohmann::json index = nlohmann::json::array();
  for (const CacheEntry* e : chosen) {
    place_file(e->path, dir / "sha256" / e->sha256);
    report.digests.push_back(e->sha256);
    report.bytes += e->size;
    nlohmann::json files = nlohmann::json::array();
    for (const auto& f : e->files) {
      if (by_name[f].size() > 1) {
        // Two different files published under one name: only by digest.
        if (std::find(report.skipped.begin(), report.skipped.end(), f) == report.skipped.end())
          report.skipped.push_back(f);
        continue;
      }
      // Records are validated when read; this keeps the export directory
      // the only place written even if that ever changes.
      if (!is_plain_file_name(f) || f == "index.json" || f == "sha256") {
        report.skipped.push_back(f);
        continue;
      }
      place_file(e->path, dir / f);
      report.names.push_back(f);
      files.push_back(f);
    }
    index.push_back(
        {{"sha256", e->sha256}, {"size", e->size}, {"files", files}, {"aliases", e->aliases}});
  }
  write_json_atomic(dir / "index.json", index);
  return report;
}

MirrorExportReport Store::export_mirror(const fs::path& dir,
                                        const std::vector<PullRequest>& variants,
                                        const PullOptions& options, ProgressSink* progress) {
  std::vector<std::string> digests;
  for (const auto& request : variants) digests.push_back(pull(request, options, progress).sha256);
  if (digests.empty()) throw Error("mirror export: no variants given");
  return export_mirror(dir, digests);
}

// ------------------------------------------------------------------ JSON ---

namespace {
std::int64_t seconds_of(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}
}  // namespace

nlohmann::json to_json(const PullResult& r) {
  return {{"path", r.path.string()},
          {"sha256", r.sha256},
          {"size", r.size},
          {"source", to_string(r.source)},
          {"verification", to_string(r.verification)},
          {"url", r.url},
          {"bytes_transferred", r.bytes_transferred},
          {"resumed_from", r.resumed_from},
          {"attempts", r.attempts},
          {"waited_for_other_process", r.waited_for_other_process},
          {"hit_check", to_string(r.hit_check)},
          {"hashed_at", seconds_of(r.hashed_at)}};
}

nlohmann::json to_json(const CacheEntry& e) {
  nlohmann::json j = {{"sha256", e.sha256},
                      {"path", e.path.string()},
                      {"size", e.size},
                      {"verification", to_string(e.verification)},
                      {"aliases", e.aliases},
                      {"files", e.files},
                      {"sources", e.sources},
                      {"pinned", e.pinned},
                      {"added", seconds_of(e.added)},
                      {"last_used", seconds_of(e.last_used)},
                      {"last_verified", seconds_of(e.last_verified)}};
  if (!e.tofu_prefix.empty()) j["tofu_prefix"] = e.tofu_prefix;
  if (!e.problem.empty()) j["problem"] = e.problem;
  return j;
}

nlohmann::json to_json(const VerifyReport& report) {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& i : report.items) {
    nlohmann::json j = {
        {"sha256", i.sha256}, {"path", i.path.string()}, {"ok", i.ok}, {"rehashed", i.rehashed}};
    if (i.rehashed) j["why_rehashed"] = i.why_rehashed;
    if (!i.ok) {
      j["actual"] = i.actual;
      j["problem"] = i.problem;
      j["quarantined_to"] = i.quarantined_to.string();
    }
    items.push_back(j);
  }
  return {{"intact", report.intact()},
          {"bad", report.bad()},
          {"items", items},
          {"problems", report.problems}};
}

nlohmann::json to_json(const PruneReport& report) {
  nlohmann::json removed = nlohmann::json::array();
  for (const auto& e : report.removed) removed.push_back(to_json(e));
  return {{"removed", removed},
          {"freed", report.freed},
          {"remaining", report.remaining},
          {"kept_pinned", report.kept_pinned},
          {"kept_in_use", report.kept_in_use},
          {"failures", report.failures},
          {"partials_removed", report.partials_removed}};
}

std::uint64_t parse_size(const std::string& text) {
  std::size_t pos = 0;
  double value = 0;
  try {
    value = std::stod(text, &pos);
  } catch (...) {
    throw Error("invalid size \"" + text + "\" (expected e.g. 500M, 10G, 1.5GiB)");
  }
  std::string unit = text.substr(pos);
  std::transform(unit.begin(), unit.end(), unit.begin(),
                 [](unsigned char c) { return std::toupper(c); });
  if (unit.size() > 1 && unit.back() == 'B') unit.pop_back();
  if (unit.size() == 2 && unit.back() == 'I') unit.pop_back();
  double scale = 1;
  if (unit.empty() || unit == "B")
    scale = 1;
  else if (unit == "K")
    scale = 1024.0;
  else if (unit == "M")
    scale = 1024.0 * 1024;
  else if (unit == "G")
    scale = 1024.0 * 1024 * 1024;
  else if (unit == "T")
    scale = 1024.0 * 1024 * 1024 * 1024;
  else
    throw Error("invalid size unit in \"" + text + "\" (use K, M, G or T)");
  if (value < 0) throw Error("invalid size \"" + text + "\": negative");
  return static_cast<std::uint64_t>(std::llround(value * scale));
}

std::chrono::seconds parse_duration(const std::string& text) {
  std::size_t pos = 0;
  long long value = 0;
  try {
    value = std::stoll(text, &pos);
  } catch (...) {
    throw Error("invalid duration \"" + text + "\" (expected e.g. 30d, 12h, 90m, 45s)");
  }
  std::string unit = text.substr(pos);
  if (value < 0) throw Error("invalid duration \"" + text + "\": negative");
  if (unit.empty() || unit == "s") return std::chrono::seconds(value);
  if (unit == "m") return std::chrono::seconds(value * 60);
  if (unit == "h") return std::chrono::seconds(value * 3600);
  if (unit == "d") return std::chrono::seconds(value * 86400);
  if (unit == "w") return std::chrono::seconds(value * 7 * 86400);
  throw Error("invalid duration unit in \"" + text + "\" (use s, m, h, d or w)");
}

}  // namespace modelzoo::cache

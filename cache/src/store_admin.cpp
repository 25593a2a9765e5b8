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

#include "modelzoo/cache/sha256.h"
#include "modelzoo/cache/store.h"
#include "modelzoo/sdk/error.h"
#include "store_layout.h"

namespace modelzoo::cache {
namespace {

std::int64_t mtime_ns(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return -1;
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
}

std::vector<std::string> strings(const nlohmann::json& array) {
  std::vector<std::string> out;
  if (array.is_array())
    for (const auto& v : array)
      if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

bool looks_like_digest(const std::string& s) {
  if (s.size() < 8 || s.size() > 64) return false;
  std::string body = s.rfind("sha256:", 0) == 0 ? s.substr(7) : s;
  return std::all_of(body.begin(), body.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// The aliases of a several-file variant's files ("family/entry.TAG/<file>")
// when `name` is the variant's alias; empty otherwise.
std::vector<std::string> file_aliases_of_variant(const Layout& layout, const std::string& name) {
  std::vector<std::string> out;
  if (name.find('/') == std::string::npos) return out;
  const std::string prefix = name + "/";
  for (const auto& [alias, ref] : read_refs(layout))
    if (alias.rfind(prefix, 0) == 0) out.push_back(alias);
  return out;
}

// Digests under blobs/ that `name` denotes: an alias (a several-file
// variant's denotes all its files), or a digest prefix.
std::vector<std::string> resolve(const Layout& layout, const std::string& name) {
  if (name.find('/') != std::string::npos || !looks_like_digest(name)) {
    if (auto ref = read_json(layout.ref(name))) return {ref->value("sha256", "")};
  }
  std::vector<std::string> out;
  for (const auto& alias : file_aliases_of_variant(layout, name))
    if (auto ref = read_json(layout.ref(alias))) out.push_back(ref->value("sha256", ""));
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
    for (const auto& [alias, ref] : read_refs(layout)) {
      if (alias == name || (alias.size() > name.size() &&
                            alias.compare(alias.size() - name.size(), name.size(), name) == 0 &&
                            alias[alias.size() - name.size() - 1] == '/'))
        out.push_back(ref.value("sha256", ""));
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

void remove_blob(const Layout& layout, const std::string& hex) {
  std::error_code ec;
  fs::remove(layout.blob(hex), ec);
  fs::remove(layout.meta(hex), ec);
}

void remove_refs_to(const Layout& layout, const std::string& hex,
                    std::vector<std::string>* removed) {
  for (const auto& [alias, ref] : read_refs(layout))
    if (ref.value("sha256", "") == hex) {
      std::error_code ec;
      fs::remove(layout.ref(alias), ec);
      if (removed) removed->push_back(alias);
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
  for (const auto& [alias, ref] : read_refs(layout))
    aliases[ref.value("sha256", "")].emplace_back(alias, ref.value("pinned", false));
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
    auto meta = read_json(layout.meta(hex)).value_or(nlohmann::json::object());
    e.verification = meta.value("verification", "full_digest") == "tofu"
                         ? Verification::tofu
                         : Verification::full_digest;
    e.tofu_prefix = meta.value("tofu_prefix", "");
    e.files = strings(meta.value("files", nlohmann::json::array()));
    e.sources = strings(meta.value("sources", nlohmann::json::array()));
    e.added = from_seconds(meta.value("added", std::int64_t{0}));
    e.last_used = from_seconds(meta.value("last_used", meta.value("added", std::int64_t{0})));
    e.last_verified = from_seconds(meta.value("last_verified", std::int64_t{0}));
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
  if (!fs::exists(layout.root / "CACHEDIR.TAG"))
    report.problems.push_back("CACHEDIR.TAG is missing");
  std::set<std::string> selected;
  for (const auto& name : options.names)
    for (const auto& hex : resolve_some(layout, name)) selected.insert(hex);

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
    auto meta = read_json(layout.meta(hex)).value_or(nlohmann::json::object());
    std::error_code size_ec;
    std::uint64_t size = fs::file_size(it->path(), size_ec);
    bool changed = !meta.contains("size") || meta["size"].get<std::uint64_t>() != size ||
                   meta.value("verified_mtime_ns", std::int64_t{-2}) != mtime_ns(it->path());
    if (options.all || changed || !selected.empty()) {
      item.rehashed = true;
      try {
        item.actual = sha256_file(it->path());
      } catch (const std::exception& e) {
        item.problem = e.what();
      }
      if (item.actual != hex) {
        item.ok = false;
        if (item.problem.empty())
          item.problem = "content does not match its name (sha256 " + item.actual + ")";
        item.quarantined_to = layout.quarantine() / (hex + "." + std::to_string(now_seconds()));
        fs::rename(it->path(), item.quarantined_to, size_ec);
        if (size_ec) item.quarantined_to.clear();
        fs::remove(layout.meta(hex), size_ec);
        std::vector<std::string> refs;
        remove_refs_to(layout, hex, &refs);
        if (!refs.empty()) {
          item.problem += "; removed aliases:";
          for (const auto& r : refs) item.problem += " " + r;
          item.problem += " (pull them again)";
        }
      } else {
        std::int64_t mt = mtime_ns(it->path());
        update_meta(layout, hex, [&](nlohmann::json& m) {
          m["sha256"] = hex;
          m["size"] = size;
          if (!m.contains("added")) m["added"] = now_seconds();
          m["last_verified"] = now_seconds();
          m["verified_mtime_ns"] = mt;
        });
      }
    }
    report.items.push_back(std::move(item));
  }
  for (const auto& [alias, ref] : read_refs(layout)) {
    std::string hex = ref.value("sha256", "");
    if (!fs::exists(layout.blob(hex)))
      report.problems.push_back("alias " + alias + " points at a missing file " + hex);
  }
  return report;
}

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
    total -= e.size;
    report.freed += e.size;
    report.removed.push_back(e);
    if (!options.dry_run) {
      remove_refs_to(layout, e.sha256, nullptr);
      remove_blob(layout, e.sha256);
    }
  };
  if (options.older_than)
    for (std::size_t i = 0; i < entries.size(); ++i)
      if (now - entries[i].last_used > *options.older_than) evict(i);
  if (options.max_size)
    for (std::size_t i = 0; i < entries.size() && total > *options.max_size; ++i)
      if (!gone[i]) evict(i);
  report.remaining = total;

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
    if (key) {
      int fd = ::open(layout.lock(*key).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
      if (fd < 0) continue;
      const bool free = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
      // Removed while holding the lock, so no puller adopts it meanwhile.
      if (free && !options.dry_run) {
        std::error_code rm_ec;
        fs::remove(it->path(), rm_ec);
      }
      ::close(fd);
      if (!free) continue;
    } else if (!options.dry_run) {
      std::error_code rm_ec;
      fs::remove(it->path(), rm_ec);
    }
    ++report.partials_removed;
  }
  return report;
}

RemoveReport Store::remove(const std::string& name_or_digest, bool force) {
  Layout layout{config_.root};
  RemoveReport report;
  MetaLock lock(layout);
  // An alias, or a several-file variant's alias (all its files' aliases):
  // the aliases go, and each blob no other alias uses.
  std::vector<std::string> aliases{name_or_digest};
  if (!fs::exists(layout.ref(name_or_digest)))
    aliases = file_aliases_of_variant(layout, name_or_digest);
  if (!aliases.empty()) {
    std::vector<nlohmann::json> refs;
    for (const auto& alias : aliases) {
      refs.push_back(read_json(layout.ref(alias)).value_or(nlohmann::json::object()));
      if (refs.back().value("pinned", false) && !force)
        throw Error("alias " + alias + " is pinned; unpin it first or force the removal");
    }
    std::error_code ec;
    for (const auto& alias : aliases) {
      fs::remove(layout.ref(alias), ec);
      report.removed_aliases.push_back(alias);
    }
    if (aliases.front() != name_or_digest) fs::remove(layout.refs() / name_or_digest, ec);
    const auto remaining = read_refs(layout);
    for (const auto& ref : refs) {
      const std::string hex = ref.value("sha256", "");
      const bool used = std::any_of(remaining.begin(), remaining.end(), [&](const auto& other) {
        return other.second.value("sha256", "") == hex;
      });
      if (!used && fs::exists(layout.blob(hex)) &&
          std::find(report.removed_blobs.begin(), report.removed_blobs.end(), hex) ==
              report.removed_blobs.end()) {
        remove_blob(layout, hex);
        report.removed_blobs.push_back(hex);
      }
    }
    return report;
  }
  std::string hex = resolve_one(layout, name_or_digest);
  for (const auto& [alias, ref] : read_refs(layout))
    if (ref.value("sha256", "") == hex && ref.value("pinned", false) && !force)
      throw Error(hex.substr(0, 12) + " is pinned by " + alias +
                  "; unpin it first or force the removal");
  remove_refs_to(layout, hex, &report.removed_aliases);
  remove_blob(layout, hex);
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
  MetaLock lock(layout);
  std::vector<std::string> aliases{alias};
  if (!fs::exists(layout.ref(alias))) aliases = file_aliases_of_variant(layout, alias);
  if (aliases.empty())
    throw Error("cannot pin " + alias + ": no such alias in the cache (pull it first)");
  for (const auto& a : aliases) {
    auto ref = read_json(layout.ref(a));
    if (!ref) throw Error("cannot pin " + a + ": no such alias in the cache (pull it first)");
    (*ref)["pinned"] = pinned;
    write_json_atomic(layout.ref(a), *ref);
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
          {"waited_for_other_process", r.waited_for_other_process}};
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
  return j;
}

nlohmann::json to_json(const VerifyReport& report) {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& i : report.items) {
    nlohmann::json j = {
        {"sha256", i.sha256}, {"path", i.path.string()}, {"ok", i.ok}, {"rehashed", i.rehashed}};
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

#include "modelzoo/host/registry_cache.h"

#include <sys/stat.h>

#include <fstream>
#include <iterator>

#include "modelzoo/host/atomic_file.h"
#include "modelzoo/host/paths.h"

namespace modelzoo {

namespace {
constexpr int kFormat = 1;
}  // namespace

std::optional<FileStamp> stamp_of(const std::string& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  FileStamp s;
  s.size = static_cast<uint64_t>(st.st_size);
  s.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  s.inode = static_cast<uint64_t>(st.st_ino);
  return s;
}

std::filesystem::path RegistryCache::default_file() {
  return cache_root() / "registry" / "plugins-v1.cbor";
}

RegistryCache RegistryCache::load(const std::filesystem::path& file, const nlohmann::json& host,
                                  bool ignore_existing) {
  RegistryCache cache;
  cache.file_ = file;
  cache.host_ = host;
  cache.dirty_ = ignore_existing;
  std::string bytes;
  if (ignore_existing || file.empty() || !read_whole_file(file.string(), &bytes)) return cache;
  const auto doc = nlohmann::json::from_cbor(bytes, /*strict=*/true, /*allow_exceptions=*/false);
  if (!doc.is_object() || doc.value("format", 0) != kFormat || doc.value("host", nlohmann::json()) != host ||
      !doc.contains("plugins") || !doc["plugins"].is_object()) {
    cache.reset_ = true;
    cache.dirty_ = true;
    return cache;
  }
  try {
    for (auto it = doc["plugins"].begin(); it != doc["plugins"].end(); ++it) {
      const auto& e = it.value();
      CachedPlugin p;
      p.stamp.size = e.at("size").get<uint64_t>();
      p.stamp.mtime_ns = e.at("mtime_ns").get<int64_t>();
      p.stamp.inode = e.at("inode").get<uint64_t>();
      p.sha256 = e.at("sha256").get<std::string>();
      p.manifest_text = e.at("manifest").get<std::string>();
      p.read_error = e.at("read_error").get<std::string>();
      p.probe_state = e.at("probe_state").get<std::string>();
      p.probe_reason = e.at("probe_reason").get<std::string>();
      p.trust_fingerprint = e.at("trust_fingerprint").get<std::string>();
      p.trust_verdict = e.at("trust_verdict");
      cache.entries_.emplace(it.key(), std::move(p));
    }
  } catch (const std::exception&) {
    cache.entries_.clear();  // a damaged cache is rebuilt, never trusted in part
    cache.reset_ = true;
    cache.dirty_ = true;
  }
  return cache;
}

const CachedPlugin* RegistryCache::find(const std::string& path, const FileStamp& stamp) const {
  auto it = entries_.find(path);
  if (it == entries_.end() || !(it->second.stamp == stamp)) return nullptr;
  return &it->second;
}

void RegistryCache::put(const std::string& path, CachedPlugin entry) {
  entries_[path] = std::move(entry);
  dirty_ = true;
}

void RegistryCache::drop_missing(const std::map<std::string, bool>& seen) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (!seen.count(it->first) && !stamp_of(it->first)) {
      it = entries_.erase(it);
      dirty_ = true;
    } else {
      ++it;
    }
  }
}

void RegistryCache::save() {
  if (!dirty_ || file_.empty()) return;
  nlohmann::json plugins = nlohmann::json::object();
  for (const auto& [path, p] : entries_) {
    plugins[path] = {{"size", p.stamp.size},
                     {"mtime_ns", p.stamp.mtime_ns},
                     {"inode", p.stamp.inode},
                     {"sha256", p.sha256},
                     {"manifest", p.manifest_text},
                     {"read_error", p.read_error},
                     {"probe_state", p.probe_state},
                     {"probe_reason", p.probe_reason},
                     {"trust_fingerprint", p.trust_fingerprint},
                     {"trust_verdict", p.trust_verdict}};
  }
  const nlohmann::json doc = {{"format", kFormat}, {"host", host_}, {"plugins", plugins}};
  const auto bytes = nlohmann::json::to_cbor(doc);
  write_file_atomically(file_.string(), std::string(bytes.begin(), bytes.end()), 0644);
  dirty_ = false;
}

}  // namespace modelzoo

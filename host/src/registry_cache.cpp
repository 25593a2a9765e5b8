#include "modelzoo/host/registry_cache.h"

#include <sys/stat.h>

#include <cstring>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "modelzoo/host/paths.h"
#include "modelzoo/sdk/atomic_file.h"
#include "modelzoo/sdk/byte_record.h"

namespace modelzoo {

namespace {

constexpr char kMagic[8] = {'M', 'Z', 'R', 'E', 'G', 'v', '6', '\n'};
// The file ends with a checksum of everything before it (8 bytes): any
// damaged byte drops the whole cache instead of turning into a wrong
// verdict. Not a cryptographic digest, on purpose: whoever can write the
// file can write any digest too, so SHA-256 protected against nothing more
// and cost every start libcrypto (1.6 ms to load) and its initialisation.
constexpr size_t kChecksumBytes = 8;

// Four lanes of FNV-1a over 64-bit little-endian words, then the tail bytes
// and the length, mixed. Each step (h ^ w) * odd is a bijection of h, so a
// change confined to one word always changes the result. ~4× the speed of
// SHA-256 here, and no library.
uint64_t checksum(std::string_view bytes) {
  constexpr uint64_t kPrime = 0x100000001b3ULL;
  uint64_t lane[4] = {0xcbf29ce484222325ULL, 0x84222325cbf29ce4ULL, 0x9ce484222325cbf2ULL,
                      0x2325cbf29ce48422ULL};
  const char* p = bytes.data();
  size_t n = bytes.size();
  auto word = [](const char* q) {
    uint64_t w = 0;
    for (int i = 0; i < 8; ++i)
      w |= static_cast<uint64_t>(static_cast<unsigned char>(q[i])) << (8 * i);
    return w;
  };
  for (; n >= 32; p += 32, n -= 32)
    for (int i = 0; i < 4; ++i) lane[i] = (lane[i] ^ word(p + 8 * i)) * kPrime;
  uint64_t h = lane[0] ^ (lane[1] << 1 | lane[1] >> 63) ^ (lane[2] << 2 | lane[2] >> 62) ^
               (lane[3] << 3 | lane[3] >> 61);
  for (; n > 0; ++p, --n) h = (h ^ static_cast<unsigned char>(*p)) * kPrime;
  h = (h ^ bytes.size()) * kPrime;
  h ^= h >> 29;
  h *= 0xbf58476d1ce4e5b9ULL;
  return h ^ (h >> 32);
}

}  // namespace

std::optional<FileStamp> stamp_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  FileStamp s;
  s.size = static_cast<uint64_t>(st.st_size);
  s.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  s.inode = static_cast<uint64_t>(st.st_ino);
  s.device = static_cast<uint64_t>(st.st_dev);
  // ctime cannot be set from user space: a file rewritten in place with its
  // mtime restored (cp -p, rsync -t, touch -r) still gets a new one.
  s.ctime_ns = static_cast<int64_t>(st.st_ctim.tv_sec) * 1000000000 + st.st_ctim.tv_nsec;
  return s;
}

std::filesystem::path RegistryCache::default_file() {
  return cache_root() / "registry" / "plugins-v6.bin";
}

std::string RegistryCache::encode(const std::map<std::string, CachedPlugin>& entries,
                                  const std::string& host) {
  std::string out(kMagic, sizeof kMagic);
  put_text(out, host);
  // The shared probe dependency sets first, each once; entries refer to
  // them by position (0: none).
  std::map<const ProbeDependencies*, uint64_t> position;
  std::vector<const ProbeDependencies*> sets;
  for (const auto& [path, p] : entries)
    if (p.probe_depends && position.emplace(p.probe_depends.get(), sets.size() + 1).second)
      sets.push_back(p.probe_depends.get());
  put_u64(out, sets.size());
  for (const ProbeDependencies* set : sets) {
    put_text(out, set->paths);
    put_text(out, set->fingerprint);
  }
  put_u64(out, entries.size());
  for (const auto& [path, p] : entries) {
    put_text(out, path);
    put_u64(out, p.stamp.size);
    put_u64(out, static_cast<uint64_t>(p.stamp.mtime_ns));
    put_u64(out, p.stamp.inode);
    put_u64(out, p.stamp.device);
    put_u64(out, static_cast<uint64_t>(p.stamp.ctime_ns));
    for (const std::string* field : {&p.sha256, &p.manifest_sha256, &p.index_text, &p.read_error,
                                     &p.probe_state, &p.probe_reason})
      put_text(out, *field);
    put_u64(out, p.probe_depends ? position.at(p.probe_depends.get()) : 0);
    put_text(out, p.trust_fingerprint);
    put_text(out, p.trust_verdict);
  }
  return seal(std::move(out));
}

std::string RegistryCache::seal(std::string body) {
  put_u64(body, checksum(body));
  return body;
}

std::map<std::string, CachedPlugin> RegistryCache::decode(const std::string& bytes,
                                                          const std::string& host) {
  if (bytes.size() < sizeof kMagic + kChecksumBytes)
    throw std::runtime_error("truncated registry cache");
  const std::string_view body(bytes.data(), bytes.size() - kChecksumBytes);
  uint64_t stored = 0;
  for (size_t i = 0; i < kChecksumBytes; ++i)
    stored |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[body.size() + i])) << (8 * i);
  if (checksum(body) != stored) throw std::runtime_error("registry cache fails its checksum");
  ByteRecordReader in(body, "registry cache");
  in.expect(std::string_view(kMagic, sizeof kMagic));
  if (in.text() != host) throw std::runtime_error("written by a host with another ABI tuple");
  // Each set takes at least 16 bytes, each entry at least 15 × 8.
  const uint64_t set_count = in.count(16);
  std::vector<std::shared_ptr<const ProbeDependencies>> sets;
  sets.reserve(static_cast<size_t>(set_count));
  for (uint64_t i = 0; i < set_count; ++i) {
    ProbeDependencies set;
    set.paths = in.text();
    set.fingerprint = in.text();
    sets.push_back(std::make_shared<const ProbeDependencies>(std::move(set)));
  }
  const uint64_t count = in.count(15 * 8);
  std::map<std::string, CachedPlugin> entries;
  for (uint64_t i = 0; i < count; ++i) {
    std::string path = in.text();
    CachedPlugin p;
    p.stamp.size = in.u64();
    p.stamp.mtime_ns = static_cast<int64_t>(in.u64());
    p.stamp.inode = in.u64();
    p.stamp.device = in.u64();
    p.stamp.ctime_ns = static_cast<int64_t>(in.u64());
    for (std::string* field : {&p.sha256, &p.manifest_sha256, &p.index_text, &p.read_error,
                               &p.probe_state, &p.probe_reason})
      *field = in.text();
    const uint64_t set = in.u64();
    if (set > sets.size()) throw std::runtime_error("registry cache names a missing probe set");
    if (set > 0) p.probe_depends = sets[static_cast<size_t>(set - 1)];
    p.trust_fingerprint = in.text();
    p.trust_verdict = in.text();
    entries.emplace(std::move(path), std::move(p));
  }
  if (!in.done()) throw std::runtime_error("trailing bytes in registry cache");
  return entries;
}

RegistryCache RegistryCache::load(const std::filesystem::path& file, const nlohmann::json& host,
                                  bool ignore_existing) {
  RegistryCache cache;
  cache.file_ = file;
  cache.host_ = host.dump();
  cache.dirty_ = ignore_existing;
  std::string bytes;
  if (ignore_existing || file.empty() || !read_whole_file(file.string(), &bytes)) return cache;
  try {
    cache.entries_ = decode(bytes, cache.host_);
  } catch (const std::exception&) {
    cache.reset_ = true;  // a damaged or foreign cache is rebuilt, never trusted in part
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

namespace {

bool is_digest(const std::string& hex) {
  if (hex.size() != 64) return false;
  for (char c : hex)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::filesystem::path manifests_dir(const std::filesystem::path& cache_file) {
  return cache_file.parent_path() / "manifests";
}

}  // namespace

void RegistryCache::keep_manifest(const std::filesystem::path& cache_file,
                                  const std::string& manifest_sha256, const std::string& text) {
  // The digest names a file: anything but 64 hex digits (a crafted cache)
  // could name a path elsewhere.
  if (cache_file.empty() || !is_digest(manifest_sha256)) return;
  const auto file = manifests_dir(cache_file) / manifest_sha256;
  if (kept_manifest(cache_file, manifest_sha256)) return;  // a good copy stands; a damaged one goes
  try {
    std::filesystem::create_directories(file.parent_path());
    write_file_atomically(file.string(), seal(text), 0644);
  } catch (const std::exception&) {
  }
}

std::optional<std::string> RegistryCache::kept_manifest(const std::filesystem::path& cache_file,
                                                        const std::string& manifest_sha256) {
  if (cache_file.empty() || !is_digest(manifest_sha256)) return std::nullopt;
  std::string bytes;
  if (!read_whole_file((manifests_dir(cache_file) / manifest_sha256).string(), &bytes) ||
      bytes.size() < kChecksumBytes)
    return std::nullopt;
  std::string text = bytes.substr(0, bytes.size() - kChecksumBytes);
  if (seal(text) != bytes) return std::nullopt;
  return text;
}

void RegistryCache::save() {
  if (!dirty_ || file_.empty()) return;
  write_file_atomically(file_.string(), encode(entries_, host_), 0644);
  dirty_ = false;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(manifests_dir(file_), ec), end; !ec && it != end;
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!is_digest(name)) continue;  // another writer's temporary file
    bool referred = false;
    for (const auto& [path, entry] : entries_) referred = referred || entry.manifest_sha256 == name;
    std::error_code ignored;
    if (!referred) std::filesystem::remove(it->path(), ignored);
  }
}

}  // namespace modelzoo

// Reading and writing the Store's JSON records; see store_records.h.
#include "store_records.h"

#include <sys/stat.h>
#include <algorithm>

#include "modelzoo/cache/sha256.h"
#include "modelzoo/sdk/atomic_file.h"
#include "modelzoo/sdk/error.h"
#include "modelzoo/sdk/untrusted_json.h"

namespace modelzoo::cache {
namespace {

// A record is a few hundred bytes; a blob pulled under many names and
// mirrors stays far below this.
constexpr size_t kMaxRecordBytes = size_t{1} << 20;

JsonLimits record_limits() {
  JsonLimits limits;
  limits.max_bytes = kMaxRecordBytes;
  limits.max_depth = 8;  // records nest 3 deep
  return limits;
}

std::int64_t to_ns(const struct timespec& t) {
  return static_cast<std::int64_t>(t.tv_sec) * 1000000000LL + t.tv_nsec;
}

nlohmann::json record_json(std::string_view text) {
  nlohmann::json doc = parse_untrusted_json(text, "record", record_limits());
  if (!doc.is_object()) throw Error(std::string("expected an object, found ") + doc.type_name());
  return doc;
}

std::vector<std::string> string_list(const nlohmann::json& doc, const char* key,
                                     bool (*valid)(const std::string&), const char* what) {
  std::vector<std::string> out;
  const auto value = optional_field<nlohmann::json>(doc, key, "record");
  if (!value) return out;
  if (!value->is_array())
    throw Error(std::string("record.") + key + ": expected an array, found " + value->type_name());
  for (const auto& item : *value) {
    if (!item.is_string())
      throw Error(std::string("record.") + key + ": expected strings, found " + item.type_name());
    const std::string s = item.get<std::string>();
    if (valid && !valid(s))
      throw Error(std::string("record.") + key + ": " + what + " \"" + s + "\"");
    out.push_back(s);
  }
  return out;
}

Verification verification_of(const nlohmann::json& doc) {
  const std::string v = field_or<std::string>(doc, "verification", "record", "full_digest");
  if (v == "full_digest") return Verification::full_digest;
  if (v == "tofu") return Verification::tofu;
  throw Error("record.verification: unknown value \"" + v + "\"");
}

BlobRecord parse_blob_record(const nlohmann::json& doc, const std::string& hex) {
  BlobRecord r;
  r.sha256 = field_or<std::string>(doc, "sha256", "record", hex);
  if (r.sha256 != hex) throw Error("record.sha256 \"" + r.sha256 + "\" is not its file's digest");
  r.size = optional_field<std::uint64_t>(doc, "size", "record");
  r.verification = verification_of(doc);
  r.tofu_prefix = field_or<std::string>(doc, "tofu_prefix", "record", "");
  if (!r.tofu_prefix.empty() && r.sha256.rfind(r.tofu_prefix, 0) != 0)
    throw Error("record.tofu_prefix \"" + r.tofu_prefix + "\" is not a prefix of the digest");
  r.files = string_list(doc, "files", is_plain_file_name, "not a plain file name");
  r.sources = string_list(doc, "sources", nullptr, "");
  r.aliases = string_list(doc, "aliases", is_valid_alias, "not a valid alias");
  r.added = field_or<std::int64_t>(doc, "added", "record", 0);
  r.last_used = field_or<std::int64_t>(doc, "last_used", "record", r.added);
  r.last_verified = field_or<std::int64_t>(doc, "last_verified", "record", 0);
  if (const auto id = optional_field<nlohmann::json>(doc, "verified_identity", "record")) {
    const std::string where = "record.verified_identity";
    FileIdentity i;
    i.device = required_field<std::uint64_t>(*id, "device", where);
    i.inode = required_field<std::uint64_t>(*id, "inode", where);
    i.size = required_field<std::uint64_t>(*id, "size", where);
    i.mtime_ns = required_field<std::int64_t>(*id, "mtime_ns", where);
    i.ctime_ns = required_field<std::int64_t>(*id, "ctime_ns", where);
    r.verified_identity = i;
  }
  return r;
}

AliasRecord parse_alias_record(const nlohmann::json& doc, const std::string& alias) {
  AliasRecord r;
  r.alias = field_or<std::string>(doc, "alias", "record", alias);
  if (r.alias != alias) throw Error("record.alias \"" + r.alias + "\" is not its file's alias");
  r.sha256 = required_field<std::string>(doc, "sha256", "record");
  if (!is_full_digest(r.sha256))
    throw Error("record.sha256 \"" + r.sha256 + "\" is not a full SHA-256 (64 hex digits)");
  r.file = field_or<std::string>(doc, "file", "record", "");
  if (!r.file.empty() && !is_plain_file_name(r.file))
    throw Error("record.file \"" + r.file + "\" is not a plain file name");
  r.role = field_or<std::string>(doc, "role", "record", "");
  r.pinned = field_or<bool>(doc, "pinned", "record", false);
  r.updated = field_or<std::int64_t>(doc, "updated", "record", 0);
  return r;
}

template <class Record, class Parse>
Loaded<Record> load(const fs::path& file, const std::string& key, Parse parse) {
  Loaded<Record> out;
  try {
    if (auto text = read_regular_file(file.string(), kMaxRecordBytes))
      out.record = parse(record_json(*text), key);
  } catch (const std::exception& e) {
    out.record.reset();
    out.problem = "invalid: " + file.string() + " (" + e.what() + ")";
  }
  return out;
}

}  // namespace

const char* to_string(Verification verification) {
  return verification == Verification::tofu ? "tofu" : "full_digest";
}

const char* to_string(HitCheck check) {
  switch (check) {
    case HitCheck::hashed_now:
      return "hashed_now";
    case HitCheck::unchanged_since_hash:
      return "unchanged_since_hash";
    case HitCheck::size_only:
      return "size_only";
  }
  return "unknown";
}

std::optional<FileIdentity> FileIdentity::of(const fs::path& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return std::nullopt;
  FileIdentity id;
  id.device = static_cast<std::uint64_t>(st.st_dev);
  id.inode = static_cast<std::uint64_t>(st.st_ino);
  id.size = static_cast<std::uint64_t>(st.st_size);
  id.mtime_ns = to_ns(st.st_mtim);
  id.ctime_ns = to_ns(st.st_ctim);
  return id;
}

bool FileIdentity::operator==(const FileIdentity& o) const {
  return device == o.device && inode == o.inode && size == o.size && mtime_ns == o.mtime_ns &&
         ctime_ns == o.ctime_ns;
}

bool is_plain_file_name(const std::string& name) {
  if (name.empty() || name == "." || name == ".." || name.size() > 255) return false;
  return std::none_of(name.begin(), name.end(), [](char c) {
    return c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
}

BlobRecord blob_record_from_text(std::string_view text, const std::string& hex) {
  return parse_blob_record(record_json(text), hex);
}

AliasRecord alias_record_from_text(std::string_view text, const std::string& alias) {
  return parse_alias_record(record_json(text), alias);
}

nlohmann::json to_json(const BlobRecord& r) {
  nlohmann::json doc = {{"sha256", r.sha256},       {"verification", to_string(r.verification)},
                        {"files", r.files},         {"sources", r.sources},
                        {"aliases", r.aliases},     {"added", r.added},
                        {"last_used", r.last_used}, {"last_verified", r.last_verified}};
  if (r.size) doc["size"] = *r.size;
  if (!r.tofu_prefix.empty()) doc["tofu_prefix"] = r.tofu_prefix;
  if (const auto& i = r.verified_identity)
    doc["verified_identity"] = {{"device", i->device},
                                {"inode", i->inode},
                                {"size", i->size},
                                {"mtime_ns", i->mtime_ns},
                                {"ctime_ns", i->ctime_ns}};
  return doc;
}

nlohmann::json to_json(const AliasRecord& r) {
  return {{"alias", r.alias}, {"sha256", r.sha256}, {"file", r.file},
          {"role", r.role},   {"pinned", r.pinned}, {"updated", r.updated}};
}

Loaded<BlobRecord> load_blob_record(const Layout& layout, const std::string& hex) {
  return load<BlobRecord>(layout.meta(hex), hex, parse_blob_record);
}

Loaded<AliasRecord> load_alias_record(const Layout& layout, const std::string& alias) {
  return load<AliasRecord>(layout.ref(alias), alias, parse_alias_record);
}

void store_blob_record(const Layout& layout, const BlobRecord& r) {
  write_json_atomic(layout.meta(r.sha256), to_json(r));
}

void store_alias_record(const Layout& layout, const AliasRecord& r) {
  layout.check_ref_parents(r.alias);
  write_json_atomic(layout.ref(r.alias), to_json(r));
}

void update_blob_record(const Layout& layout, const MetaLock&, const std::string& hex,
                        const std::function<void(BlobRecord&)>& change) {
  BlobRecord record = load_blob_record(layout, hex).record.value_or(BlobRecord{});
  record.sha256 = hex;
  change(record);
  store_blob_record(layout, record);
}

void update_blob_record(const Layout& layout, const std::string& hex,
                        const std::function<void(BlobRecord&)>& change) {
  MetaLock lock(layout);
  update_blob_record(layout, lock, hex, change);
}

std::vector<AliasRecord> read_alias_records(const Layout& layout,
                                            std::vector<std::string>* problems) {
  std::vector<AliasRecord> out;
  std::error_code ec;
  if (!fs::is_directory(layout.refs(), ec)) return out;
  // The iterator does not follow directory links, so a planted link cannot
  // make a record out of a file elsewhere reachable as an alias.
  for (auto it = fs::recursive_directory_iterator(layout.refs(), ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_symlink() || !it->is_regular_file() || it->path().extension() != ".json") continue;
    std::string alias = fs::relative(it->path(), layout.refs()).string();
    alias.resize(alias.size() - 5);
    if (!is_valid_alias(alias)) {
      if (problems) problems->push_back("invalid: " + it->path().string() + " (not an alias name)");
      continue;
    }
    auto loaded = load_alias_record(layout, alias);
    if (loaded.record)
      out.push_back(std::move(*loaded.record));
    else if (problems && !loaded.problem.empty())
      problems->push_back(loaded.problem);
  }
  std::sort(out.begin(), out.end(),
            [](const AliasRecord& a, const AliasRecord& b) { return a.alias < b.alias; });
  return out;
}

void add_unique(std::vector<std::string>& list, const std::string& value) {
  if (std::find(list.begin(), list.end(), value) == list.end()) list.push_back(value);
}

}  // namespace modelzoo::cache

#include "modelzoo/trust/trust_store.h"

#include <fnmatch.h>
#include <sys/stat.h>

#include <algorithm>
#include <map>
#include <optional>

#include <nlohmann/json.hpp>

#include "modelzoo/host/install_layout.h"
#include "modelzoo/host/paths.h"
#include "modelzoo/sdk/atomic_file.h"
#include "modelzoo/sdk/error.h"
#include "modelzoo/sdk/untrusted_json.h"

namespace modelzoo::trust {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

PublicKey decode_key(const std::string& base64) {
  const std::string raw = base64_decode(base64);
  if (raw.size() != 32) throw Error("public key is not 32 bytes");
  PublicKey key{};
  std::copy(raw.begin(), raw.end(), key.begin());
  return key;
}

// Trust-store entries and public keys are a few hundred bytes.
constexpr size_t kMaxEntryBytes = size_t{64} << 10;

json read_json(const fs::path& path) {
  const std::optional<std::string> text = read_regular_file(path.string(), kMaxEntryBytes);
  if (!text) throw Error("cannot read " + path.string() + ": no such file");
  json j = parse_untrusted_json(*text, path.string());
  if (!j.is_object()) throw Error(path.string() + " is not a JSON object");
  return j;
}

json to_json(const TrustedKey& k) {
  json j = {{"modelzoo_trusted_key", 1},
            {"key_id", k.key_id},
            {"name", k.name},
            {"public_key", base64_encode(std::string(k.key.begin(), k.key.end()))},
            {"scopes", k.scopes},
            {"expires", k.expires},
            {"revoked", k.revoked}};
  if (k.revoked) j["revoked_reason"] = k.revoked_reason;
  return j;
}

TrustedKey trusted_key_from(const json& j, const std::string& file) {
  TrustedKey k;
  k.key_id = required_field<std::string>(j, "key_id", file);
  k.name = required_field<std::string>(j, "name", file);
  k.key = decode_key(required_field<std::string>(j, "public_key", file));
  const json scopes = required_field<json>(j, "scopes", file);
  if (!scopes.is_array()) throw Error(file + ".scopes: expected an array of plugin ids");
  for (const auto& scope : scopes) {
    if (!scope.is_string()) throw Error(file + ".scopes: expected an array of plugin ids");
    k.scopes.push_back(scope.get<std::string>());
  }
  k.expires = field_or<std::string>(j, "expires", file, "");
  if (!k.expires.empty() && !is_iso_date(k.expires))
    throw Error(file + ".expires: '" + k.expires +
                "' is not a YYYY-MM-DD date; add the key again with --expires YYYY-MM-DD");
  // A revocation that cannot be read as one is one: fail closed.
  const auto revoked = j.find("revoked");
  if (revoked != j.end() && !revoked->is_boolean()) {
    k.revoked = true;
    k.revoked_reason = "revoked (an entry whose 'revoked' is " + revoked->dump() + ")";
  } else {
    k.revoked = revoked != j.end() && revoked->get<bool>();
    const auto reason = j.find("revoked_reason");
    if (reason != j.end() && !reason->is_string()) {
      k.revoked = true;
      k.revoked_reason = "revoked (an entry with an unreadable reason)";
    } else if (reason != j.end()) {
      k.revoked_reason = reason->get<std::string>();
    }
  }
  if (key_id(k.key) != k.key_id) throw Error(file + ": key_id does not match the key");
  k.file = file;
  return k;
}

// The text of an unreadable entry that mentions revocation: such an entry
// still revokes every key whose id it names (fail closed).
std::optional<std::string> unreadable_revocation_text(const fs::path& file) {
  try {
    const std::optional<std::string> text = read_regular_file(file.string(), kMaxEntryBytes);
    if (!text || text->find("revoke") == std::string::npos) return std::nullopt;
    return text;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

bool is_iso_date(const std::string& text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (text[i] < '0' || text[i] > '9') return false;
  const int year = std::stoi(text.substr(0, 4));
  const int month = std::stoi(text.substr(5, 2));
  const int day = std::stoi(text.substr(8, 2));
  if (month < 1 || month > 12 || day < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return day <= kDays[month - 1] + (month == 2 && leap ? 1 : 0);
}

namespace {

// The system store steers every user's trust, so only root may write it.
// Who may own the system store: root, or whoever owns the install's
// library directory — a user who can write there already chooses the code
// that reads the store (a prefix in $HOME, the build tree).
uid_t installer_uid() {
  struct stat st {};
  return ::stat(install_layout().libdir.c_str(), &st) == 0 ? st.st_uid : 0;
}

std::string unsafe_system_entry(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "cannot stat";
  if (st.st_uid != 0 && st.st_uid != installer_uid())
    return "owned by neither root nor the owner of the install (" +
           install_layout().libdir.string() + ")";
  if (st.st_mode & (S_IWGRP | S_IWOTH)) return "writable by group or others";
  return "";
}

}  // namespace

bool TrustedKey::may_sign(const std::string& plugin_id) const {
  return std::any_of(scopes.begin(), scopes.end(), [&](const std::string& pattern) {
    return fnmatch(pattern.c_str(), plugin_id.c_str(), 0) == 0;
  });
}

PublicKeyFile read_public_key_file(const fs::path& path) {
  const json j = read_json(path);
  PublicKeyFile f;
  try {
    f.name = required_field<std::string>(j, "name", path.string());
    f.key = decode_key(required_field<std::string>(j, "public_key", path.string()));
    f.key_id = key_id(f.key);
  } catch (const Error& e) {
    throw Error(path.string() + " is not a modelzoo public key: " + e.what());
  }
  return f;
}

void write_public_key_file(const fs::path& path, const PublicKeyFile& f) {
  const json j = {{"modelzoo_public_key", 1},
                  {"name", f.name},
                  {"key_id", f.key_id},
                  {"algorithm", "ed25519"},
                  {"public_key", base64_encode(std::string(f.key.begin(), f.key.end()))}};
  write_file_atomically(path.string(), j.dump(2) + "\n", 0644);
}

fs::path TrustStore::system_directory() {
  return install_layout().sysconf_dir / "trust";
}
fs::path TrustStore::user_directory() {
  return config_root() / "trust";
}

std::vector<fs::path> TrustStore::default_directories() {
  std::vector<fs::path> dirs = {system_directory()};
  if (!running_privileged()) dirs.push_back(user_directory());
  return dirs;
}

TrustStore TrustStore::load(const std::vector<fs::path>& directories) {
  TrustStore store;
  // Unreadable entries that mention revocation: (their text, the reason).
  std::vector<std::pair<std::string, std::string>> unreadable_revocations;
  const fs::path system = system_directory();
  for (const auto& dir : directories) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    const bool is_system = fs::equivalent(dir, system, ec);
    if (is_system) {
      if (auto why = unsafe_system_entry(dir); !why.empty()) {
        store.problems_.push_back("ignoring system trust store " + dir.string() + ": " + why);
        continue;
      }
    }
    std::vector<fs::path> files;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
      if (it->path().extension() == ".json") files.push_back(it->path());
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      try {
        if (is_system)
          if (auto why = unsafe_system_entry(file); !why.empty()) throw Error(why);
        TrustedKey key = trusted_key_from(read_json(file), file.string());
        auto existing = std::find_if(store.keys_.begin(), store.keys_.end(),
                                     [&](const TrustedKey& k) { return k.key_id == key.key_id; });
        if (existing == store.keys_.end()) {
          store.keys_.push_back(std::move(key));
        } else if (key.revoked && !existing->revoked) {
          // A revocation anywhere wins over a grant elsewhere.
          existing->revoked = true;
          existing->revoked_reason = key.revoked_reason;
        }
      } catch (const std::exception& e) {
        store.problems_.push_back("ignoring trust entry " + file.string() + ": " + e.what());
        if (auto text = unreadable_revocation_text(file))
          unreadable_revocations.emplace_back(
              std::move(*text),
              "revoked (" + file.string() + " could not be read: " + e.what() + ")");
      }
    }
  }
  for (auto& key : store.keys_)
    for (const auto& [text, reason] : unreadable_revocations)
      if (!key.revoked && text.find(key.key_id) != std::string::npos) {
        key.revoked = true;
        key.revoked_reason = reason;
      }
  return store;
}

const TrustedKey* TrustStore::find(const std::string& id) const {
  for (const auto& k : keys_)
    if (k.key_id == id) return &k;
  return nullptr;
}

TrustedKey TrustStore::add(const fs::path& directory, const fs::path& pub_file,
                           std::vector<std::string> scopes, const std::string& expires,
                           bool force) {
  const PublicKeyFile pub = read_public_key_file(pub_file);
  if (!expires.empty() && !is_iso_date(expires))
    throw Error("--expires '" + expires + "' is not a date: give the last valid day as YYYY-MM-DD");
  if (!force) {
    std::vector<fs::path> stores = default_directories();
    stores.push_back(directory);
    const TrustStore current = load(stores);
    if (const TrustedKey* known = current.find(pub.key_id); known && known->revoked)
      throw Error("key " + pub.key_id + " (" + pub.name +
                  ") was revoked: " + known->revoked_reason + " (" + known->file +
                  "); adding it again would trust it anew — use --force if that is meant");
  }
  if (scopes.empty())
    throw Error("trusting " + pub.name +
                ": give the plugin ids it may sign for with --scope "
                "(e.g. --scope vision, or --scope '*' for any)");
  TrustedKey key;
  key.key_id = pub.key_id;
  key.name = pub.name;
  key.key = pub.key;
  key.scopes = std::move(scopes);
  key.expires = expires;
  key.file = (directory / (key.key_id + ".json")).string();
  write_file_atomically(key.file, to_json(key).dump(2) + "\n", 0644);
  return key;
}

void TrustStore::remove(const fs::path& directory, const std::string& id) {
  const fs::path file = directory / (id + ".json");
  std::error_code ec;
  if (!fs::remove(file, ec))
    throw Error("no trusted key '" + id + "' in " + directory.string() +
                " (see 'modelzoo trust ls')");
}

void TrustStore::revoke(const fs::path& directory, const std::string& id,
                        const std::string& reason) {
  const fs::path file = directory / (id + ".json");
  std::error_code ec;
  if (!fs::exists(file, ec))
    throw Error("no trusted key '" + id + "' in " + directory.string() +
                " (see 'modelzoo trust ls')");
  TrustedKey key = trusted_key_from(read_json(file), file.string());
  key.revoked = true;
  key.revoked_reason = reason.empty() ? "revoked" : reason;
  write_file_atomically(file.string(), to_json(key).dump(2) + "\n", 0644);
}

}  // namespace modelzoo::trust

// The trust store: the vendor keys this machine accepts plugin signatures
// from, each with the plugin ids it may sign for (fnmatch scopes on the
// plugin id, e.g. "vision", "acme_*"), an optional expiry, and revocation.
//
// Two directories, one JSON file per key (`<key_id>.json`):
//   system  <prefix>/etc/modelzoo/trust (/etc/modelzoo/trust for /usr; see
//           install_layout.h) — honoured only when owned by root or by the
//           owner of the install's library directory, and not writable by
//           group or others
//   user    $XDG_CONFIG_HOME/modelzoo/trust — ignored when the process runs
//           setuid/setgid (see running_privileged())
// A key revoked in either directory is revoked.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "modelzoo/sdk/export.h"
#include "modelzoo/trust/crypto.h"

namespace modelzoo::trust {

/// A public key file as `modelzoo keys generate` writes it (NAME.pub).
struct PublicKeyFile {
  std::string name;
  std::string key_id;
  PublicKey key{};
};

MODELZOO_API PublicKeyFile read_public_key_file(const std::filesystem::path& path);
MODELZOO_API void write_public_key_file(const std::filesystem::path& path,
                                        const PublicKeyFile& key);

struct TrustedKey {
  std::string key_id;
  std::string name;
  PublicKey key{};
  std::vector<std::string> scopes;  ///< fnmatch patterns on the plugin id
  std::string expires;              ///< YYYY-MM-DD, empty for never
  bool revoked = false;
  std::string revoked_reason;
  std::string file;  ///< where it was read from

  bool may_sign(const std::string& plugin_id) const;
  bool expired(const std::string& today) const { return !expires.empty() && today > expires; }
};

/// True for a real calendar date written YYYY-MM-DD (2026-02-01, not
/// 2026-2-1 or "yesterday"): the only form key expiry is written in.
MODELZOO_API bool is_iso_date(const std::string& text);

class MODELZOO_API TrustStore {
 public:
  /// The system directory, then the user one (left out when privileged).
  static std::vector<std::filesystem::path> default_directories();
  static std::filesystem::path system_directory();
  static std::filesystem::path user_directory();

  /// Reads every key file; unreadable ones and a system directory that is
  /// not safely owned are skipped and described in problems().
  static TrustStore load(const std::vector<std::filesystem::path>& directories);

  const TrustedKey* find(const std::string& key_id) const;
  const std::vector<TrustedKey>& keys() const { return keys_; }
  const std::vector<std::string>& problems() const { return problems_; }

  /// Adds (or replaces) a key in `directory` from a NAME.pub file. `expires`
  /// is empty or a YYYY-MM-DD date. A key revoked in any store is refused
  /// unless `force`.
  static TrustedKey add(const std::filesystem::path& directory,
                        const std::filesystem::path& pub_file, std::vector<std::string> scopes,
                        const std::string& expires, bool force = false);
  /// Removes a key's entry; throws if there is none.
  static void remove(const std::filesystem::path& directory, const std::string& key_id);
  /// Marks a key revoked (kept, so its plugins are refused as "revoked").
  static void revoke(const std::filesystem::path& directory, const std::string& key_id,
                     const std::string& reason);

 private:
  std::vector<TrustedKey> keys_;
  std::vector<std::string> problems_;
};

}  // namespace modelzoo::trust

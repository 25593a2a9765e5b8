// A signed statement: the release record a vendor signs for one plugin
// build. It binds the shared object (SHA-256 and size), its embedded
// manifest (SHA-256), the build tuple and the weight variants' URLs and
// digests together, so a valid signature vouches for all of them at once.
//
// Stored next to the plugin as `<plugin>.so.sig`:
//   {"statement": {...}, "signature": "<base64 Ed25519 signature>"}
// The signature covers canonical_text(statement): the statement's JSON with
// sorted keys and no whitespace.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "modelzoo/sdk/export.h"
#include "modelzoo/sdk/manifest.h"

namespace modelzoo::trust {

struct PluginStatement {
  std::string plugin_id;  ///< the manifest's family
  std::string plugin_version;
  std::string key_id;
  std::string file_sha256;
  uint64_t file_size = 0;
  std::string manifest_sha256;                       ///< of the embedded manifest document
  nlohmann::json build = nlohmann::json::object();   ///< sdk_abi, torch, cxx11_abi
  nlohmann::json weights = nlohmann::json::array();  ///< entrypoint, tag, urls, digest
  std::string issued;                                ///< YYYY-MM-DD, UTC
};

struct SignedStatement {
  PluginStatement statement;
  std::string signature;  ///< raw 64 bytes
};

MODELZOO_API nlohmann::json to_json(const PluginStatement& statement);
/// Throws modelzoo::Error naming the bad field.
MODELZOO_API PluginStatement parse_statement(const nlohmann::json& object);
MODELZOO_API std::string canonical_text(const PluginStatement& statement);

/// Builds the statement for a plugin file from its facts and manifest.
MODELZOO_API PluginStatement make_statement(const Manifest& manifest,
                                            const std::string& manifest_text,
                                            const std::string& file_sha256, uint64_t file_size,
                                            const std::string& key_id, const std::string& issued);

MODELZOO_API std::string statement_path(const std::string& plugin_path);

/// The statement next to `plugin_path`; nullopt when there is none.
/// Throws modelzoo::Error when it exists but cannot be read.
MODELZOO_API std::optional<SignedStatement> read_statement(const std::string& plugin_path);

/// Writes atomically (temporary file + rename).
MODELZOO_API void write_statement(const std::string& plugin_path,
                                  const SignedStatement& signed_statement);

/// Today's date in UTC as YYYY-MM-DD.
MODELZOO_API std::string today_utc();

}  // namespace modelzoo::trust

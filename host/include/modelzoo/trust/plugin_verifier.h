// Decides whether a plugin file may be loaded, before any of its code runs.
// Checks, in order: the file's SHA-256 and size against its statement; the
// statement's key (known, unrevoked, unexpired, in scope) and signature;
// the embedded manifest's SHA-256; the version against the highest accepted
// one. The verdict's state says what was found; `allowed` applies the mode.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "modelzoo/sdk/export.h"
#include "modelzoo/sdk/manifest.h"
#include "modelzoo/trust/policy.h"
#include "modelzoo/trust/trust_store.h"
#include "modelzoo/trust/version_ledger.h"

namespace modelzoo::trust {

enum class TrustState {
  kNotChecked,        ///< mode off
  kSigned,            ///< valid signature by a trusted key in scope
  kUnsigned,          ///< no statement next to the plugin
  kBadStatement,      ///< statement unreadable
  kTampered,          ///< file differs from what was signed
  kUnknownKey,        ///< signed by a key not in the trust store
  kRevoked,           ///< signed by a revoked key
  kExpired,           ///< signed by an expired key
  kOutOfScope,        ///< the key may not sign this plugin id
  kBadSignature,      ///< statement edited or signature forged
  kManifestMismatch,  ///< embedded manifest differs from the signed one
  kDowngrade,         ///< older than a version accepted before
};

MODELZOO_API const char* to_string(TrustState state);

/// What was read from the opened plugin file.
struct PluginFileFacts {
  std::string path;
  std::string sha256;
  uint64_t size = 0;
  std::string manifest_sha256;  ///< of the embedded manifest document
};

struct TrustVerdict {
  TrustState state = TrustState::kNotChecked;
  TrustMode mode = TrustMode::kOff;
  bool allowed = true;
  bool warn = false;        ///< allowed, but the user should hear why
  std::string signer;       ///< key name and id, when signed
  std::string key_expires;  ///< the signing key's expiry date (YYYY-MM-DD), if any
  std::string detail;       ///< the reason, phrased for the user
};

MODELZOO_API nlohmann::json to_json(const TrustVerdict& verdict);
/// Throws nlohmann::json::exception on a malformed object.
MODELZOO_API TrustVerdict verdict_from_json(const nlohmann::json& object);

/// The identity the downgrade ledger keys a plugin by: its family, which is
/// what keys are scoped to. Not the vendor string: a plugin declares it
/// itself, so another one would let any unsigned copy pass as new.
MODELZOO_API std::string plugin_identity(const Manifest& manifest);

/// `ledger` may be null (no downgrade check). Once `ledger` knows the
/// plugin's identity (it was accepted signed), an older version is refused
/// and so is any copy that is not validly signed, whatever `mode` says.
MODELZOO_API TrustVerdict verify_plugin(const PluginFileFacts& file, const Manifest& manifest,
                                        const TrustStore& store, const VersionLedger* ledger,
                                        TrustMode mode, const std::string& today);

}  // namespace modelzoo::trust

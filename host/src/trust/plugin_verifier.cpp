#include "modelzoo/trust/plugin_verifier.h"

#include <stdexcept>

#include "modelzoo/trust/crypto.h"
#include "modelzoo/trust/statement.h"

namespace modelzoo::trust {

const char* to_string(TrustState state) {
  switch (state) {
    case TrustState::kNotChecked:
      return "not checked";
    case TrustState::kSigned:
      return "signed";
    case TrustState::kUnsigned:
      return "unsigned";
    case TrustState::kBadStatement:
      return "bad statement";
    case TrustState::kTampered:
      return "tampered";
    case TrustState::kUnknownKey:
      return "unknown key";
    case TrustState::kRevoked:
      return "revoked";
    case TrustState::kExpired:
      return "expired key";
    case TrustState::kOutOfScope:
      return "out of scope";
    case TrustState::kBadSignature:
      return "bad signature";
    case TrustState::kManifestMismatch:
      return "manifest mismatch";
    case TrustState::kDowngrade:
      return "downgrade";
  }
  return "?";
}

nlohmann::json to_json(const TrustVerdict& v) {
  return {{"state", static_cast<int>(v.state)},
          {"mode", static_cast<int>(v.mode)},
          {"allowed", v.allowed},
          {"warn", v.warn},
          {"signer", v.signer},
          {"key_expires", v.key_expires},
          {"detail", v.detail}};
}

TrustVerdict verdict_from_json(const nlohmann::json& o) {
  TrustVerdict v;
  const int state = o.at("state").get<int>();
  const int mode = o.at("mode").get<int>();
  if (state < 0 || state > static_cast<int>(TrustState::kDowngrade) || mode < 0 ||
      mode > static_cast<int>(TrustMode::kRequire))
    throw std::out_of_range("trust verdict out of range");
  v.state = static_cast<TrustState>(state);
  v.mode = static_cast<TrustMode>(mode);
  v.allowed = o.at("allowed").get<bool>();
  v.warn = o.at("warn").get<bool>();
  v.signer = o.at("signer").get<std::string>();
  v.detail = o.at("detail").get<std::string>();
  v.key_expires = o.value("key_expires", std::string());
  return v;
}

namespace {

// Signs of an attack rather than of missing setup — changed signed bytes, a
// revoked key, an old release slipped back in: refused even under warn.
bool refused_even_when_warning(TrustState s) {
  return s == TrustState::kTampered || s == TrustState::kBadSignature ||
         s == TrustState::kRevoked || s == TrustState::kManifestMismatch ||
         s == TrustState::kBadStatement || s == TrustState::kDowngrade;
}

TrustVerdict decide(TrustVerdict v) {
  if (v.state == TrustState::kSigned) return v;
  if (v.mode == TrustMode::kRequire || refused_even_when_warning(v.state)) {
    v.allowed = false;
  } else {
    v.warn = true;
  }
  return v;
}

}  // namespace

std::string plugin_identity(const Manifest& manifest) {
  return manifest.family;
}

namespace {

TrustVerdict check_signature(const PluginFileFacts& file, const Manifest& manifest,
                             const TrustStore& store, TrustMode mode, const std::string& today) {
  TrustVerdict v;
  v.mode = mode;
  std::optional<SignedStatement> signed_statement;
  try {
    signed_statement = read_statement(file.path);
  } catch (const std::exception& e) {
    v.state = TrustState::kBadStatement;
    v.detail = e.what();
    return v;
  }
  if (!signed_statement) {
    v.state = TrustState::kUnsigned;
    v.detail = "unsigned: no " + statement_path(file.path) + " (sign it with 'modelzoo sign')";
    return v;
  }
  const PluginStatement& s = signed_statement->statement;
  if (s.file_sha256 != file.sha256 || s.file_size != file.size) {
    v.state = TrustState::kTampered;
    v.detail = "tampered: file SHA-256 " + file.sha256.substr(0, 16) + "… (" +
               std::to_string(file.size) + " bytes) differs from the signed " +
               s.file_sha256.substr(0, 16) + "… (" + std::to_string(s.file_size) +
               " bytes); reinstall the plugin from its vendor";
    return v;
  }
  const TrustedKey* key = store.find(s.key_id);
  if (!key) {
    v.state = TrustState::kUnknownKey;
    v.detail = "signed by unknown key " + s.key_id +
               "; if you trust its vendor: modelzoo trust add VENDOR.pub --scope " + s.plugin_id;
    return v;
  }
  v.signer = key->name + " (" + key->key_id + ")";
  v.key_expires = key->expires;
  if (!verify_signature(key->key, canonical_text(s), signed_statement->signature)) {
    v.state = TrustState::kBadSignature;
    v.detail = "bad signature: the statement was edited or not signed by " + v.signer;
    return v;
  }
  if (key->revoked) {
    v.state = TrustState::kRevoked;
    v.detail = "signed by revoked key " + v.signer + ": " + key->revoked_reason;
    return v;
  }
  if (key->expired(today)) {
    v.state = TrustState::kExpired;
    v.detail = "signed by " + v.signer + ", which expired on " + key->expires;
    return v;
  }
  if (!key->may_sign(s.plugin_id) || s.plugin_id != manifest.family) {
    v.state = TrustState::kOutOfScope;
    v.detail = "key " + v.signer + " may not sign plugin '" + manifest.family + "' (its scopes:";
    for (const auto& scope : key->scopes) v.detail += " " + scope;
    v.detail += ")";
    return v;
  }
  if (s.manifest_sha256 != file.manifest_sha256 || s.plugin_version != manifest.plugin_version) {
    v.state = TrustState::kManifestMismatch;
    v.detail = "the embedded manifest is not the one " + v.signer + " signed";
    return v;
  }
  v.state = TrustState::kSigned;
  v.detail = "signed by " + v.signer;
  return v;
}

}  // namespace

TrustVerdict verify_plugin(const PluginFileFacts& file, const Manifest& manifest,
                           const TrustStore& store, const VersionLedger* ledger, TrustMode mode,
                           const std::string& today) {
  if (mode == TrustMode::kOff) {
    TrustVerdict v;
    v.mode = mode;
    return v;
  }
  TrustVerdict v = check_signature(file, manifest, store, mode, today);
  if (ledger && !ledger->problem().empty()) {
    // Without the ledger an older release cannot be told from a current
    // one: refused under require, loudly allowed under warn.
    v = decide(v);
    const std::string why = "the downgrade ledger cannot be read (" + ledger->problem() +
                            "); restore it, or reset it with 'modelzoo trust forget \'*\''";
    if (mode == TrustMode::kRequire) {
      v.allowed = false;
      v.warn = false;
      v.detail = why + "; " + v.detail;
    } else if (v.allowed) {
      v.warn = true;
      v.detail += "; " + why;
    }
    return v;
  }
  // The ledger is consulted whatever the signature says: deleting the
  // statement (or re-signing with a key of one's own) must not turn an old
  // release, or a replacement, into a mere warning.
  const std::string identity = plugin_identity(manifest);
  const auto highest = ledger ? ledger->highest(identity) : std::nullopt;
  if (highest && v.state != TrustState::kTampered && v.state != TrustState::kBadSignature &&
      compare_versions(manifest.plugin_version, *highest) < 0) {
    v.state = TrustState::kDowngrade;
    v.detail = "downgrade: version " + manifest.plugin_version + " of plugin '" + identity +
               "' is older than " + *highest + ", accepted before; install " + *highest +
               " or newer";
    return decide(v);
  }
  if (highest && v.state != TrustState::kSigned) {
    v = decide(v);
    if (v.allowed) {
      v.allowed = false;
      v.warn = false;
      v.detail += "; plugin '" + identity +
                  "' was accepted with a valid signature before (version " + *highest +
                  "), so an unverified copy is refused: reinstall the signed release";
    }
    return v;
  }
  return decide(v);
}

}  // namespace modelzoo::trust

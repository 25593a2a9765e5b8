#include "modelzoo/trust/policy.h"

#include <cstdlib>

#include <nlohmann/json.hpp>

#include "modelzoo/host/paths.h"
#include "modelzoo/sdk/atomic_file.h"
#include "modelzoo/sdk/error.h"
#include "modelzoo/sdk/untrusted_json.h"

namespace modelzoo::trust {

const char* to_string(TrustMode mode) {
  switch (mode) {
    case TrustMode::kOff:
      return "off";
    case TrustMode::kWarn:
      return "warn";
    case TrustMode::kRequire:
      return "require";
  }
  return "?";
}

TrustMode parse_trust_mode(std::string_view text) {
  if (text == "off") return TrustMode::kOff;
  if (text == "warn") return TrustMode::kWarn;
  if (text == "require") return TrustMode::kRequire;
  throw Error("unknown trust mode '" + std::string(text) + "' (expected require, warn or off)");
}

TrustMode effective_trust_mode(const std::optional<TrustMode>& app_choice, bool third_party) {
  if (app_choice) return *app_choice;
  if (running_privileged()) return TrustMode::kRequire;
  if (const char* env = std::getenv("MODELZOO_TRUST"); env && *env) {
    try {
      return parse_trust_mode(env);
    } catch (const Error& e) {
      throw Error(std::string("MODELZOO_TRUST: ") + e.what());
    }
  }
  // The user's config file picks the mode: one that exists but cannot be
  // read is an error (naming it), not a silent fall back to a default.
  const std::string config = (config_root() / "config.json").string();
  if (const auto text = read_regular_file(config, size_t{1} << 20)) {
    const nlohmann::json j = parse_untrusted_json(*text, config);
    if (const auto mode = optional_field<std::string>(j, "trust", config)) {
      try {
        return parse_trust_mode(*mode);
      } catch (const Error& e) {
        throw Error(config + ": " + e.what());
      }
    }
  }
  return third_party ? TrustMode::kRequire : TrustMode::kWarn;
}

}  // namespace modelzoo::trust

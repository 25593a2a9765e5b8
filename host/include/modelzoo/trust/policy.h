// Trust policy: what the host does with a plugin that is not signed by a
// trusted key.
//
//   require  only plugins with a valid statement signed by a trusted,
//            unrevoked, unexpired key whose scope covers the plugin load
//   warn     signs of an attack (tampered file, bad signature, revoked key,
//            manifest mismatch, downgrade) are still refused; unsigned
//            plugins, unknown or out-of-scope keys and expired keys load with
//            a warning
//   off      nothing is checked
//
// Which mode applies to a plugin, first match wins:
//   1. the app's HubOptions::trust, when set;
//   2. MODELZOO_TRUST (ignored when the process runs setuid/setgid);
//   3. "trust" in $XDG_CONFIG_HOME/modelzoo/config.json (same);
//   4. the default: `require` for directories the app marks third-party,
//      `warn` for the rest (the user's own plugin path and the install's),
//      and `require` everywhere in a setuid/setgid process.
// Weight files are checked against their digests whatever the mode.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "modelzoo/sdk/export.h"

namespace modelzoo::trust {

enum class TrustMode { kOff, kWarn, kRequire };

MODELZOO_API const char* to_string(TrustMode mode);
/// Throws modelzoo::Error for anything but off, warn, require.
MODELZOO_API TrustMode parse_trust_mode(std::string_view text);

/// The mode for a plugin, by the rules above.
MODELZOO_API TrustMode effective_trust_mode(const std::optional<TrustMode>& app_choice,
                                            bool third_party);

}  // namespace modelzoo::trust

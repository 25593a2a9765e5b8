// Whether a plugin's build tuple lets the host load it: the SDK ABI major
// must equal the host's and its minor must not be newer; the LibTorch
// version and _GLIBCXX_USE_CXX11_ABI must be equal (C++ types cross the
// plugin boundary, so they must have one layout on both sides).
#pragma once

#include <optional>
#include <string>

#include "modelzoo/sdk/export.h"
#include "modelzoo/sdk/manifest.h"

namespace modelzoo {

/// The tuple this host was built with.
MODELZOO_API BuildInfo host_build_info();

/// Why a plugin built with `plugin` cannot be loaded by a host built with
/// `host`, phrased as an action; nullopt when it can.
MODELZOO_API std::optional<std::string> incompatibility(const BuildInfo& plugin,
                                                        const BuildInfo& host);

}  // namespace modelzoo

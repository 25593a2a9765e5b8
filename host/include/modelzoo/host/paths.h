// Where modelzoo keeps state, following XDG like huggingface_hub and
// torch.hub do:
//   cache:  MODELZOO_HOME, else $XDG_CACHE_HOME/modelzoo, else ~/.cache/modelzoo
//   config: $XDG_CONFIG_HOME/modelzoo, else ~/.config/modelzoo
//   state:  $XDG_STATE_HOME/modelzoo, else ~/.local/state/modelzoo — what must
//           outlive a cleaned cache (the downgrade ledger)
// When the process runs setuid/setgid, environment overrides are ignored and
// the cache and state live in the home of the user it runs as.
#pragma once

#include <filesystem>

#include "modelzoo/sdk/export.h"

namespace modelzoo {

MODELZOO_API std::filesystem::path cache_root();
MODELZOO_API std::filesystem::path config_root();
MODELZOO_API std::filesystem::path state_root();

/// True when the process runs with elevated privileges (setuid/setgid),
/// where the environment must not steer security decisions.
MODELZOO_API bool running_privileged();

}  // namespace modelzoo

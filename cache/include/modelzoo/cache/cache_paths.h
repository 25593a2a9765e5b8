// Where caches live. modelzoo's own root and torch.hub's checkpoint directory
// (read-only to us: a file found there with the right hash is reused, never
// modified).
#pragma once

#include <filesystem>

#include "modelzoo/sdk/export.h"

namespace modelzoo::cache {

/// `$MODELZOO_HOME`, else `$XDG_CACHE_HOME/modelzoo`, else `~/.cache/modelzoo`.
MODELZOO_API std::filesystem::path default_cache_root();

/// torch.hub's checkpoint cache: `$TORCH_HOME/hub/checkpoints`, else
/// `$XDG_CACHE_HOME/torch/hub/checkpoints`, else `~/.cache/torch/hub/checkpoints`.
MODELZOO_API std::filesystem::path torch_hub_checkpoint_dir();

}  // namespace modelzoo::cache

// Where plugins are looked for, in this order: the directories in
// MODELZOO_PLUGIN_PATH (colon-separated), the install's plugin directory,
// then next to the running executable: `plugins/`, and `../lib/modelzoo/
// plugins` (the install layout, so a relocated install or the build tree
// finds its own plugins). Within a directory, files
// ending in ".so" are taken in byte order of their names, so the order
// (and so which of two providers of one name wins) is deterministic.
#pragma once

#include <filesystem>
#include <vector>

#include "modelzoo/sdk/export.h"

namespace modelzoo {

/// The default search path; directories that do not exist are kept out,
/// duplicates (after resolving symlinks) are kept once.
MODELZOO_API std::vector<std::filesystem::path> default_plugin_search_path();

/// The plugin files in `directories`, in search order.
MODELZOO_API std::vector<std::filesystem::path> find_plugin_files(
    const std::vector<std::filesystem::path>& directories);

}  // namespace modelzoo

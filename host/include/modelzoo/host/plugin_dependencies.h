// A plugin's own dependencies, resolved as if it were loaded from its path.
//
// The host loads a plugin through /proc/self/fd/N — the descriptor its trust
// was checked on — so the dynamic loader sees $ORIGIN as /proc/self/fd and
// cannot find what the plugin's RUNPATH points at beside it. Before loading
// a plugin, the host therefore loads its direct dependencies itself:
//   - modelzoo's own libraries (libmodelzoo_*) from the host's install
//     (install_layout().libdir): a plugin runs against the SDK of the host
//     that loads it, wherever either was installed;
//   - others that one of its $ORIGIN RUNPATH entries, expanded to the
//     plugin's real directory, holds.
// The loader then binds the plugin to those by soname; everything else it
// finds itself (system directories, absolute RUNPATH entries,
// LD_LIBRARY_PATH).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "modelzoo/host/elf_section.h"
#include "modelzoo/sdk/export.h"

namespace modelzoo {

/// Loads the dependencies of the plugin at `plugin_path` (described by
/// `dependencies`) that the loader could not find from /proc/self/fd.
/// Throws modelzoo::Error naming a dependency that exists but cannot load.
MODELZOO_API void load_plugin_dependencies(const ElfDependencies& dependencies,
                                           const std::filesystem::path& plugin_path);

/// Every directory a dependency of the plugin is looked for in, in the
/// loader's order (the host's library directory, the plugin's RUNPATH with
/// $ORIGIN expanded, LD_LIBRARY_PATH); a change in one of them may change
/// whether and how the plugin loads.
MODELZOO_API std::vector<std::filesystem::path> dependency_search_dirs(
    const ElfDependencies& dependencies, const std::filesystem::path& plugin_path);

}  // namespace modelzoo

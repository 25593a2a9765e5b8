// Files a plugin ships with itself (the lut family's trained weights), named
// in its manifest as `shipped://REL` and installed under
// `<its install prefix>/share/modelzoo/REL`. The URL is turned into a
// file:// URL where the plugin really is, at run time, so neither a build
// machine's path nor the configured prefix is ever embedded: a moved
// install, an extracted .deb and the build tree (laid out like an install)
// find their own copy.
#pragma once

#include <filesystem>

#include "modelzoo/sdk/manifest.h"

namespace modelzoo {

/// Replaces every shipped:// URL of `manifest`'s variants by the file:// URL
/// of the file: the nearest `share/modelzoo/REL` at or above the directory of
/// `plugin_path`, else the host install's own data directory's (whose
/// absence the download then reports with that path).
void resolve_shipped_files(Manifest& manifest, const std::filesystem::path& plugin_path);

}  // namespace modelzoo

// Where this modelzoo install keeps its parts, computed at run time from the
// location of libmodelzoo_host itself — never from the prefix the build was
// configured with — so any prefix works (`cmake --install --prefix P`, an
// extracted .deb, a copied or moved tree, the build tree, which is laid out
// like an install):
//
//   <prefix>/<libdir>/libmodelzoo_host.so.N      found with dladdr
//   <prefix>/<libdir>/modelzoo/modelzoo-scan     the plugin scanner
//   <prefix>/<libdir>/modelzoo/plugins/          first-party plugins
//   <prefix>/share/modelzoo/                     shipped data (weights)
//   <prefix>/etc/modelzoo/trust/                 system trust store
//                                                (X/etc/modelzoo/trust when
//                                                the prefix is X/usr: /usr,
//                                                or a .deb extracted to X)
//
// The relative parts are CMake's GNUInstallDirs values of the build.
#pragma once

#include <filesystem>

#include "modelzoo/sdk/export.h"

namespace modelzoo {

struct InstallLayout {
  std::filesystem::path prefix;
  std::filesystem::path libdir;       ///< holds libmodelzoo_*.so
  std::filesystem::path plugin_dir;   ///< first-party plugins
  std::filesystem::path scanner;      ///< modelzoo-scan
  std::filesystem::path data_dir;     ///< <prefix>/share/modelzoo
  std::filesystem::path sysconf_dir;  ///< <prefix>/etc/modelzoo (or /etc/modelzoo)
};

/// The layout of the install this library was loaded from.
MODELZOO_API const InstallLayout& install_layout();

/// The layout around a library directory `libdir` (exposed for tests).
MODELZOO_API InstallLayout layout_from_libdir(const std::filesystem::path& libdir);

}  // namespace modelzoo

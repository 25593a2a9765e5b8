#include "modelzoo/host/install_layout.h"

#include <dlfcn.h>

#include <vector>

namespace modelzoo {
namespace fs = std::filesystem;

namespace {

// Sets *out to `path` without the trailing components of `suffix`; false
// when it does not end with them.
bool strip_suffix(fs::path path, const fs::path& suffix, fs::path* out) {
  std::vector<fs::path> parts(suffix.begin(), suffix.end());
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
    if (path.filename() != *it) return false;
    path = path.parent_path();
  }
  *out = path;
  return true;
}

}  // namespace

InstallLayout layout_from_libdir(const fs::path& libdir) {
  InstallLayout layout;
  layout.libdir = libdir.lexically_normal();
  if (layout.libdir.filename().empty()) layout.libdir = layout.libdir.parent_path();
  // A library directory outside the usual layout (copied beside an app's
  // binary, say) is its own prefix's `lib`.
  if (!strip_suffix(layout.libdir, MODELZOO_RELATIVE_LIBDIR, &layout.prefix))
    layout.prefix = layout.libdir.parent_path();
  layout.plugin_dir = layout.prefix / MODELZOO_RELATIVE_PLUGIN_DIR;
  layout.scanner = layout.libdir / "modelzoo" / "modelzoo-scan";
  layout.data_dir = layout.prefix / MODELZOO_RELATIVE_DATADIR / "modelzoo";
  // GNUInstallDirs' rule: a /usr install keeps its configuration in /etc —
  // and so does a package extracted elsewhere (X/usr, X/etc).
  layout.sysconf_dir =
      (layout.prefix.filename() == "usr" ? layout.prefix.parent_path() / "etc"
                                         : layout.prefix / MODELZOO_RELATIVE_SYSCONFDIR) /
      "modelzoo";
  return layout;
}

const InstallLayout& install_layout() {
  static const InstallLayout layout = [] {
    Dl_info info{};
    if (dladdr(reinterpret_cast<void*>(&layout_from_libdir), &info) && info.dli_fname) {
      std::error_code ec;
      const fs::path library = fs::absolute(info.dli_fname, ec);
      if (!ec) return layout_from_libdir(library.parent_path());
    }
    return layout_from_libdir("/usr/" MODELZOO_RELATIVE_LIBDIR);  // unreachable on glibc
  }();
  return layout;
}

}  // namespace modelzoo

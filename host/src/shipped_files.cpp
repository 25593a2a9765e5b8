#include "shipped_files.h"

#include "modelzoo/host/install_layout.h"

namespace modelzoo {
namespace fs = std::filesystem;

namespace {

// How far above the plugin's directory its prefix may be:
// <prefix>/lib/<multiarch>/modelzoo/plugins is four levels down.
constexpr int kMaxLevels = 5;

fs::path locate(const std::string& relative, const fs::path& plugin_path) {
  std::error_code ec;
  fs::path dir = fs::absolute(plugin_path, ec).parent_path().lexically_normal();
  for (int level = 0; level < kMaxLevels && !dir.empty(); ++level) {
    const fs::path candidate = dir / MODELZOO_RELATIVE_DATADIR / "modelzoo" / relative;
    if (fs::is_regular_file(candidate, ec)) return candidate;
    if (dir == dir.root_path()) break;
    dir = dir.parent_path();
  }
  return install_layout().data_dir / relative;
}

}  // namespace

void resolve_shipped_files(Manifest& manifest, const fs::path& plugin_path) {
  for (auto& entrypoint : manifest.entrypoints)
    for (auto& variant : entrypoint.variants)
      for (auto& file : variant.files)
        for (auto& url : file.urls)
          if (auto relative = shipped_path(url))
            url = "file://" + locate(*relative, plugin_path).string();
}

}  // namespace modelzoo

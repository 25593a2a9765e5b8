// modelzoo-scan: the helper process that loads plugins on the host's behalf
// (see modelzoo/host/plugin_scanner.h). It takes `SHA256 PATH` pairs as
// arguments, checks that each file still has the digest the host verified,
// loads it, runs its entry, checks its factories against its manifest
// and prints one JSON line per step. A plugin that crashes or hangs takes
// down only this process.
#include <fcntl.h>
#include <link.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "modelzoo/host/elf_section.h"
#include "modelzoo/host/plugin_dependencies.h"
#include "modelzoo/host/plugin_library.h"
#include "modelzoo/sdk/manifest.h"
#include "modelzoo/sdk/plugin_abi.h"
#include "modelzoo/trust/crypto.h"

namespace {

int add_loaded_object(dl_phdr_info* info, size_t, void* out) {
  const std::string name = info->dlpi_name ? info->dlpi_name : "";
  // The scanner itself (""), the vDSO and plugins (loaded by descriptor)
  // are not files whose change the loader would see.
  if (!name.empty() && name.front() == '/' && name.rfind("/proc/self/fd/", 0) != 0)
    static_cast<nlohmann::json*>(out)->push_back(name);
  return 0;
}

// What the outcome of loading the plugin at `path` (open on `fd`) depends
// on: every library loaded so far, the directories its dependencies are
// looked for in, and the loader's cache of the system's libraries.
nlohmann::json probe_depends(int fd, const std::string& path) {
  nlohmann::json depends = nlohmann::json::array();
  dl_iterate_phdr(add_loaded_object, &depends);
  try {
    for (const auto& dir :
         modelzoo::dependency_search_dirs(modelzoo::read_elf_dependencies(fd), path))
      depends.push_back(dir.string());
  } catch (const std::exception&) {
    // Not an ELF file: nothing it could resolve.
  }
  depends.push_back("/etc/ld.so.cache");
  return depends;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 1;
  int first = 1;
  if (argc > 2 && std::strcmp(argv[1], "--threads") == 0) {
    threads = std::atoi(argv[2]);
    first = 3;
  }
  for (int i = first; i + 1 < argc; i += 2) {
    const std::string expected_sha256 = argv[i];
    const std::string path = argv[i + 1];
    std::cout << nlohmann::json{{"probing", path}}.dump() << std::endl;
    nlohmann::json result = {{"path", path}, {"ok", true}};
    int fd = -1;
    try {
      fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) throw std::runtime_error(std::string("cannot open: ") + std::strerror(errno));
      if (modelzoo::trust::sha256_of_fd(fd, nullptr) != expected_sha256)
        throw std::runtime_error("the file changed since it was checked");
      const auto manifest = modelzoo::parse_manifest_document(
          modelzoo::read_elf_section(fd, modelzoo::kManifestSection));
      modelzoo::PluginLibrary::open(fd, path, manifest, threads);
    } catch (const std::exception& e) {
      result["ok"] = false;
      result["reason"] = e.what();
    }
    // The descriptor stays open (PluginLibrary pins it, or it was never
    // loaded): it is read once more here.
    if (fd >= 0) result["depends"] = probe_depends(fd, path);
    std::cout << result.dump() << std::endl;
  }
  return 0;
}

// modelzoo-scan: the helper process that loads plugins on the host's behalf
// (see modelzoo/host/plugin_scanner.h). It takes `SHA256 PATH` pairs as
// arguments, checks that each file still has the digest the host verified,
// loads it, runs its entry, checks its factories against its manifest
// and prints one JSON line per step. A plugin that crashes or hangs takes
// down only this process.
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "modelzoo/host/elf_section.h"
#include "modelzoo/host/plugin_library.h"
#include "modelzoo/sdk/manifest.h"
#include "modelzoo/sdk/plugin_abi.h"
#include "modelzoo/trust/crypto.h"

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
    try {
      const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) throw std::runtime_error(std::string("cannot open: ") + std::strerror(errno));
      if (modelzoo::trust::sha256_of_fd(fd, nullptr) != expected_sha256)
        throw std::runtime_error("the file changed since it was checked");
      const auto manifest =
          modelzoo::parse_manifest_document(modelzoo::read_elf_section(fd, modelzoo::kManifestSection));
      modelzoo::PluginLibrary::open(fd, manifest, threads);
    } catch (const std::exception& e) {
      result["ok"] = false;
      result["reason"] = e.what();
    }
    std::cout << result.dump() << std::endl;
  }
  return 0;
}

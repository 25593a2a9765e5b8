// libFuzzer target: the ELF reader the host runs on every file of the plugin
// path before any trust decision — the manifest section and the dynamic
// section's dependencies. Any bytes must give an error, never a crash.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>

#include "modelzoo/host/elf_section.h"
#include "modelzoo/sdk/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const int fd = memfd_create("fuzz.so", MFD_CLOEXEC);
  if (fd < 0) std::abort();
  if (size > 0 && write(fd, data, size) != static_cast<ssize_t>(size)) std::abort();
  try {
    (void)modelzoo::read_elf_section(fd, ".modelzoo_manifest");
  } catch (const modelzoo::Error&) {
  }
  try {
    const auto deps = modelzoo::read_elf_dependencies(fd);
    for (const auto& dir : deps.search_path)
      if (dir.empty() || dir.find(':') != std::string::npos) std::abort();
  } catch (const modelzoo::Error&) {
  }
  close(fd);
  return 0;
}

// libFuzzer target: the safetensors reader on arbitrary bytes, through the
// real path (an in-memory file, mapped). Every view it accepts is read in
// full, so a bounds check it got wrong shows up under ASan.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <string>

#include "modelzoo/formats/safetensors.h"
#include "modelzoo/sdk/error.h"
#include "touch_views.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const int fd = memfd_create("fuzz.safetensors", 0);
  if (fd < 0 || ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)) return 0;
  try {
    const auto file = modelzoo::formats::read_safetensors(
        modelzoo::formats::MappedFile::open("/proc/self/fd/" + std::to_string(fd)));
    modelzoo::fuzz::touch_views(file.tensors);
  } catch (const modelzoo::Error&) {
  }
  return 0;
}

// libFuzzer target: the LUT family's YAML configs, both ways they arrive —
// a config file's text (`modelzoo train lut FILE`), and the `config`
// metadata of a safetensors file (`run --weights`, `train` resuming a
// checkpoint) — told apart by the input's first bytes, as read_tensor_file
// tells formats apart. A config that loads must also write out as JSON
// (what a checkpoint's header holds) and read back from its own YAML.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <string>

#include "lut_config.h"
#include "modelzoo/formats/safetensors.h"
#include "modelzoo/sdk/error.h"

namespace {

void load(const std::string& text, const std::string& source) {
  const auto config = modelzoo::lut::LutConfig::from_yaml_text(text, source);
  (void)config.to_json().dump();  // throws on strings that are not UTF-8
  const auto again = modelzoo::lut::LutConfig::from_yaml_text(config.to_yaml(), "written");
  if (again.to_json() != config.to_json()) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace modelzoo::formats;
  try {
    if (detect_format(data, size) == "safetensors") {
      static const int fd = memfd_create("fuzz.safetensors", 0);
      if (fd < 0 || ftruncate(fd, 0) != 0 ||
          pwrite(fd, data, size, 0) != static_cast<ssize_t>(size))
        return 0;
      const auto file = read_safetensors(MappedFile::open("/proc/self/fd/" + std::to_string(fd)));
      if (auto it = file.metadata.find("config"); it != file.metadata.end())
        load(it->second, "fuzz.safetensors (config)");
    } else {
      load(std::string(reinterpret_cast<const char*>(data), size), "fuzz.yaml");
    }
  } catch (const modelzoo::Error&) {
  }
  return 0;
}

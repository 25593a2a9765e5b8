// libFuzzer target: the zip central-directory reader on arbitrary bytes.
// Every entry it accepts is read in full, so a wrong bounds check shows up
// under ASan.
#include <cstdint>
#include <string>

#include "../../sdk/formats/src/zip_reader.h"
#include "modelzoo/sdk/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto entries = modelzoo::formats::read_zip_directory(data, size, "fuzz.pth");
    volatile uint8_t sink = 0;
    for (const auto& [name, entry] : entries)
      for (uint64_t i = 0; i < entry.size; ++i) sink = sink ^ data[entry.data_offset + i];
  } catch (const modelzoo::Error&) {
  }
  return 0;
}

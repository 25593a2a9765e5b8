// libFuzzer target: the LUT family's IDX reader (Fashion-MNIST files, plain
// or gzip) on arbitrary bytes, labels checked as load_fashion_mnist checks
// them. The payload must be exactly what the header's shape promises.
#include <cstdint>

#include "idx_reader.h"
#include "modelzoo/sdk/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace modelzoo::lut;
  try {
    const IdxArray array = parse_idx(data, size, "fuzz-idx1-ubyte");
    uint64_t elements = 1;
    for (const int64_t n : array.shape) elements *= static_cast<uint64_t>(n);
    if (array.shape.empty() || elements != array.data.size()) __builtin_trap();
    check_labels(array, 10, "fuzz-idx1-ubyte");
  } catch (const modelzoo::Error&) {
  }
  return 0;
}

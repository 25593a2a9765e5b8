// libFuzzer target: the unpickler's TorchScript mode on arbitrary bytes (a
// torch.jit.save archive's data.pkl: __torch__ objects by NEWOBJ + BUILD,
// torch.jit._pickle's builders, trees walked through attributes, lists and
// tuples), with every persistent id resolving to one small storage buffer
// (or missing, for keys starting with "x"). Every tensor it accepts is
// checked against its storage and touched, so a wrong bounds check shows up
// under ASan.
#include <array>
#include <cstdint>
#include <string>

#include "../../sdk/formats/src/unpickler.h"
#include "modelzoo/sdk/error.h"
#include "touch_views.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace modelzoo::formats;
  static const std::array<uint8_t, 4096> storage{};
  const StorageResolver resolve = [](const std::string& key, DType dtype) {
    if (!key.empty() && key[0] == 'x') throw modelzoo::Error("storage '" + key + "' is missing");
    // Sizes vary with the key, so short storages are exercised too.
    const size_t bytes =
        key.size() >= storage.size() ? storage.size() : key.size() * 97 % storage.size();
    return StorageRef{dtype, storage.data(), bytes, key};
  };
  try {
    modelzoo::fuzz::touch_views(unpickle_torchscript(data, size, resolve, "fuzz.jit").tensors);
  } catch (const modelzoo::Error&) {
  }
  return 0;
}

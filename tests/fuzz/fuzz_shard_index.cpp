// libFuzzer target: the sharded-safetensors index reader on arbitrary bytes.
// An index is JSON from the network; it must be refused with an error,
// never crash (deep nesting included), and what it accepts must be sane.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "modelzoo/formats/shard_index.h"
#include "modelzoo/sdk/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto index = modelzoo::formats::parse_shard_index(
        std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.index.json");
    for (const auto& [tensor, shard] : index.weight_map)
      if (shard.empty() || shard.find('/') != std::string::npos) std::abort();
  } catch (const modelzoo::Error&) {
  }
  modelzoo::formats::looks_like_shard_index(data, size);
  return 0;
}

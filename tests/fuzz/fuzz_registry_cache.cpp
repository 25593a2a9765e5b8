// libFuzzer target: the registry cache file, which another process sharing
// the cache directory could have written. The input is given its checksum,
// so the decoder behind it is what gets fuzzed: it either fails (the cache
// is then rebuilt) or gives entries that encode and decode again.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "modelzoo/host/registry_cache.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  const std::string host = "{\"fuzz\":1}";
  try {
    const auto entries = modelzoo::RegistryCache::decode(modelzoo::RegistryCache::seal(body), host);
    const auto again =
        modelzoo::RegistryCache::decode(modelzoo::RegistryCache::encode(entries, host), host);
    if (again.size() != entries.size()) std::abort();
  } catch (const std::exception&) {
  }
  // Unchanged input: the checksum must refuse it (or it is a valid cache).
  try {
    (void)modelzoo::RegistryCache::decode(body, host);
  } catch (const std::exception&) {
  }
  return 0;
}

// libFuzzer target: the manifest parser, which reads what a plugin file
// embeds before any trust decision, and the index the registry cache keeps
// of it. Any bytes must give an error, never a crash; an accepted manifest
// must survive its index round trip.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "modelzoo/sdk/error.h"
#include "modelzoo/sdk/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const modelzoo::Manifest manifest = modelzoo::parse_manifest_document(text);
    const modelzoo::Manifest index =
        modelzoo::parse_manifest_index(modelzoo::manifest_index_text(manifest));
    if (index.family != manifest.family || index.entrypoints.size() != manifest.entrypoints.size())
      std::abort();
  } catch (const modelzoo::Error&) {
  }
  try {
    (void)modelzoo::parse_manifest_index(text);
  } catch (const modelzoo::Error&) {
  }
  return 0;
}

// libFuzzer target: the cache's JSON records (meta/<hex>.json and
// refs/<alias>.json), which anyone who can write a shared cache can plant.
// A record is refused with modelzoo::Error or accepted; an accepted one
// holds only a full digest, plain file names and valid aliases, and what
// the store would write for it reads back.
#include <cstdlib>
#include <string>

#include "modelzoo/cache/sha256.h"
#include "modelzoo/sdk/error.h"
#include "store_records.h"

namespace {
const std::string kHex(64, 'a');
const std::string kAlias = "vision/resnet50.IMAGENET1K_V2";
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace modelzoo::cache;
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    if (data[0] & 1) {
      const BlobRecord r = blob_record_from_text(text, kHex);
      for (const auto& f : r.files)
        if (!is_plain_file_name(f)) std::abort();
      for (const auto& a : r.aliases)
        if (!is_valid_alias(a)) std::abort();
      const BlobRecord again = blob_record_from_text(to_json(r).dump(), kHex);
      if (again.files != r.files || again.aliases != r.aliases || again.size != r.size)
        std::abort();
    } else {
      const AliasRecord r = alias_record_from_text(text, kAlias);
      if (!is_full_digest(r.sha256)) std::abort();
      if (!r.file.empty() && !is_plain_file_name(r.file)) std::abort();
      const AliasRecord again = alias_record_from_text(to_json(r).dump(), kAlias);
      if (again.sha256 != r.sha256 || again.pinned != r.pinned) std::abort();
    }
  } catch (const modelzoo::Error&) {
  }
  return 0;
}

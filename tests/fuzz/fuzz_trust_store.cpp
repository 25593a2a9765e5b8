// libFuzzer target: a trust-store entry, as the host reads every *.json of
// the trust directories. A bad entry is a named problem, never a crash; an
// entry that mentions revocation and is not understood must not leave its
// key trusted.
#include <string>

#include "fuzz_file_input.h"
#include "modelzoo/trust/trust_store.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto dir = fuzz::work_dir() / "trust";
  std::filesystem::create_directories(dir);
  fuzz::write_input(dir / "entry.json", data, size);
  const auto store = modelzoo::trust::TrustStore::load({dir});
  for (const auto& key : store.keys())
    if (!key.revoked && !key.expires.empty() && !modelzoo::trust::is_iso_date(key.expires))
      std::abort();  // an unreadable expiry must refuse the key
  return 0;
}

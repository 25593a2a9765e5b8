// libFuzzer target: the downgrade ledger. A file that cannot be read must be
// reported as a problem (never taken as empty), and never overwritten.
#include <cstdlib>
#include <string>

#include "fuzz_file_input.h"
#include "modelzoo/trust/version_ledger.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto file = fuzz::work_dir() / "accepted-versions.json";
  fuzz::write_input(file, data, size);
  modelzoo::trust::VersionLedger ledger(file);
  if (!ledger.problem().empty()) {
    ledger.accept("fuzz", "999");
    if (ledger.highest("fuzz")) std::abort();  // a damaged ledger learnt something
    std::ifstream in(file, std::ios::binary);
    const std::string after((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (after != std::string(reinterpret_cast<const char*>(data), size)) std::abort();
  }
  return 0;
}

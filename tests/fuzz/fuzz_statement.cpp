// libFuzzer target: a plugin's signature statement (NAME.so.sig), read
// beside any file on the plugin path before its trust is decided.
#include "fuzz_file_input.h"
#include "modelzoo/sdk/error.h"
#include "modelzoo/trust/statement.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string plugin = (fuzz::work_dir() / "plugin.so").string();
  fuzz::write_input(modelzoo::trust::statement_path(plugin), data, size);
  try {
    const auto statement = modelzoo::trust::read_statement(plugin);
    if (statement) (void)modelzoo::trust::canonical_text(statement->statement);
  } catch (const modelzoo::Error&) {
  }
  return 0;
}

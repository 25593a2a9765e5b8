// The one exported function of libmodelzoo_model_commands.so: dispatches a
// model-path command and turns every error into a message and exit code.
#include <iostream>

#include "../modelzoo/model_command_abi.h"
#include "model_command.h"

extern "C" __attribute__((visibility("default"))) int modelzoo_run_model_command(
    const char* command, const char* args_json) {
  using namespace modelzoo::cli;
  static_assert(std::is_same_v<decltype(modelzoo_run_model_command), ModelCommandEntry>);
  try {
    const auto args = nlohmann::json::parse(args_json);
    const std::string name = command;
    if (name == "create") return create_command(args);
    std::cerr << "modelzoo: error: unknown model command '" << name << "'\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "modelzoo: error: " << e.what() << '\n';
    return 1;
  }
}

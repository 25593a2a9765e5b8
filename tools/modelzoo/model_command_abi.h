// The call from the `modelzoo` binary into libmodelzoo_model_commands.so.
// Arguments travel as JSON text; the function prints its own output and
// errors and returns the process exit code (0, 1 for a user error).
#pragma once

namespace modelzoo::cli {

using ModelCommandEntry = int(const char* command, const char* args_json);

inline constexpr const char* kModelCommandSymbol = "modelzoo_run_model_command";
inline constexpr const char* kModelCommandsLibrary = "libmodelzoo_model_commands.so";

}  // namespace modelzoo::cli

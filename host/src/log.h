// The host's messages, on stderr so that stdout stays clean for a command's
// output (and its --json). Warnings always show; debug messages when
// MODELZOO_LOG=debug. A few lines of its own rather than spdlog: linking
// spdlog and fmt cost every process two more libraries at start for the
// four messages the host writes.
#pragma once

#include <string>

namespace modelzoo {

void log_warning(const std::string& message);
void log_debug(const std::string& message);

}  // namespace modelzoo

// The host's logger: named "modelzoo", writing to stderr so that stdout stays
// clean for a command's output (and its --json).
#pragma once

#include <spdlog/logger.h>

namespace modelzoo {

spdlog::logger& host_log();

}  // namespace modelzoo

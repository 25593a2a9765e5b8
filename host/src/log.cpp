#include "log.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace modelzoo {

spdlog::logger& host_log() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    auto existing = spdlog::get("modelzoo");
    return existing ? existing : spdlog::stderr_color_mt("modelzoo");
  }();
  return *logger;
}

}  // namespace modelzoo

#include "log.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace modelzoo {
namespace {

void write_line(const char* level, const std::string& message) {
  // One write per message, so lines from threads or processes sharing
  // stderr do not interleave mid-line.
  const std::string line = std::string("modelzoo: ") + level + ": " + message + "\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace

void log_warning(const std::string& message) {
  write_line("warning", message);
}

void log_debug(const std::string& message) {
  static const bool enabled = [] {
    const char* level = std::getenv("MODELZOO_LOG");
    return level && std::strcmp(level, "debug") == 0;
  }();
  if (enabled) write_line("debug", message);
}

}  // namespace modelzoo

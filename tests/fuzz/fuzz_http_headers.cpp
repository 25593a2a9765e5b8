// libFuzzer target: HTTP response header lines, as a server (or anyone on
// the path of plain http) sends them to the downloader. Parsing never
// throws, and what it yields stays in range.
#include <chrono>
#include <cstdlib>
#include <string_view>

#include "http_headers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace modelzoo::cache;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  ResponseHeaders headers;
  while (!input.empty()) {
    const std::size_t end = input.find('\n');
    const std::string_view line = input.substr(0, end == std::string_view::npos ? end : end + 1);
    apply_header_line(line, headers);
    input.remove_prefix(line.size());
    if (headers.retry_after &&
        (headers.retry_after->count() < 0 || *headers.retry_after > std::chrono::hours(24 * 366)))
      std::abort();
    if (headers.status < 0 || headers.status > 999) std::abort();
  }
  return 0;
}

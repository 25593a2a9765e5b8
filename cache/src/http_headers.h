// The response headers the downloader acts on, parsed from the raw lines a
// server sent. The bytes are the server's: nothing here throws, allocates
// in proportion to a number, or overflows; a malformed value is absent.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace modelzoo::cache {

struct ResponseHeaders {
  long status = 0;           ///< of the last status line (redirects, 100-continue)
  std::string content_type;  ///< lower case
  std::optional<std::uint64_t> content_length;
  std::optional<std::uint64_t> range_start;  ///< Content-Range "bytes S-E/T"
  std::optional<std::uint64_t> range_total;
  std::optional<std::chrono::milliseconds> retry_after;  ///< at most a year
  std::string location;
};

enum class HeaderLine { status, location, other };

/// Applies one header line as libcurl hands it (with its CRLF): a status
/// line starts a new response and resets every field.
HeaderLine apply_header_line(std::string_view line, ResponseHeaders& headers);

/// A decimal number of digits only; nullopt when empty, not digits, or
/// larger than 2^64 - 1.
std::optional<std::uint64_t> parse_decimal(std::string_view text);

/// Retry-After: delta-seconds (saturating at a year) or an HTTP date.
std::optional<std::chrono::milliseconds> parse_retry_after(const std::string& value);

}  // namespace modelzoo::cache

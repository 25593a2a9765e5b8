// Parsing of HTTP response header lines; see http_headers.h.
#include "http_headers.h"

#include <algorithm>
#include <cctype>
#include <ctime>

#include "curl_api.h"

namespace modelzoo::cache {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  return s;
}

bool all_digits(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

}  // namespace

std::optional<std::uint64_t> parse_decimal(std::string_view text) {
  if (!all_digits(text)) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : text) {
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

std::optional<std::chrono::milliseconds> parse_retry_after(const std::string& value) {
  if (value.empty()) return std::nullopt;
  constexpr long long kYear = 365LL * 24 * 3600;
  if (all_digits(value)) {
    // Saturating: a server may send any number of digits, and the caller
    // caps the wait anyway (retry_after_max).
    long long seconds = 0;
    for (char c : value) {
      seconds = seconds * 10 + (c - '0');
      if (seconds > kYear) return std::chrono::seconds(kYear);
    }
    return std::chrono::seconds(seconds);
  }
  const time_t when = detail::curl_api().getdate(value.c_str(), nullptr);
  if (when < 0) return std::nullopt;
  const time_t now = std::time(nullptr);
  const long long wait = when > now ? static_cast<long long>(when - now) : 0;
  return std::chrono::seconds(std::min(wait, kYear));
}

HeaderLine apply_header_line(std::string_view line, ResponseHeaders& h) {
  if (line.rfind("HTTP/", 0) == 0) {
    h = ResponseHeaders{};
    const std::size_t space = line.find(' ');
    if (space != std::string_view::npos) {
      std::string_view code = line.substr(space + 1, 3);
      if (code.size() == 3 && all_digits(code)) h.status = static_cast<long>(*parse_decimal(code));
    }
    return HeaderLine::status;
  }
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return HeaderLine::other;
  const std::string key = lower(trim(line.substr(0, colon)));
  const std::string_view value = trim(line.substr(colon + 1));
  if (key == "content-type") {
    h.content_type = lower(value);
  } else if (key == "content-length") {
    h.content_length = parse_decimal(value);
  } else if (key == "retry-after") {
    h.retry_after = parse_retry_after(std::string(value));
  } else if (key == "location") {
    h.location = std::string(value);
    return HeaderLine::location;
  } else if (key == "content-range") {
    // "bytes 100-199/200" or "bytes */200"
    const std::string v = lower(value);
    if (v.rfind("bytes ", 0) == 0) {
      const std::string_view spec = std::string_view(v).substr(6);
      const std::size_t slash = spec.find('/');
      if (slash != std::string_view::npos) {
        const std::string_view range = spec.substr(0, slash), total = spec.substr(slash + 1);
        if (range != "*") h.range_start = parse_decimal(range.substr(0, range.find('-')));
        if (total != "*") h.range_total = parse_decimal(total);
      }
    }
  }
  return HeaderLine::other;
}

}  // namespace modelzoo::cache

// One HTTP(S) request into a HashingWriter, classified for the retry loop in
// store.cpp. Resumes with a Range request when the writer already holds bytes
// and copes with servers that ignore Range (200) or refuse it (416).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "hashing_writer.h"
#include "modelzoo/cache/progress.h"

namespace modelzoo::cache {

struct FetchRequest {
  std::string url;
  std::string name;  ///< for progress events
  std::optional<std::uint64_t> expected_size;
  /// Without an expected size: the most bytes accepted (a server that
  /// announces or sends more is cut off); nullopt for no limit.
  std::optional<std::uint64_t> max_size;
  bool allow_http_redirects = false;  ///< to plain http on any host
  /// To plain http on loopback hosts only (a loopback http:// URL); https
  /// redirects are always followed.
  bool allow_loopback_http_redirects = false;
  std::chrono::seconds connect_timeout{30};
  std::chrono::seconds low_speed_time{60};
  ProgressSink* progress = nullptr;
  std::string ca_bundle;  ///< CURLOPT_CAINFO when not empty
};

struct FetchOutcome {
  enum class Status {
    complete,             ///< the body arrived in full (digest still to check)
    retryable,            ///< connection error, timeout, 408, 429, 5xx, short body
    url_failed,           ///< 404, 403, HTML page, size mismatch: try the next URL
    range_unsatisfiable,  ///< 416: the partial is not a prefix the server accepts
    write_failed,         ///< local disk error (disk full): stop everything
  };
  Status status = Status::complete;
  long http_code = 0;
  std::string message;  ///< what went wrong, for the user
  std::optional<std::chrono::milliseconds> retry_after;
  bool sent_range = false;
  bool range_ignored = false;               ///< asked for a range, got 200
  std::optional<std::uint64_t> total_size;  ///< from Content-Length / Content-Range
  int write_errno = 0;
};

FetchOutcome fetch_once(const FetchRequest& request, HashingWriter& writer);

/// True for http(s) URLs whose host is 127.0.0.0/8, ::1 or localhost.
bool is_loopback_url(const std::string& url);
/// Lower-case scheme of a URL ("https"), empty if unparsable.
std::string url_scheme(const std::string& url);

}  // namespace modelzoo::cache

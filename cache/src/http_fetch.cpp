#include "http_fetch.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <mutex>

#include "curl_api.h"
#include "http_headers.h"

#include "modelzoo/sdk/error.h"

namespace modelzoo::cache {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

struct Transfer {
  CURL* handle = nullptr;
  const FetchRequest* request = nullptr;
  HashingWriter* writer = nullptr;
  std::uint64_t offset = 0;  // bytes we asked the server to skip

  // Per response (reset at each status line: redirects, 100-continue).
  ResponseHeaders headers;  // of the current response, as parsed so far

  bool body_started = false;
  bool aborted = false;
  FetchOutcome::Status abort_status = FetchOutcome::Status::url_failed;
  std::string abort_message;
  int write_errno = 0;
  bool range_ignored = false;
  std::uint64_t received = 0;
  /// The file's size as this response tells it (the manifest's, else the
  /// Content-Range total, else Content-Length plus the resumed bytes), fixed
  /// at the first body byte; every progress event carries it.
  std::optional<std::uint64_t> total;
  std::chrono::steady_clock::time_point last_progress{};
};

std::string url_host(const std::string& url);
std::string resolve_redirect(CURL* handle, const std::string& location);

// A plain-http loopback server may redirect within loopback or to https,
// never to plain http elsewhere: that would fetch unverified bytes from a
// host the user never allowed.
bool redirect_refused(Transfer* t, const std::string& location) {
  if (t->request->allow_http_redirects || !t->request->allow_loopback_http_redirects) return false;
  const std::string target = resolve_redirect(t->handle, location);
  if (url_scheme(target) != "http" || is_loopback_url(target)) return false;
  t->aborted = true;
  t->abort_status = FetchOutcome::Status::url_failed;
  t->abort_message = "redirect to plain http on another host refused (" +
                     (target.empty() ? location : target) +
                     "); use https there, or set MODELZOO_ALLOW_HTTP=1 to allow it";
  return true;
}

size_t read_header(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const HeaderLine kind = apply_header_line(std::string_view(data, size * count), t->headers);
  if (kind == HeaderLine::location && t->headers.status >= 300 && t->headers.status < 400 &&
      redirect_refused(t, t->headers.location))
    return 0;  // aborts the transfer
  return size * count;
}

std::string max_size_refusal(std::uint64_t limit) {
  return "the file is larger than the " + format_bytes(limit) +
         " limit for a download whose size nobody declared; raise it (modelzoo pull --max-size "
         "SIZE) if the file really is that large";
}

// Fixes t->total from the accepted response's headers; refuses a file that
// announces more than the request's maximum.
template <typename Fail>
bool accept_size(Transfer* t, Fail&& fail) {
  t->total = t->request->expected_size;
  if (!t->total && t->headers.range_total) t->total = t->headers.range_total;
  if (!t->total && t->headers.content_length)
    t->total = *t->headers.content_length + t->writer->size();
  const auto& limit = t->request->max_size;
  if (!t->request->expected_size && limit && t->total && *t->total > *limit)
    return fail(FetchOutcome::Status::url_failed, "the server announces " +
                                                      std::to_string(*t->total) + " bytes; " +
                                                      max_size_refusal(*limit));
  return true;
}

// Decides, at the first body byte, whether this response is the file.
bool accept_body(Transfer* t) {
  auto fail = [t](FetchOutcome::Status status, std::string message) {
    t->aborted = true;
    t->abort_status = status;
    t->abort_message = std::move(message);
    return false;
  };
  const std::optional<std::uint64_t>& expected = t->request->expected_size;
  if (t->headers.status == 200) {
    if (t->headers.content_type.rfind("text/html", 0) == 0)
      return fail(FetchOutcome::Status::url_failed,
                  "the server answered with an HTML page (Content-Type " + t->headers.content_type +
                      "), not a weights file; the URL probably points at a login or error page");
    if (expected && t->headers.content_length && *t->headers.content_length != *expected)
      return fail(FetchOutcome::Status::url_failed, "size mismatch: the server announces " +
                                                        std::to_string(*t->headers.content_length) +
                                                        " bytes, the manifest says " +
                                                        std::to_string(*expected));
    if (t->offset > 0 || t->writer->size() > 0) {
      t->range_ignored = t->offset > 0;
      t->writer->restart();  // the body starts at byte 0
    }
    return accept_size(t, fail);
  }
  if (t->headers.status == 206) {
    if (!t->headers.range_start || *t->headers.range_start != t->writer->size())
      return fail(FetchOutcome::Status::retryable,
                  "the server sent a range that does not continue the partial file");
    if (expected && t->headers.range_total && *t->headers.range_total != *expected)
      return fail(FetchOutcome::Status::url_failed, "size mismatch: the server's file has " +
                                                        std::to_string(*t->headers.range_total) +
                                                        " bytes, the manifest says " +
                                                        std::to_string(*expected));
    return accept_size(t, fail);
  }
  return fail(FetchOutcome::Status::url_failed,
              "unexpected HTTP status " + std::to_string(t->headers.status));
}

size_t read_body(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  if (!t->body_started) {
    t->body_started = true;
    // Error statuses are classified after perform(); do not store their body.
    if (t->headers.status >= 300) return CURL_WRITEFUNC_ERROR;
    try {
      if (!accept_body(t)) return CURL_WRITEFUNC_ERROR;
    } catch (const WriteFailure& e) {
      t->aborted = true;
      t->abort_status = FetchOutcome::Status::write_failed;
      t->abort_message = e.what();
      t->write_errno = e.error();
      return CURL_WRITEFUNC_ERROR;
    }
    if (t->request->progress) {
      ProgressEvent event;
      event.kind = ProgressEvent::Kind::start;
      event.name = t->request->name;
      event.url = t->request->url;
      event.bytes = t->writer->size();
      event.resumed_from = t->writer->size();
      event.total = t->total;
      t->request->progress->on_event(event);
    }
  }
  // Never more than the declared size: a server that streams on (or a
  // bigger file) is cut off here, not after it filled the disk.
  if (const auto& expected = t->request->expected_size;
      expected && t->writer->size() + n > *expected) {
    t->aborted = true;
    t->abort_status = FetchOutcome::Status::url_failed;
    t->abort_message = "the server sends more than the " + std::to_string(*expected) +
                       " bytes declared for this file; it is not the file the manifest lists";
    return CURL_WRITEFUNC_ERROR;
  }
  // Nor, without one, more than the request's maximum, whatever the server
  // announced: a stream without Content-Length ends only here.
  if (const auto& limit = t->request->max_size;
      !t->request->expected_size && limit && t->writer->size() + n > *limit) {
    t->aborted = true;
    t->abort_status = FetchOutcome::Status::url_failed;
    t->abort_message = "the server sent more than " + std::to_string(*limit) + " bytes; " +
                       max_size_refusal(*limit);
    // Not a partial worth resuming: the next pull would only stream on.
    try {
      t->writer->restart();
    } catch (const WriteFailure&) {
    }
    return CURL_WRITEFUNC_ERROR;
  }
  try {
    t->writer->append(data, n);
  } catch (const WriteFailure& e) {
    t->aborted = true;
    t->abort_status = FetchOutcome::Status::write_failed;
    t->abort_message = e.what();
    t->write_errno = e.error();
    return CURL_WRITEFUNC_ERROR;
  }
  t->received += n;
  if (t->request->progress) {
    auto now = std::chrono::steady_clock::now();
    if (now - t->last_progress >= std::chrono::milliseconds(100)) {
      t->last_progress = now;
      ProgressEvent event;
      event.kind = ProgressEvent::Kind::progress;
      event.name = t->request->name;
      event.url = t->request->url;
      event.bytes = t->writer->size();
      event.total = t->total;
      t->request->progress->on_event(event);
    }
  }
  return n;
}

// libcurl calls these from C: no exception may cross them. Anything that
// escapes the readers aborts this URL with the reason; the next is tried.
template <size_t (*Read)(char*, size_t, size_t, void*)>
size_t guarded(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  try {
    return Read(data, size, count, user);
  } catch (const std::exception& e) {
    t->aborted = true;
    t->abort_status = FetchOutcome::Status::url_failed;
    t->abort_message = std::string("a malformed response: ") + e.what();
  } catch (...) {
    t->aborted = true;
    t->abort_status = FetchOutcome::Status::url_failed;
    t->abort_message = "a malformed response";
  }
  return 0;
}

struct CurlHandle {
  CURL* handle = detail::curl_api().easy_init();
  curl_slist* headers = nullptr;
  ~CurlHandle() {
    detail::curl_api().slist_free_all(headers);
    if (handle) detail::curl_api().easy_cleanup(handle);
  }
};

FetchOutcome::Status classify_http(long code) {
  if (code == 408 || code == 429 || code >= 500) return FetchOutcome::Status::retryable;
  if (code == 416) return FetchOutcome::Status::range_unsatisfiable;
  return FetchOutcome::Status::url_failed;
}

FetchOutcome::Status classify_curl(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_HTTP3:
      return FetchOutcome::Status::retryable;
    default:
      return FetchOutcome::Status::url_failed;
  }
}

std::string url_host(const std::string& url) {
  CURLU* u = detail::curl_api().url();
  std::string host;
  if (detail::curl_api().url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
    char* h = nullptr;
    if (detail::curl_api().url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK) {
      host = lower(h);
      detail::curl_api().free(h);
    }
  }
  detail::curl_api().url_cleanup(u);
  return host;
}

// `location` resolved against the URL of the response that carries it.
std::string resolve_redirect(CURL* handle, const std::string& location) {
  char* current = nullptr;
  detail::curl_api().easy_getinfo(handle, CURLINFO_EFFECTIVE_URL, &current);
  CURLU* u = detail::curl_api().url();
  std::string target;
  if ((!current || detail::curl_api().url_set(u, CURLUPART_URL, current, 0) == CURLUE_OK) &&
      detail::curl_api().url_set(u, CURLUPART_URL, location.c_str(), 0) == CURLUE_OK) {
    char* full = nullptr;
    if (detail::curl_api().url_get(u, CURLUPART_URL, &full, 0) == CURLUE_OK) {
      target = full;
      detail::curl_api().free(full);
    }
  }
  detail::curl_api().url_cleanup(u);
  return target;
}

}  // namespace

std::string url_scheme(const std::string& url) {
  CURLU* u = detail::curl_api().url();
  std::string scheme;
  if (detail::curl_api().url_set(u, CURLUPART_URL, url.c_str(), CURLU_NON_SUPPORT_SCHEME) ==
      CURLUE_OK) {
    char* s = nullptr;
    if (detail::curl_api().url_get(u, CURLUPART_SCHEME, &s, 0) == CURLUE_OK) {
      scheme = lower(s);
      detail::curl_api().free(s);
    }
  }
  detail::curl_api().url_cleanup(u);
  return scheme;
}

bool is_loopback_url(const std::string& url) {
  std::string host = url_host(url);
  if (host == "localhost") return true;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1)
    return (ntohl(v4.s_addr) >> 24) == 127;  // 127.0.0.0/8
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
  }
  return false;  // a name: only "localhost" is loopback by definition
}

FetchOutcome fetch_once(const FetchRequest& request, HashingWriter& writer) {
  detail::curl_api();  // loads libcurl (and initialises it) on the first download
  CurlHandle curl;
  if (!curl.handle) throw Error("libcurl: curl_easy_init failed");
  Transfer t;
  t.handle = curl.handle;
  t.request = &request;
  t.writer = &writer;
  t.offset = writer.size();

  CURL* h = curl.handle;
  detail::curl_api().easy_setopt(h, CURLOPT_URL, request.url.c_str());
  detail::curl_api().easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  detail::curl_api().easy_setopt(
      h, CURLOPT_REDIR_PROTOCOLS_STR,
      request.allow_http_redirects || request.allow_loopback_http_redirects ? "http,https"
                                                                            : "https");
  detail::curl_api().easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
  detail::curl_api().easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
  detail::curl_api().easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  detail::curl_api().easy_setopt(h, CURLOPT_USERAGENT, "modelzoo/0.1 (libcurl)");
  detail::curl_api().easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
  detail::curl_api().easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!request.ca_bundle.empty())
    detail::curl_api().easy_setopt(h, CURLOPT_CAINFO, request.ca_bundle.c_str());
  detail::curl_api().easy_setopt(h, CURLOPT_CONNECTTIMEOUT,
                                 static_cast<long>(request.connect_timeout.count()));
  detail::curl_api().easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1024L);
  detail::curl_api().easy_setopt(h, CURLOPT_LOW_SPEED_TIME,
                                 static_cast<long>(request.low_speed_time.count()));
  detail::curl_api().easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  // Large receive buffer: fewer callbacks, fewer copies.
  detail::curl_api().easy_setopt(h, CURLOPT_BUFFERSIZE, static_cast<long>(CURL_MAX_READ_SIZE));
  detail::curl_api().easy_setopt(h, CURLOPT_HEADERFUNCTION, guarded<read_header>);
  detail::curl_api().easy_setopt(h, CURLOPT_HEADERDATA, &t);
  detail::curl_api().easy_setopt(h, CURLOPT_WRITEFUNCTION, guarded<read_body>);
  detail::curl_api().easy_setopt(h, CURLOPT_WRITEDATA, &t);
  // Identity encoding only: the digest is over the file's bytes.
  curl.headers = detail::curl_api().slist_append(curl.headers, "Accept-Encoding: identity");
  detail::curl_api().easy_setopt(h, CURLOPT_HTTPHEADER, curl.headers);
  std::string range;
  if (t.offset > 0) {
    range = std::to_string(t.offset) + "-";
    detail::curl_api().easy_setopt(h, CURLOPT_RANGE, range.c_str());
  }
  char error_buffer[CURL_ERROR_SIZE] = {};
  detail::curl_api().easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer);

  CURLcode code = detail::curl_api().easy_perform(h);
  long http_code = 0;
  detail::curl_api().easy_getinfo(h, CURLINFO_RESPONSE_CODE, &http_code);

  FetchOutcome out;
  out.http_code = http_code;
  out.sent_range = t.offset > 0;
  out.range_ignored = t.range_ignored;
  out.retry_after = t.headers.retry_after;
  if (t.headers.range_total)
    out.total_size = t.headers.range_total;
  else if (t.headers.content_length && (http_code == 200))
    out.total_size = t.headers.content_length;

  if (t.aborted) {
    out.status = t.abort_status;
    out.message = t.abort_message;
    out.write_errno = t.write_errno;
    return out;
  }
  if (http_code >= 300 || (code == CURLE_WRITE_ERROR && http_code >= 300)) {
    out.status = classify_http(http_code);
    out.message = "HTTP " + std::to_string(http_code);
    if (http_code == 404) out.message += " (not found)";
    if (http_code == 403) out.message += " (forbidden)";
    if (http_code == 429) out.message += " (too many requests)";
    if (http_code == 416) out.message += " (range not satisfiable)";
    return out;
  }
  if (code != CURLE_OK) {
    out.status = classify_curl(code);
    out.message = std::string(detail::curl_api().easy_strerror(code)) +
                  (error_buffer[0] ? std::string(": ") + error_buffer : "");
    if (code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_CACERT_BADFILE)
      out.message +=
          " (the server's certificate is not trusted; for a private CA set "
          "MODELZOO_CA_BUNDLE to its PEM file)";
    return out;
  }
  if (!t.body_started && http_code != 200 && http_code != 206) {
    out.status = FetchOutcome::Status::url_failed;
    out.message = "unexpected HTTP status " + std::to_string(http_code);
    return out;
  }
  if (!t.body_started && t.offset > 0 && http_code == 200) {
    // An empty 200 body in reply to a range request: the file is empty.
    writer.restart();
  }
  // libcurl reports a short body as CURLE_PARTIAL_FILE when Content-Length
  // was given; without it (connection close) only the expected size can tell.
  if (request.expected_size && writer.size() < *request.expected_size) {
    out.status = FetchOutcome::Status::retryable;
    out.message = "the connection closed after " + std::to_string(writer.size()) + " of " +
                  std::to_string(*request.expected_size) + " bytes";
    return out;
  }
  out.status = FetchOutcome::Status::complete;
  return out;
}

}  // namespace modelzoo::cache

// Progress reporting for pulls. The library emits events; the front-end
// decides how to show them: a terminal bar (TerminalProgressBar, draws only on
// a TTY), JSON lines for scripts (JsonProgressWriter), or nothing (nullptr).
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include "modelzoo/sdk/export.h"

namespace modelzoo::cache {

struct ProgressEvent {
  enum class Kind {
    start,     ///< a transfer begins (url, total if known, resumed_from)
    progress,  ///< bytes so far (at most ~10 per second), total as in start
    retry,     ///< an attempt failed and will be retried after `delay`
    waiting,   ///< another process holds the download lock for this file
    hashing,   ///< hashing a local candidate (torch.hub cache, resumed partial)
    done,      ///< the file is in the store (message says from where)
    failed,    ///< this URL gave up (message says why); the next mirror follows
  };
  Kind kind = Kind::progress;
  std::string name;  ///< alias or file name being pulled
  std::string url;
  std::uint64_t bytes = 0;             ///< bytes of the file present so far
  std::optional<std::uint64_t> total;  ///< expected size when known
  std::uint64_t resumed_from = 0;      ///< bytes reused from a partial file
  std::chrono::milliseconds delay{0};  ///< for retry
  std::string message;
};

/// Receives events from the thread that calls Store::pull.
class MODELZOO_API ProgressSink {
 public:
  virtual ~ProgressSink();
  virtual void on_event(const ProgressEvent& event) = 0;
};

/// A one-line bar on a terminal: name, bytes, percent, rate, ETA. Draws
/// nothing when `stream` is not a TTY (a pipe or a file), so logs stay clean.
class MODELZOO_API TerminalProgressBar : public ProgressSink {
 public:
  explicit TerminalProgressBar(std::FILE* stream = stderr);
  void on_event(const ProgressEvent& event) override;
  bool enabled() const { return enabled_; }

 private:
  void draw(const ProgressEvent& event, bool final_line);
  std::FILE* stream_;
  bool enabled_;
  std::chrono::steady_clock::time_point started_{};
  std::uint64_t start_bytes_ = 0;
  std::optional<std::uint64_t> total_;  ///< from the transfer's start event
};

/// One JSON object per line per event:
/// {"event":"progress","name":...,"url":...,"bytes":N,"total":N,...}.
class MODELZOO_API JsonProgressWriter : public ProgressSink {
 public:
  explicit JsonProgressWriter(std::FILE* stream = stdout);
  void on_event(const ProgressEvent& event) override;

 private:
  std::FILE* stream_;
};

MODELZOO_API const char* to_string(ProgressEvent::Kind kind);

/// "1.50 GiB", "12.0 MiB", "512 B".
MODELZOO_API std::string format_bytes(std::uint64_t bytes);

}  // namespace modelzoo::cache

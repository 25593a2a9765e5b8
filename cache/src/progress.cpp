#include "modelzoo/cache/progress.h"

#include <unistd.h>
#include <cinttypes>

#include <nlohmann/json.hpp>

namespace modelzoo::cache {

ProgressSink::~ProgressSink() = default;

const char* to_string(ProgressEvent::Kind kind) {
  switch (kind) {
    case ProgressEvent::Kind::start:
      return "start";
    case ProgressEvent::Kind::progress:
      return "progress";
    case ProgressEvent::Kind::retry:
      return "retry";
    case ProgressEvent::Kind::waiting:
      return "waiting";
    case ProgressEvent::Kind::hashing:
      return "hashing";
    case ProgressEvent::Kind::done:
      return "done";
    case ProgressEvent::Kind::failed:
      return "failed";
  }
  return "unknown";
}

std::string format_bytes(std::uint64_t bytes) {
  static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024.0 && unit < 4) {
    value /= 1024.0;
    ++unit;
  }
  char buffer[32];
  if (unit == 0)
    std::snprintf(buffer, sizeof buffer, "%" PRIu64 " B", bytes);
  else
    std::snprintf(buffer, sizeof buffer, "%.*f %s", value < 10 ? 2 : 1, value, units[unit]);
  return buffer;
}

TerminalProgressBar::TerminalProgressBar(std::FILE* stream)
    : stream_(stream), enabled_(stream && ::isatty(::fileno(stream))) {}

void TerminalProgressBar::draw(const ProgressEvent& event, bool final_line) {
  auto now = std::chrono::steady_clock::now();
  double seconds = std::chrono::duration<double>(now - started_).count();
  double rate = seconds > 0 ? static_cast<double>(event.bytes - start_bytes_) / seconds : 0;
  std::string line = event.name + "  " + format_bytes(event.bytes);
  if (event.total && *event.total > 0) {
    double fraction = static_cast<double>(event.bytes) / static_cast<double>(*event.total);
    const int width = 24;
    int filled = static_cast<int>(fraction * width);
    line += " / " + format_bytes(*event.total) + " [" + std::string(filled, '#') +
            std::string(width - std::min(filled, width), '.') + "] ";
    char pct[16];
    std::snprintf(pct, sizeof pct, "%3.0f%%", fraction * 100);
    line += pct;
    if (rate > 0 && !final_line) {
      double eta = static_cast<double>(*event.total - std::min(event.bytes, *event.total)) / rate;
      char buffer[32];
      std::snprintf(buffer, sizeof buffer, "  ETA %d:%02d", static_cast<int>(eta) / 60,
                    static_cast<int>(eta) % 60);
      line += buffer;
    }
  }
  if (rate > 0) line += "  " + format_bytes(static_cast<std::uint64_t>(rate)) + "/s";
  std::fprintf(stream_, "\r\033[K%s%s", line.c_str(), final_line ? "\n" : "");
  std::fflush(stream_);
}

void TerminalProgressBar::on_event(const ProgressEvent& event) {
  if (!enabled_) return;
  switch (event.kind) {
    case ProgressEvent::Kind::start:
      started_ = std::chrono::steady_clock::now();
      start_bytes_ = event.bytes;
      total_ = event.total;
      draw(event, false);
      break;
    case ProgressEvent::Kind::progress:
      if (!event.total && total_) {
        // An event without the size keeps the one the transfer started with.
        ProgressEvent with_total = event;
        with_total.total = total_;
        draw(with_total, false);
      } else {
        draw(event, false);
      }
      break;
    case ProgressEvent::Kind::done:
      std::fprintf(stream_, "\r\033[K%s: %s\n", event.name.c_str(), event.message.c_str());
      break;
    case ProgressEvent::Kind::retry:
    case ProgressEvent::Kind::waiting:
    case ProgressEvent::Kind::failed:
    case ProgressEvent::Kind::hashing:
      std::fprintf(stream_, "\r\033[K%s: %s\n", event.name.c_str(), event.message.c_str());
      break;
  }
  std::fflush(stream_);
}

JsonProgressWriter::JsonProgressWriter(std::FILE* stream) : stream_(stream) {}

void JsonProgressWriter::on_event(const ProgressEvent& event) {
  nlohmann::json j = {
      {"event", to_string(event.kind)}, {"name", event.name}, {"bytes", event.bytes}};
  if (!event.url.empty()) j["url"] = event.url;
  if (event.total) j["total"] = *event.total;
  if (event.resumed_from) j["resumed_from"] = event.resumed_from;
  if (event.kind == ProgressEvent::Kind::retry) j["delay_ms"] = event.delay.count();
  if (!event.message.empty()) j["message"] = event.message;
  std::fprintf(stream_, "%s\n", j.dump().c_str());
  std::fflush(stream_);
}

}  // namespace modelzoo::cache

#include "table.h"

#include <algorithm>
#include <ctime>
#include <iomanip>
#include <sstream>

namespace modelzoo::cli {

size_t display_width(const std::string& text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;  // not a continuation byte
  }));
}

std::string terminal_safe(const std::string& text, bool multiline) {
  static const char* hex = "0123456789abcdef";
  auto escaped = [](unsigned v) { return std::string("\\x") + hex[(v >> 4) & 15] + hex[v & 15]; };
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 && !(multiline && (c == '\n' || c == '\t'))) || c == 0x7f) {
      out += escaped(c);
    } else if (c == 0xc2 && i + 1 < text.size() &&
               (static_cast<unsigned char>(text[i + 1]) & 0xe0) == 0x80) {
      out += escaped(static_cast<unsigned char>(text[++i]));  // U+0080..U+009F, C1
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string ellipsize(const std::string& text, size_t width) {
  if (display_width(text) <= width) return text;
  std::string out;
  size_t points = 0;
  for (char c : text) {
    const bool starts_point = (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    if (starts_point && ++points > width - 1) break;
    out += c;
  }
  return out + "…";
}

void Table::print(std::ostream& out) const {
  std::vector<size_t> widths(header_.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i)
      widths[i] = std::max(widths[i], display_width(row[i]));
  };
  measure(header_);
  for (const auto& row : rows_) measure(row);
  auto emit = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - display_width(row[i]) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << '\n';
  };
  emit(header_);
  for (const auto& row : rows_) emit(row);
}

std::string date_text(std::chrono::system_clock::time_point t) {
  if (t.time_since_epoch().count() == 0) return "-";
  const std::time_t c = std::chrono::system_clock::to_time_t(t);
  std::tm local{};
  localtime_r(&c, &local);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M", &local);
  return buffer;
}

std::string bytes_text(uint64_t bytes) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(1);
  if (bytes >= (1ull << 30))
    out << bytes / double(1ull << 30) << " GiB";
  else if (bytes >= (1ull << 20))
    out << bytes / double(1ull << 20) << " MiB";
  else if (bytes >= 1024)
    out << bytes / 1024.0 << " KiB";
  else
    out << bytes << " B";
  return out.str();
}

}  // namespace modelzoo::cli

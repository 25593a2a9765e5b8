// Aligned text tables for the CLI: columns padded to their widest cell
// (counted in UTF-8 code points), the last column left unpadded.
#pragma once

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace modelzoo::cli {

/// `text` with every terminal control character (C0 but, with `multiline`,
/// newline and tab; DEL; C1) shown as \xNN, so text from a plugin or a file
/// name can neither move the cursor nor fake a row.
std::string terminal_safe(const std::string& text, bool multiline);

class Table {
 public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
  /// Cells are shown with terminal_safe(): one row per row, whatever a
  /// plugin's file name or manifest holds.
  void add_row(std::vector<std::string> row) {
    for (auto& cell : row) cell = terminal_safe(cell, false);
    rows_.push_back(std::move(row));
  }
  bool empty() const { return rows_.empty(); }
  void print(std::ostream& out) const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

/// Number of code points in a UTF-8 string (its width in a terminal, for
/// the text modelzoo prints).
size_t display_width(const std::string& text);

/// "2026-12-04 19:30" in local time; "-" for the epoch (never).
std::string date_text(std::chrono::system_clock::time_point t);

/// "1.5 GiB", "97.6 MiB", "12.0 KiB", "80 B".
std::string bytes_text(uint64_t bytes);

/// `text` cut to `width` code points, with "…" when cut.
std::string ellipsize(const std::string& text, size_t width);

}  // namespace modelzoo::cli

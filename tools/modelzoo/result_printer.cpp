#include "result_printer.h"

#include <algorithm>
#include <iomanip>
#include <sstream>
#include <string>
#include <vector>

#include "table.h"

namespace modelzoo::cli {
namespace {

using nlohmann::json;

std::string cell(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "-";
  if (value.is_number_float()) {
    std::ostringstream s;
    s << std::setprecision(6) << value.get<double>();
    return s.str();
  }
  if (value.is_array() && value.size() > 8) return "[" + std::to_string(value.size()) + " values]";
  return value.dump();
}

bool is_table(const json& value) {
  return value.is_array() && !value.empty() &&
         std::all_of(value.begin(), value.end(), [](const json& v) { return v.is_object(); });
}

std::string upper(std::string text) {
  for (auto& c : text)
    c = c == '_' ? ' ' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

void print_table(const std::string& name, const json& rows, std::ostream& out) {
  std::vector<std::string> columns;
  for (const auto& row : rows)
    for (auto it = row.begin(); it != row.end(); ++it)
      if (std::find(columns.begin(), columns.end(), it.key()) == columns.end())
        columns.push_back(it.key());
  // A column with the same value in every row says it once, above.
  std::vector<std::string> shown;
  for (const auto& c : columns) {
    const json first = rows[0].value(c, json());
    const bool constant =
        rows.size() > 1 && std::all_of(rows.begin(), rows.end(),
                                       [&](const json& r) { return r.value(c, json()) == first; });
    if (constant && !first.is_null())
      out << c << ": " << cell(first) << '\n';
    else if (!constant)
      shown.push_back(c);
  }
  // Long cells (paths, text) go last, where the table leaves the column
  // unpadded, so that the short ones before stay aligned on one line each.
  auto widest = [&](const std::string& c) {
    size_t w = 0;
    for (const auto& row : rows) w = std::max(w, display_width(cell(row.value(c, json()))));
    return w;
  };
  std::stable_partition(shown.begin(), shown.end(),
                        [&](const std::string& c) { return widest(c) <= 40; });
  out << name << ":\n";
  std::vector<std::string> header;
  for (const auto& c : shown) header.push_back(upper(c));
  Table table(header);
  for (const auto& row : rows) {
    std::vector<std::string> cells;
    for (const auto& c : shown) cells.push_back(cell(row.value(c, json())));
    table.add_row(std::move(cells));
  }
  std::ostringstream text;
  table.print(text);
  std::istringstream lines(text.str());
  for (std::string line; std::getline(lines, line);) out << "  " << line << '\n';
}

}  // namespace

void print_result(const json& result, std::ostream& out, std::ostream& notes) {
  if (!result.is_object()) {
    out << result.dump(2) << '\n';
    return;
  }
  for (const auto& note : result.value("notes", json::array()))
    notes << "modelzoo: note: " << cell(note) << '\n';
  for (auto it = result.begin(); it != result.end(); ++it) {
    if (it.key() == "notes" || is_table(it.value()) || it.value().is_object()) continue;
    if (it.value().is_null()) continue;
    out << it.key() << ": " << cell(it.value()) << '\n';
  }
  for (auto it = result.begin(); it != result.end(); ++it)
    if (is_table(it.value())) print_table(it.key(), it.value(), out);
}

bool print_note_record(const json& record, std::ostream& notes) {
  for (const char* kind : {"note", "warning"})
    if (record.size() == 1 && record.contains(kind)) {
      notes << "modelzoo: " << kind << ": " << cell(record[kind]) << '\n';
      return true;
    }
  return false;
}

void print_record(const json& record, std::ostream& out) {
  if (record.contains("message")) {
    out << cell(record["message"]) << '\n' << std::flush;
    return;
  }
  std::string line;
  for (auto it = record.begin(); it != record.end(); ++it)
    line += (line.empty() ? "" : "  ") + it.key() + " " + cell(it.value());
  out << line << '\n' << std::flush;
}

bool print_stream_record(const json& record, bool as_json, std::ostream& out,
                         std::set<std::string>& streamed) {
  const auto piece = record.find("stream");
  if (piece == record.end() || !piece->is_string()) return false;
  streamed.insert(record.value("into", std::string()));
  if (!as_json) out << piece->get<std::string>() << std::flush;
  return true;
}

}  // namespace modelzoo::cli

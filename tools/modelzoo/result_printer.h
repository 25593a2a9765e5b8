// How the CLI prints what a plugin command returns, whatever its task: the
// whole JSON under --json; otherwise, scalars as "key: value" lines, each
// array of objects as an aligned table (a column with one value in every
// row is shown once above it), "notes" on stderr. docs/commands.md has the
// shapes per task.
#pragma once

#include <ostream>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

namespace modelzoo::cli {

/// Prints a command's result for a reader (not --json).
void print_result(const nlohmann::json& result, std::ostream& out, std::ostream& notes);

/// A streamed record that is only {"note": …} or {"warning": …} goes to
/// `notes` ("modelzoo: note: …") whatever the output format; returns
/// whether `record` was one.
bool print_note_record(const nlohmann::json& record, std::ostream& notes);

/// Prints one streamed record: its "message" as is, else "key value" pairs.
void print_record(const nlohmann::json& record, std::ostream& out);

/// A record {"stream": TEXT, "into": KEY} is a piece of a text the result
/// will hold under KEY (generated tokens, as they come): a reader sees the
/// pieces printed as they arrive, with no newline, and then not KEY again.
/// Prints it (unless `as_json`: the result holds the whole text), adds KEY
/// to `streamed`, and returns whether `record` was one.
bool print_stream_record(const nlohmann::json& record, bool as_json, std::ostream& out,
                         std::set<std::string>& streamed);

}  // namespace modelzoo::cli

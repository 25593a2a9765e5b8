// The one YAML reader of the LUT family: a DiffLUT config file, or the
// `config` metadata a `modelzoo train` output carries in its safetensors
// header, read into JSON. Both may come from anyone, so the reader refuses
// what a config never needs and what would let a small input exhaust the
// machine, before anything is built:
//   - aliases (`*name`): a 1 KB "billion laughs" file expands to gigabytes;
//   - more than kMaxYamlNodes nodes, more than kMaxYamlDepth levels of
//     nesting, more than kMaxYamlBytes of text;
//   - a key given twice in one mapping (YAML::Load keeps one silently);
//   - strings that are not valid UTF-8 (they would fail only later, when
//     the config is written into a checkpoint during training);
//   - mapping keys that are not plain strings, and a second document.
// It works on yaml-cpp's event stream (YAML::Parser + EventHandler), so the
// checks run while parsing and no YAML::Node tree is ever built.
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

namespace modelzoo::lut {

constexpr size_t kMaxYamlBytes = size_t{1} << 20;  ///< shipped configs are < 2 KB
constexpr size_t kMaxYamlNodes = 100000;           ///< shipped configs have < 100
constexpr size_t kMaxYamlDepth = 32;               ///< shipped configs nest 3 deep

/// Parses `text` (from `source`, a file name or "FILE (config)", used in
/// every error) into JSON: mappings become objects, sequences arrays, plain
/// scalars integers, numbers, booleans (true/True/yes, false/False/no) or
/// null where they read as one, strings otherwise; quoted scalars stay
/// strings. Throws modelzoo::Error naming `source`, the line and the fix.
nlohmann::json read_yaml_as_json(const std::string& text, const std::string& source);

/// Whether `text`, written as a plain (unquoted) YAML scalar, reads back as
/// this string rather than a number, boolean or null ("no", "1", "~" do
/// not): a writer quotes it otherwise.
bool plain_scalar_reads_as_string(const std::string& text);

}  // namespace modelzoo::lut

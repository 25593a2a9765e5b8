#include "yaml_reader.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/null.h>
#include <yaml-cpp/parser.h>

#include <map>
#include <optional>
#include <sstream>
#include <vector>

#include "modelzoo/sdk/error.h"

namespace modelzoo::lut {
namespace {

// Offset of the first byte of `s` that does not start or continue a
// well-formed UTF-8 sequence (no overlong forms, no surrogates, nothing past
// U+10FFFF: what nlohmann::json accepts when it writes the config out), or
// npos when every byte is fine.
size_t first_invalid_utf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t length = 0;
    unsigned char low = 0x80, high = 0xbf;  // allowed range of the second byte
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) {
      length = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
      length = 3;
      if (c == 0xe0) low = 0xa0;   // overlong
      if (c == 0xed) high = 0x9f;  // surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      length = 4;
      if (c == 0xf0) low = 0x90;   // overlong
      if (c == 0xf4) high = 0x8f;  // past U+10FFFF
    } else {
      return i;
    }
    if (s.size() - i < length) return i;
    for (size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(s[i + k]);
      if (next < (k == 1 ? low : 0x80) || next > (k == 1 ? high : 0xbf)) return i;
    }
    i += length;
  }
  return std::string::npos;
}

// A plain scalar as DiffLUT's Python loader (PyYAML) would type it, for the
// cases a config uses; a quoted one stays a string.
nlohmann::json scalar_value(const std::string& tag, const std::string& text) {
  if (tag == "!" || tag == "tag:yaml.org,2002:str") return text;
  if (text == "true" || text == "True" || text == "yes") return true;
  if (text == "false" || text == "False" || text == "no") return false;
  try {
    size_t used = 0;
    const long long i = std::stoll(text, &used);
    if (used == text.size()) return static_cast<int64_t>(i);
  } catch (const std::exception&) {
  }
  try {
    size_t used = 0;
    const double d = std::stod(text, &used);
    if (used == text.size()) return d;
  } catch (const std::exception&) {
  }
  return text;
}

// Builds the JSON value from parser events, refusing as it goes. Throwing
// from a handler stops yaml-cpp's parser where it is, so nothing past the
// first refusal is ever read.
class JsonBuilder : public YAML::EventHandler {
 public:
  explicit JsonBuilder(const std::string& source) : source_(source) {}

  nlohmann::json take() { return std::move(root_); }

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++documents_ > 1)
      fail(mark,
           "a second YAML document ('---') follows the first; a LUT config is one document: "
           "remove everything from the second '---' on");
  }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override {
    count(mark);
    if (expects_key()) fail(mark, "a mapping key is empty or null; write the key's name");
    add(nullptr);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override {
    fail(mark,
         "YAML aliases (*name) are not accepted in a LUT config (they let a small file expand "
         "without bound, and DiffLUT configs do not use them); write the value out in full");
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t,
                const std::string& value) override {
    count(mark);
    if (const size_t bad = first_invalid_utf8(value); bad != std::string::npos) {
      static const char* kHex = "0123456789abcdef";
      const auto byte = static_cast<unsigned char>(value[bad]);
      const std::string hex = {'0', 'x', kHex[byte >> 4], kHex[byte & 15]};
      fail(mark, (bad == 0 ? "a string starts with a byte that is not UTF-8 (" + hex + ")"
                           : "in the string '" + printable_prefix(value, bad) +
                                 "', the next byte is not UTF-8 (" + hex + ")") +
                     "; save the file as UTF-8");
    }
    if (expects_key()) {
      Frame& map = frames_.back();
      auto [it, inserted] = map.key_lines.emplace(value, mark.line + 1);
      if (!inserted)
        fail(mark, "duplicate key '" + value + "' (first at line " + std::to_string(it->second) +
                       "); a key may appear once in a mapping: remove one of them");
      map.key = value;
      return;
    }
    add(scalar_value(tag, value));
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    open(mark, nlohmann::json::array());
  }
  void OnSequenceEnd() override { close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    open(mark, nlohmann::json::object());
  }
  void OnMapEnd() override { close(); }

 private:
  struct Frame {
    nlohmann::json value;            // an array or an object
    std::optional<std::string> key;  // an object's key waiting for its value
    std::map<std::string, size_t> key_lines;
  };

  [[noreturn]] void fail(const YAML::Mark& mark, const std::string& what) const {
    throw Error(source_ + ": line " + std::to_string(mark.line + 1) + ", column " +
                std::to_string(mark.column + 1) + ": " + what);
  }
  static std::string printable_prefix(const std::string& s, size_t end) {
    const size_t start = end > 40 ? end - 40 : 0;
    return (start > 0 ? "…" : "") + s.substr(start, end - start);
  }
  void count(const YAML::Mark& mark) {
    if (++nodes_ > kMaxYamlNodes)
      fail(mark, "more than " + std::to_string(kMaxYamlNodes) +
                     " YAML nodes; a LUT config has a few dozen: is this the right file?");
  }
  bool expects_key() const {
    return !frames_.empty() && frames_.back().value.is_object() && !frames_.back().key;
  }
  void open(const YAML::Mark& mark, nlohmann::json empty) {
    count(mark);
    if (expects_key())
      fail(mark, "a mapping key is itself a mapping or a list; keys must be plain names");
    if (frames_.size() >= kMaxYamlDepth)
      fail(mark, "mappings and lists nested more than " + std::to_string(kMaxYamlDepth) +
                     " levels deep; a LUT config nests 3: is this the right file?");
    frames_.push_back(Frame{std::move(empty), std::nullopt, {}});
  }
  void close() {
    nlohmann::json done = std::move(frames_.back().value);
    frames_.pop_back();
    add(std::move(done));
  }
  void add(nlohmann::json value) {
    if (frames_.empty()) {
      root_ = std::move(value);
      return;
    }
    Frame& top = frames_.back();
    if (top.value.is_array()) {
      top.value.push_back(std::move(value));
    } else {
      top.value[*top.key] = std::move(value);
      top.key.reset();
    }
  }

  const std::string& source_;
  nlohmann::json root_;  // null for an empty document, as YAML::Load gives
  std::vector<Frame> frames_;
  size_t nodes_ = 0;
  int documents_ = 0;
};

}  // namespace

bool plain_scalar_reads_as_string(const std::string& text) {
  // yaml-cpp reports these plain scalars as null events, never as scalars.
  if (YAML::IsNullString(text)) return false;
  return scalar_value("?", text).is_string();
}

nlohmann::json read_yaml_as_json(const std::string& text, const std::string& source) {
  if (text.size() > kMaxYamlBytes)
    throw Error(source + " is " + std::to_string(text.size()) + " bytes; a LUT config is at most " +
                std::to_string(kMaxYamlBytes) +
                " (shipped ones are < 2 KB): is this the right file?");
  std::istringstream in(text);
  JsonBuilder builder(source);
  try {
    YAML::Parser parser(in);
    // One document is the config; a second is refused by OnDocumentStart.
    if (parser.HandleNextDocument(builder)) parser.HandleNextDocument(builder);
  } catch (const YAML::Exception& e) {
    throw Error(source + ": not valid YAML: " + e.what());
  }
  return builder.take();
}

}  // namespace modelzoo::lut

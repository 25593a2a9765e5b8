// Reading tokenizer files, which are untrusted bytes from the network: a
// size cap before anything is read, JSON through the SDK's untrusted-JSON
// reader (depth limit, duplicate keys refused), and errors that name the
// file and say what to do.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace modelzoo::text {

/// The whole file; Error when it is missing, not a regular file, or larger
/// than kMaxTokenizerFileBytes.
std::string read_tokenizer_file(const std::string& path);

/// A tokenizer file and the tokenizer_config.json beside it, as the
/// tokenizers' from-file constructors read them.
struct TokenizerFileWithConfig {
  std::string text;
  std::string config;       ///< empty when there is no tokenizer_config.json
  std::string config_path;  ///< where it was looked for, for errors
};

/// read_tokenizer_file(path), and the tokenizer_config.json of its folder
/// when there is one (capped and checked in the same way).
TokenizerFileWithConfig read_tokenizer_file_with_config(const std::string& path);

/// `text` parsed as JSON; Error naming `name` when it is malformed, too
/// deep, or has a key twice in one object (`duplicate_hint` is the fix
/// said for that case, e.g. "a token appears twice").
nlohmann::json parse_tokenizer_json(std::string_view text, const std::string& name,
                                    const std::string& duplicate_hint);

/// A token as errors quote it: at most 40 bytes, control characters escaped.
std::string quoted_token(std::string_view token);

}  // namespace modelzoo::text

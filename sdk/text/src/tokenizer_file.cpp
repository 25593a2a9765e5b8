#include "tokenizer_file.h"

#include <cstdio>
#include <filesystem>

#include "modelzoo/sdk/atomic_file.h"
#include "modelzoo/sdk/error.h"
#include "modelzoo/sdk/untrusted_json.h"
#include "modelzoo/text/limits.h"
#include "utf8.h"

namespace modelzoo::text {

std::string read_tokenizer_file(const std::string& path) {
  std::optional<std::string> contents;
  try {
    contents = read_regular_file(path, kMaxTokenizerFileBytes);
  } catch (const Error& e) {
    throw Error(std::string("reading tokenizer file: ") + e.what());
  }
  if (!contents)
    throw Error("tokenizer file " + path +
                " does not exist: give the path of the file downloaded with the model");
  return std::move(*contents);
}

TokenizerFileWithConfig read_tokenizer_file_with_config(const std::string& path) {
  TokenizerFileWithConfig file;
  file.text = read_tokenizer_file(path);
  file.config_path = (std::filesystem::path(path).parent_path() / "tokenizer_config.json").string();
  if (auto config = read_regular_file(file.config_path, kMaxTokenizerFileBytes))
    file.config = std::move(*config);
  return file;
}

nlohmann::json parse_tokenizer_json(std::string_view text, const std::string& name,
                                    const std::string& duplicate_hint) {
  JsonLimits limits;
  limits.max_bytes = kMaxTokenizerFileBytes;
  JsonRefusal refusal;
  auto json = try_parse_untrusted_json(text, &refusal, limits);
  if (json) return std::move(*json);
  std::string message = name + ": " + refusal.message();
  if (refusal.kind == JsonRefusal::Kind::kDuplicateKey)
    message += " (" + duplicate_hint + "): the file is corrupted; download it again";
  else
    message += ": the file is corrupted or is not a tokenizer file; download it again";
  throw Error(message);
}

std::string quoted_token(std::string_view token) {
  std::string out = "'";
  for (size_t i = 0; i < token.size() && i < 40; ++i) {
    const auto c = static_cast<unsigned char>(token[i]);
    if (c < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (token.size() > 40) out += "…";
  return utf8::repaired(out) + "'";  // the cut may fall inside a character
}

}  // namespace modelzoo::text

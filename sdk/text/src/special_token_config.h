// What tokenizer_config.json (beside tokenizer.json or tokenizer.model)
// says about special tokens: the keys Hugging Face's tokenizer classes read
// over their own defaults — bos_token and eos_token (a string, an
// AddedToken object, or null for none) and add_bos_token/add_eos_token.
// A key the file does not have leaves the tokenizer's default alone.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace modelzoo::text {

struct SpecialTokenConfig {
  /// Set when the file has the key; the inner value is null for "none".
  std::optional<std::optional<std::string>> bos_token, eos_token;
  std::optional<bool> add_bos_token, add_eos_token;

  /// Overrides the tokens the tokenizer file gave with what is set here.
  void apply(std::optional<std::string>* bos, std::optional<std::string>* eos) const;
};

/// Error naming `name` and the key when the file is malformed.
SpecialTokenConfig read_special_token_config(std::string_view config_json, const std::string& name);

}  // namespace modelzoo::text

#include "tokenizer_json.h"

#include "modelzoo/sdk/error.h"
#include "modelzoo/sdk/untrusted_json.h"
#include "tokenizer_file.h"

namespace modelzoo::text {

std::vector<std::pair<std::string, int64_t>> read_vocab_object(const nlohmann::json& vocab,
                                                               const std::string& where) {
  if (!vocab.is_object())
    throw Error(where + ": expected an object of token → id, found " + vocab.type_name() +
                ": the file is not a tokenizer vocabulary");
  std::vector<std::pair<std::string, int64_t>> entries;
  entries.reserve(vocab.size());
  for (const auto& [token, id] : vocab.items()) {
    if (!json_has_type<int64_t>(id))
      throw Error(where + ": token " + quoted_token(token) + " has the id " + id.dump() +
                  ", expected an integer: the file is not a tokenizer vocabulary, or is damaged");
    entries.emplace_back(token, id.get<int64_t>());
  }
  return entries;
}

std::vector<AddedToken> read_added_tokens(const nlohmann::json& added, const std::string& where) {
  std::vector<AddedToken> tokens;
  if (added.is_null()) return tokens;
  if (!added.is_array()) throw Error(where + ": expected an array, found " + added.type_name());
  for (size_t i = 0; i < added.size(); ++i) {
    const std::string at = where + "[" + std::to_string(i) + "]";
    AddedToken token;
    token.id = required_field<int64_t>(added[i], "id", at);
    token.content = required_field<std::string>(added[i], "content", at);
    token.special = field_or<bool>(added[i], "special", at, false);
    token.lstrip = field_or<bool>(added[i], "lstrip", at, false);
    token.rstrip = field_or<bool>(added[i], "rstrip", at, false);
    token.single_word = field_or<bool>(added[i], "single_word", at, false);
    // Hugging Face's AddedToken defaults to normalized when the key is absent.
    token.normalized = field_or<bool>(added[i], "normalized", at, true);
    if (token.content.empty()) throw Error(at + ".content: an added token cannot be empty");
    tokens.push_back(std::move(token));
  }
  return tokens;
}

}  // namespace modelzoo::text

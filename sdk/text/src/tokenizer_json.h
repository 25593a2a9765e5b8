// The parts of Hugging Face's tokenizer.json that every model type shares:
// a token → id vocabulary object and the added_tokens list.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "modelzoo/text/added_token.h"

namespace modelzoo::text {

/// model.vocab (or vocab.json): an object of token → integer id. `where`
/// names it in errors ("tokenizer.json: model.vocab").
std::vector<std::pair<std::string, int64_t>> read_vocab_object(const nlohmann::json& vocab,
                                                               const std::string& where);

/// added_tokens: [{"id", "content", "special", "lstrip", "rstrip", …}]; null
/// is an empty list.
std::vector<AddedToken> read_added_tokens(const nlohmann::json& added, const std::string& where);

}  // namespace modelzoo::text

#include "special_token_config.h"

#include "modelzoo/sdk/error.h"
#include "modelzoo/sdk/untrusted_json.h"
#include "tokenizer_file.h"

namespace modelzoo::text {

namespace {

// "<|endoftext|>", {"content": "<|endoftext|>", "__type": "AddedToken", …}
// or null.
std::optional<std::optional<std::string>> config_token(const nlohmann::json& config,
                                                       const char* key, const std::string& name) {
  const auto it = config.find(key);
  if (it == config.end()) return std::nullopt;
  if (it->is_null()) return std::optional<std::string>();
  if (it->is_string()) return std::optional<std::string>(it->get<std::string>());
  if (!it->is_object())
    throw Error(name + ": " + key + " must be a string, an AddedToken object or null, found " +
                it->type_name() + ": the file is damaged; download it again");
  return std::optional<std::string>(required_field<std::string>(*it, "content", name + ": " + key));
}

std::optional<bool> config_flag(const nlohmann::json& config, const char* key,
                                const std::string& name) {
  const auto it = config.find(key);
  if (it == config.end() || it->is_null()) return std::nullopt;
  if (!it->is_boolean())
    throw Error(name + ": " + key + " must be true or false, found " + it->dump().substr(0, 40) +
                ": the file is damaged; download it again");
  return it->get<bool>();
}

}  // namespace

void SpecialTokenConfig::apply(std::optional<std::string>* bos,
                               std::optional<std::string>* eos) const {
  if (bos_token) *bos = *bos_token;
  if (eos_token) *eos = *eos_token;
}

SpecialTokenConfig read_special_token_config(std::string_view config_json,
                                             const std::string& name) {
  const nlohmann::json config = parse_tokenizer_json(config_json, name, "a key appears twice");
  if (!config.is_object())
    throw Error(name + ": expected a JSON object, found " + config.type_name() +
                ": the file is not a tokenizer_config.json");
  SpecialTokenConfig out;
  out.bos_token = config_token(config, "bos_token", name);
  out.eos_token = config_token(config, "eos_token", name);
  out.add_bos_token = config_flag(config, "add_bos_token", name);
  out.add_eos_token = config_flag(config, "add_eos_token", name);
  return out;
}

}  // namespace modelzoo::text

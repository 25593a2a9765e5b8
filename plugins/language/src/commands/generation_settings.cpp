#include "generation_settings.h"

#include <modelzoo/sdk/error.h>
#include <modelzoo/sdk/untrusted_json.h>

#include <algorithm>
#include <fstream>

namespace modelzoo::language {
namespace {

constexpr std::size_t kMaxGenerationConfigBytes = 64 * 1024;  // the real ones are ~200 B

nlohmann::json read_small_json(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read " + path);
  std::string text(kMaxGenerationConfigBytes, '\0');
  in.read(&text[0], static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() == kMaxGenerationConfigBytes)
    throw Error(path + ": larger than 64 KiB, which no generation_config.json is");
  nlohmann::json config = parse_untrusted_json(text, path);
  if (!config.is_object()) throw Error(path + ": expected a JSON object");
  return config;
}

template <typename T>
void read(const nlohmann::json& config, const std::string& path, const char* key, T* value) {
  const auto it = config.find(key);
  if (it == config.end() || it->is_null()) return;
  const bool ok = std::is_same<T, bool>::value ? it->is_boolean() : it->is_number();
  if (!ok) throw Error(path + ": '" + key + "' has the wrong type (" + it->dump() + ")");
  *value = it->get<T>();
}

void add_eos(const nlohmann::json& value, const std::string& path, GenerationOptions* g) {
  auto add = [&](const nlohmann::json& id) {
    if (!id.is_number_integer() || id.get<int64_t>() < 0)
      throw Error(path + ": 'eos_token_id' must be a token id or a list of them (got " + id.dump() +
                  ")");
    const int64_t token = id.get<int64_t>();
    if (std::find(g->eos_token_ids.begin(), g->eos_token_ids.end(), token) ==
        g->eos_token_ids.end())
      g->eos_token_ids.push_back(token);
  };
  if (value.is_array())
    for (const auto& id : value) add(id);
  else if (!value.is_null())
    add(value);
}

// The user's options that ask for sampling.
bool asks_for_sampling(const nlohmann::json& o) {
  return o.value("do_sample", false) || o.contains("temperature") || o.contains("top_k") ||
         o.contains("top_p") || o.contains("seed");
}

}  // namespace

void apply_generation_config(const std::string& path, GenerationOptions* g) {
  const nlohmann::json config = read_small_json(path);
  if (const auto it = config.find("eos_token_id"); it != config.end()) add_eos(*it, path, g);
  read(config, path, "do_sample", &g->do_sample);
  read(config, path, "temperature", &g->temperature);
  read(config, path, "top_k", &g->top_k);
  read(config, path, "top_p", &g->top_p);
  read(config, path, "repetition_penalty", &g->repetition_penalty);
}

GenerationOptions generation_settings(const nlohmann::json& o, const LoadedModel& loaded,
                                      const text::Tokenizer& tokenizer) {
  GenerationOptions g;
  if (auto eos = tokenizer.eos_id()) g.eos_token_ids = {*eos};
  if (const std::string path = loaded.file("generation-config"); !path.empty())
    apply_generation_config(path, &g);
  g.max_new_tokens = o.value("max_new_tokens", g.max_new_tokens);
  if (asks_for_sampling(o)) g.do_sample = true;
  g.temperature = o.value("temperature", g.temperature);
  g.top_k = o.value("top_k", g.top_k);
  g.top_p = o.value("top_p", g.top_p);
  g.repetition_penalty = o.value("repetition_penalty", g.repetition_penalty);
  if (o.contains("seed")) {
    const int64_t seed = o.at("seed").get<int64_t>();
    if (seed < 0) throw Error("--seed must be >= 0 (got " + std::to_string(seed) + ")");
    g.seed = static_cast<uint64_t>(seed);
  }
  return g;
}

}  // namespace modelzoo::language

// The language family's entry: one factory per entrypoint of manifest.json,
// each a literal configuration of one architecture (the sizes themselves
// are the manifest's config defaults, under the user's overrides), and a
// run command per task and chat (src/commands/).
#include <modelzoo/init_mode.h>
#include <modelzoo/plugin.h>

#include <memory>
#include <string>

#include "bert.h"
#include "commands/language_commands.h"
#include "gpt2.h"
#include "llama.h"

namespace {

using Json = nlohmann::json;

modelzoo::PluginRegistrar::Factory gpt2(const std::string& name) {
  return [name](const Json& config) {
    return std::make_shared<modelzoo::language::Gpt2Model>(
        name, modelzoo::language::Gpt2Options::from_config(config),
        modelzoo::init_parameters_enabled());
  };
}

// `mlm_head`: the checkpoint is BertForMaskedLM's (fill-mask) rather
// than BertModel's (feature-extraction).
modelzoo::PluginRegistrar::Factory bert(const std::string& name, bool mlm_head) {
  return [name, mlm_head](const Json& config) {
    return std::make_shared<modelzoo::language::BertModel>(
        name, modelzoo::language::BertOptions::from_config(config, mlm_head),
        modelzoo::init_parameters_enabled());
  };
}

modelzoo::PluginRegistrar::Factory llama(const std::string& name,
                                         modelzoo::language::LlamaKind kind) {
  return [name, kind](const Json& config) {
    return std::make_shared<modelzoo::language::LlamaModel>(
        name, modelzoo::language::LlamaOptions::from_config(config, kind),
        modelzoo::init_parameters_enabled());
  };
}

}  // namespace

MODELZOO_PLUGIN(registrar) {
  registrar.add_command("run", "text-generation", modelzoo::language::generate_text_command);
  registrar.add_command("run", "fill-mask", modelzoo::language::fill_mask_command);
  registrar.add_command("run", "feature-extraction", modelzoo::language::embed_text_command);
  registrar.add_command("chat", "text-generation", modelzoo::language::chat_command);

  // GPT-2 124M, 355M and DistilGPT-2: one architecture, the sizes in the manifest.
  registrar.add("gpt2", gpt2("gpt2"));
  registrar.add("gpt2-medium", gpt2("gpt2-medium"));
  registrar.add("distilgpt2", gpt2("distilgpt2"));
  // BERT base with its fill-mask head; MiniLM (sentence-transformers) without.
  registrar.add("bert-base-uncased", bert("bert-base-uncased", true));
  registrar.add("bert-base-cased", bert("bert-base-cased", true));
  registrar.add("all-MiniLM-L6-v2", bert("all-MiniLM-L6-v2", false));
  // LLaMA-architecture decoders: SmolLM2 and TinyLlama are Llama, Qwen2.5 is Qwen2.
  using modelzoo::language::LlamaKind;
  for (const char* name :
       {"smollm2-135m", "smollm2-135m-instruct", "smollm2-360m-instruct", "tinyllama-1.1b-chat"})
    registrar.add(name, llama(name, LlamaKind::kLlama));
  registrar.add("qwen2.5-0.5b-instruct", llama("qwen2.5-0.5b-instruct", LlamaKind::kQwen2));
}

// How a language command decodes: the model's own defaults from its
// generation_config.json (role "generation-config": end-of-sequence ids and,
// for models published to sample, do_sample / temperature / top_k / top_p /
// repetition_penalty), under the options the user gave — the precedence of
// Hugging Face's generate(), where generation_config supplies what the
// call does not. Shared by run:text-generation and chat.
#pragma once

#include <modelzoo/command.h>
#include <modelzoo/generation.h>
#include <modelzoo/text/tokenizer.h>

#include <string>

#include <nlohmann/json.hpp>

namespace modelzoo::language {

/// generation_config.json's decoding defaults, read from `path` (untrusted:
/// size-capped, typed). `g` keeps its values for keys the file lacks;
/// eos_token_id (an id or a list) is added to g.eos_token_ids. Throws
/// modelzoo::Error naming the file and key.
void apply_generation_config(const std::string& path, GenerationOptions* g);

/// The decoding of a command: the tokenizer's EOS, then the variant's
/// generation_config.json, then the user's options (`max_new_tokens`,
/// `do_sample`, `temperature`, `top_k`, `top_p`, `seed`,
/// `repetition_penalty` as the manifest declares them). Any sampling
/// option of the user's turns sampling on, as before; without any, the
/// model's published default decides (greedy unless its file says
/// do_sample). Throws modelzoo::Error for a value out of range.
GenerationOptions generation_settings(const nlohmann::json& options, const LoadedModel& loaded,
                                      const text::Tokenizer& tokenizer);

}  // namespace modelzoo::language

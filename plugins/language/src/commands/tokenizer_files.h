// The tokenizer of a loaded language model, from the variant's files by
// role: tokenizer.json (role "tokenizer") when there is one, else the
// classic files (GPT-2: "vocab" vocab.json + "merges" merges.txt; BERT:
// "vocab" vocab.txt, lower-cased as "tokenizer-config"'s do_lower_case
// says, by default yes). A causal LM's tokenizer is whichever kind its files
// are: SentencePiece ("tokenizer-model" tokenizer.model, Llama-2 and
// TinyLlama) or byte-level BPE (GPT-2, SmolLM2, Qwen2).
#pragma once

#include <memory>

#include <modelzoo/command.h>
#include <modelzoo/text/byte_level_bpe.h>
#include <modelzoo/text/tokenizer.h>
#include <modelzoo/text/wordpiece.h>

namespace modelzoo::language {

/// GPT-2's byte-level BPE; throws modelzoo::Error naming the files it needs.
text::ByteLevelBpe load_bpe(const LoadedModel& loaded);

/// The tokenizer of a causal LM: "tokenizer-model" (tokenizer.model) →
/// SentencePiece, else "tokenizer" (tokenizer.json) → byte-level BPE, else
/// "vocab" + "merges" → GPT-2's BPE. "tokenizer-config"
/// (tokenizer_config.json), when the variant has it, gives bos_token,
/// eos_token and add_bos_token/add_eos_token. Throws modelzoo::Error naming
/// the files it needs.
std::shared_ptr<const text::Tokenizer> load_causal_lm_tokenizer(const LoadedModel& loaded);

/// BERT's WordPiece; throws modelzoo::Error naming the files it needs.
text::WordPiece load_wordpiece(const LoadedModel& loaded);

}  // namespace modelzoo::language

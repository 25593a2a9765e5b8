// The tokenizer of a loaded language model, from the variant's files by
// role: tokenizer.json (role "tokenizer") when there is one, else the
// classic files (GPT-2: "vocab" vocab.json + "merges" merges.txt; BERT:
// "vocab" vocab.txt, lower-cased as "tokenizer-config"'s do_lower_case
// says, by default yes).
#pragma once

#include <modelzoo/command.h>
#include <modelzoo/text/byte_level_bpe.h>
#include <modelzoo/text/wordpiece.h>

namespace modelzoo::language {

/// GPT-2's byte-level BPE; throws modelzoo::Error naming the files it needs.
text::ByteLevelBpe load_bpe(const LoadedModel& loaded);

/// BERT's WordPiece; throws modelzoo::Error naming the files it needs.
text::WordPiece load_wordpiece(const LoadedModel& loaded);

}  // namespace modelzoo::language

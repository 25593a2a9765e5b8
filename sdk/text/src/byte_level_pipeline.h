// The parts of a byte-level BPE tokenizer.json around its model, read and
// checked: the normalizer (none, NFC, or a Sequence of NFC), the
// pre-tokenizer (a PreTokenizer ending in ByteLevel), the decoder (ByteLevel)
// and the post-processor (ByteLevel, or TemplateProcessing that puts special
// tokens around a single text). Anything else is refused by name, with the
// file and the key: a tokenizer is never approximated.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pre_tokenizer.h"

namespace modelzoo::text {

/// `normalizer` (null: none); true when it is NFC.
bool read_byte_level_normalizer(const nlohmann::json& normalizer, const std::string& where);

/// `pre_tokenizer`: ByteLevel, Digits, Split, or a Sequence of them that
/// ends with ByteLevel.
PreTokenizer read_byte_level_pre_tokenizer(const nlohmann::json& pre_tokenizer,
                                           const std::string& where);

/// `decoder`: absent, null or ByteLevel (alone or in a Sequence).
void check_byte_level_decoder(const nlohmann::json& decoder, const std::string& where);

/// What `post_processor` puts before and after the ids of a single text.
struct PostProcessorIds {
  std::vector<int64_t> prefix, suffix;
};
PostProcessorIds read_post_processor(const nlohmann::json& post_processor,
                                     const std::string& where);

}  // namespace modelzoo::text

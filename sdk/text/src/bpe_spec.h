// What a BPE tokenizer's files say, read but not yet checked against each
// other: the readers of vocab.json + merges.txt and of tokenizer.json
// (bpe_files.cpp) fill it; ByteLevelBpe builds itself from it and does the
// cross-checks (merges of unknown tokens, conflicting ids), so both file
// layouts are held to the same rules and give the same messages.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "modelzoo/text/added_token.h"
#include "pre_tokenizer.h"

namespace modelzoo::text {

struct BpeMerge {
  std::string left;
  std::string right;
  std::string where;  ///< "merges.txt:12", "tokenizer.json: model.merges[11]"
};

struct BpeSpec {
  std::string vocab_name;  ///< what errors call the vocabulary ("vocab.json")
  std::string merges_name;
  std::vector<std::pair<std::string, int64_t>> vocab;
  std::vector<BpeMerge> merges;
  std::vector<AddedToken> added_tokens;  ///< ids checked against vocab when built
  std::string added_tokens_where;        ///< "tokenizer.json: added_tokens"
  /// Vocabulary entries that become special added tokens (vocab.json only).
  std::vector<std::string> special_tokens;
  PreTokenizer pre_tokenizer;
  bool ignore_merges = false;
  bool nfc = false;
  std::optional<std::string> unk_token, bos_token, eos_token;
  /// What encode(text, add_special_tokens=true) puts around the ids: the
  /// post-processor's ids, unless tokenizer_config.json's add_bos_token /
  /// add_eos_token say otherwise.
  std::vector<int64_t> prefix_ids, suffix_ids;
  std::string post_processor_where;  ///< "tokenizer.json: post_processor"
  std::optional<bool> add_bos, add_eos;
};

/// vocab.json + merges.txt.
BpeSpec read_vocab_and_merges(std::string_view vocab_json, std::string_view merges_txt,
                              const std::string& vocab_name, const std::string& merges_name);

/// tokenizer.json, with tokenizer_config.json's bos/eos tokens and
/// add_bos_token/add_eos_token when `config_json` is not empty
/// (`config_name` is what errors call it).
BpeSpec read_bpe_tokenizer_json(std::string_view tokenizer_json, const std::string& name,
                                std::string_view config_json, const std::string& config_name);

}  // namespace modelzoo::text

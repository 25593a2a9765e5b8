// The readers of BPE tokenizer files: Hugging Face's vocab.json +
// merges.txt, and tokenizer.json (with tokenizer_config.json beside it).
#include <string>

#include "bpe_spec.h"
#include "byte_level_pipeline.h"
#include "modelzoo/sdk/error.h"
#include "modelzoo/sdk/untrusted_json.h"
#include "pretokenizer_regex.h"
#include "special_token_config.h"
#include "tokenizer_file.h"
#include "tokenizer_json.h"

namespace modelzoo::text {

namespace {

const char* const kDuplicateTokenHint = "a token appears twice in the vocabulary";

std::string_view trim_line_end(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

void read_merges_text(std::string_view text, const std::string& name, BpeSpec* spec) {
  size_t line_number = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t end = std::min(text.find('\n', pos), text.size());
    const std::string_view line = trim_line_end(text.substr(pos, end - pos));
    pos = end + 1;
    ++line_number;
    if (line.empty() || (line_number == 1 && line.substr(0, 9) == "#version:")) continue;
    const size_t space = line.find(' ');
    if (space == std::string_view::npos || space == 0 || space + 1 == line.size() ||
        line.find(' ', space + 1) != std::string_view::npos)
      throw Error(name + ":" + std::to_string(line_number) +
                  ": expected two tokens separated by one space, found " + quoted_token(line) +
                  ": the file is not a BPE merges list, or is damaged; download it again");
    spec->merges.push_back({std::string(line.substr(0, space)), std::string(line.substr(space + 1)),
                            name + ":" + std::to_string(line_number)});
  }
}

void read_merges_json(const nlohmann::json& merges, const std::string& where, BpeSpec* spec) {
  if (!merges.is_array())
    throw Error(where + ": expected an array of merges, found " + merges.type_name());
  spec->merges.reserve(merges.size());
  for (size_t i = 0; i < merges.size(); ++i) {
    const auto& merge = merges[i];
    const std::string at = where + "[" + std::to_string(i) + "]";
    if (merge.is_string()) {
      const auto& text = merge.get_ref<const std::string&>();
      const size_t space = text.find(' ');
      if (space == std::string::npos || space == 0 || space + 1 == text.size() ||
          text.find(' ', space + 1) != std::string::npos)
        throw Error(at + ": expected two tokens separated by one space, found " +
                    quoted_token(text) + ": the file is damaged; download it again");
      spec->merges.push_back({text.substr(0, space), text.substr(space + 1), at});
    } else if (merge.is_array() && merge.size() == 2 && merge[0].is_string() &&
               merge[1].is_string()) {
      spec->merges.push_back({merge[0].get<std::string>(), merge[1].get<std::string>(), at});
    } else {
      throw Error(at + ": expected \"left right\" or [\"left\", \"right\"], found " +
                  merge.dump().substr(0, 80) + ": the file is damaged; download it again");
    }
  }
}

void read_model(const nlohmann::json& model, const std::string& where, BpeSpec* spec) {
  const auto type = required_field<std::string>(model, "type", where);
  if (type != "BPE")
    throw Error(where + ".type: expected \"BPE\", found \"" + type +
                "\": this tokenizer.json is not a BPE tokenizer (a WordPiece one is read by "
                "modelzoo::text::WordPiece)");
  // Options byte-level BPE does not have: null, "" or false are fine.
  for (const char* option : {"continuing_subword_prefix", "end_of_word_suffix", "byte_fallback"}) {
    const auto value = optional_field<nlohmann::json>(model, option, where);
    if (value && !value->is_null() && *value != "" && *value != false)
      throw Error(where + "." + option + ": " + value->dump().substr(0, 40) +
                  " is not supported by byte-level BPE (SentencePiece-style BPE is not)");
  }
  if (const auto it = model.find("unk_token"); it != model.end() && !it->is_null())
    spec->unk_token = required_field<std::string>(model, "unk_token", where);
  if (const auto it = model.find("ignore_merges"); it != model.end() && !it->is_null())
    spec->ignore_merges = required_field<bool>(model, "ignore_merges", where);
  spec->vocab =
      read_vocab_object(required_field<nlohmann::json>(model, "vocab", where), where + ".vocab");
  read_merges_json(required_field<nlohmann::json>(model, "merges", where), where + ".merges", spec);
}

}  // namespace

BpeSpec read_vocab_and_merges(std::string_view vocab_json, std::string_view merges_txt,
                              const std::string& vocab_name, const std::string& merges_name) {
  BpeSpec spec;
  spec.vocab_name = vocab_name;
  spec.merges_name = merges_name;
  // GPT2Tokenizer's: the regex, no prefix space.
  spec.pre_tokenizer.add_split(kGpt2SplitPattern, SplitBehavior::kIsolated, false);
  spec.vocab = read_vocab_object(parse_tokenizer_json(vocab_json, vocab_name, kDuplicateTokenHint),
                                 vocab_name);
  read_merges_text(merges_txt, merges_name, &spec);
  return spec;
}

BpeSpec read_bpe_tokenizer_json(std::string_view tokenizer_json, const std::string& name,
                                std::string_view config_json, const std::string& config_name) {
  const nlohmann::json root = parse_tokenizer_json(tokenizer_json, name, kDuplicateTokenHint);
  if (!root.is_object())
    throw Error(name + ": expected a JSON object, found " + root.type_name() +
                ": the file is not a Hugging Face tokenizer.json");
  BpeSpec spec;
  spec.vocab_name = name + ": model.vocab";
  spec.merges_name = name + ": model.merges";
  read_model(required_field<nlohmann::json>(root, "model", name), name + ": model", &spec);
  spec.nfc = read_byte_level_normalizer(field_or<nlohmann::json>(root, "normalizer", name, nullptr),
                                        name + ": normalizer");
  spec.pre_tokenizer = read_byte_level_pre_tokenizer(
      required_field<nlohmann::json>(root, "pre_tokenizer", name), name + ": pre_tokenizer");
  check_byte_level_decoder(field_or<nlohmann::json>(root, "decoder", name, nullptr),
                           name + ": decoder");
  const PostProcessorIds around = read_post_processor(
      field_or<nlohmann::json>(root, "post_processor", name, nullptr), name + ": post_processor");
  spec.prefix_ids = around.prefix;
  spec.suffix_ids = around.suffix;
  spec.post_processor_where = name + ": post_processor";
  spec.added_tokens_where = name + ": added_tokens";
  spec.added_tokens = read_added_tokens(
      field_or<nlohmann::json>(root, "added_tokens", name, nullptr), spec.added_tokens_where);
  spec.bos_token = spec.eos_token = "<|endoftext|>";
  if (!config_json.empty()) {
    const SpecialTokenConfig config = read_special_token_config(config_json, config_name);
    config.apply(&spec.bos_token, &spec.eos_token);
    spec.add_bos = config.add_bos_token;
    spec.add_eos = config.add_eos_token;
  }
  return spec;
}

}  // namespace modelzoo::text

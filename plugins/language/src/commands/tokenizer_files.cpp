#include "tokenizer_files.h"

#include <fstream>
#include <sstream>

#include <modelzoo/sdk/atomic_file.h>
#include <modelzoo/sdk/error.h>
#include <modelzoo/sdk/untrusted_json.h>
#include <modelzoo/text/limits.h>
#include <modelzoo/text/sentencepiece.h>

namespace modelzoo::language {
namespace {

std::string model_name(const LoadedModel& loaded) {
  return loaded.info.value("name", std::string("the model"));
}

[[noreturn]] void missing_files(const LoadedModel& loaded, const std::string& files) {
  throw Error(model_name(loaded) + " needs its tokenizer files (" + files +
              ") and the load gave none: the variant lists them by role; a --weights FILE "
              "stands for the weights only, so give --weights DIR, a Hugging Face snapshot "
              "directory that holds them");
}

// tokenizer_config.json's do_lower_case (true when absent, as for
// BertTokenizer). The file is small and untrusted.
bool lower_case(const std::string& path) {
  if (path.empty()) return true;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read " + path);
  std::string text(64 * 1024, '\0');
  in.read(&text[0], static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (in.gcount() == 64 * 1024)
    throw Error(path + ": larger than 64 KiB, which no tokenizer_config.json is");
  const nlohmann::json config = parse_untrusted_json(text, path);
  auto it = config.find("do_lower_case");
  if (it == config.end()) return true;
  if (!it->is_boolean()) throw Error(path + ": do_lower_case must be true or false");
  return it->get<bool>();
}

// A tokenizer file's contents, under the tokenizers' size cap; empty when
// the variant has no file of that role.
std::string role_contents(const LoadedModel& loaded, const char* role) {
  const std::string path = loaded.file(role);
  if (path.empty()) return {};
  auto contents = read_regular_file(path, text::kMaxTokenizerFileBytes);
  if (!contents)
    throw Error(model_name(loaded) + ": its " + role + " file " + path +
                " is missing: pull the model again");
  return std::move(*contents);
}

}  // namespace

std::shared_ptr<const text::Tokenizer> load_causal_lm_tokenizer(const LoadedModel& loaded) {
  const std::string config_path = loaded.file("tokenizer-config");
  const std::string config = role_contents(loaded, "tokenizer-config");
  if (const std::string model = loaded.file("tokenizer-model"); !model.empty())
    return std::make_shared<text::SentencePiece>(text::SentencePiece::from_model_bytes(
        role_contents(loaded, "tokenizer-model"), model, {}, config, config_path));
  if (const std::string json = loaded.file("tokenizer"); !json.empty())
    return std::make_shared<text::ByteLevelBpe>(text::ByteLevelBpe::from_tokenizer_json_text(
        role_contents(loaded, "tokenizer"), json, config, config_path));
  const std::string vocab = loaded.file("vocab"), merges = loaded.file("merges");
  if (vocab.empty() || merges.empty())
    missing_files(loaded, "tokenizer.model, tokenizer.json, or vocab.json and merges.txt");
  return std::make_shared<text::ByteLevelBpe>(text::ByteLevelBpe::from_files(vocab, merges));
}

text::ByteLevelBpe load_bpe(const LoadedModel& loaded) {
  if (const std::string json = loaded.file("tokenizer"); !json.empty())
    return text::ByteLevelBpe::from_tokenizer_json(json);
  const std::string vocab = loaded.file("vocab"), merges = loaded.file("merges");
  if (vocab.empty() || merges.empty())
    missing_files(loaded, "tokenizer.json, or vocab.json and merges.txt");
  return text::ByteLevelBpe::from_files(vocab, merges);
}

text::WordPiece load_wordpiece(const LoadedModel& loaded) {
  if (const std::string json = loaded.file("tokenizer"); !json.empty())
    return text::WordPiece::from_tokenizer_json(json);
  const std::string vocab = loaded.file("vocab");
  if (vocab.empty()) missing_files(loaded, "tokenizer.json or vocab.txt");
  text::WordPieceOptions options;
  options.lowercase = lower_case(loaded.file("tokenizer-config"));
  return text::WordPiece::from_vocab_txt(vocab, options);
}

}  // namespace modelzoo::language

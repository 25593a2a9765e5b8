#include "tokenizer_files.h"

#include <fstream>
#include <sstream>

#include <modelzoo/sdk/error.h>
#include <modelzoo/sdk/untrusted_json.h>

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

}  // namespace

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

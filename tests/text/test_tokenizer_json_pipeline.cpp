// tokenizer.json's normalizer, pre-tokenizer pipeline, decoder,
// post-processor and added-token flags, as Hugging Face's tokenizers runs
// them: files written here around GPT-2's real vocabulary with SmolLM2's
// pre-tokenizer (Digits then ByteLevel) and Qwen2's (its Split regex, then
// ByteLevel without its regex, NFC), the Split behaviours on a tiny
// vocabulary, <|im_start|>/<|im_end|> matched whole, single_word and
// normalized, TemplateProcessing, and the refusal by name of what is not
// supported. The expected ids are GPT-2's own BPE (vocab.json + merges.txt,
// tested against npm's encoder elsewhere) on pieces cut by hand here.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "error_text.h"
#include "modelzoo/text/byte_level_bpe.h"

namespace fs = std::filesystem;
using modelzoo::text::ByteLevelBpe;
using nlohmann::json;
using Ids = std::vector<int64_t>;

namespace {

const fs::path kVocabDir = MODELZOO_GPT2_VOCAB_DIR;

bool have_gpt2_files() {
  if (fs::exists(kVocabDir / "vocab.json") && fs::exists(kVocabDir / "merges.txt")) return true;
  WARN("skipped: the GPT-2 vocabulary is not in " << kVocabDir.string()
                                                  << " (the text_gpt2_vocab test fetches it)");
  return false;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

const ByteLevelBpe& gpt2() {
  static const ByteLevelBpe bpe = ByteLevelBpe::from_files((kVocabDir / "vocab.json").string(),
                                                           (kVocabDir / "merges.txt").string());
  return bpe;
}

// GPT-2's ids of pieces cut by hand: each piece encoded alone.
Ids gpt2_of_pieces(const std::vector<std::string>& pieces) {
  Ids ids;
  for (const auto& piece : pieces) {
    const Ids part = gpt2().encode(piece);
    ids.insert(ids.end(), part.begin(), part.end());
  }
  return ids;
}

// tokenizer.json around GPT-2's vocabulary and merges, in Hugging Face's
// layout, with the given pipeline parts; <|im_start|> and <|im_end|> are
// added special tokens (50257, 50258) as Qwen2 and SmolLM2-Instruct have.
std::string gpt2_tokenizer_json(const json& pre_tokenizer, const json& normalizer = nullptr) {
  const json vocab = json::parse(read_file(kVocabDir / "vocab.json"));
  std::istringstream lines(read_file(kVocabDir / "merges.txt"));
  json merges = json::array();
  std::string line;
  std::getline(lines, line);  // #version
  while (std::getline(lines, line))
    if (!line.empty()) merges.push_back(line);
  json added = json::array();
  for (const auto& [content, id] : std::vector<std::pair<std::string, int>>{
           {"<|endoftext|>", 50256}, {"<|im_start|>", 50257}, {"<|im_end|>", 50258}})
    added.push_back({{"id", id},
                     {"content", content},
                     {"single_word", false},
                     {"lstrip", false},
                     {"rstrip", false},
                     {"normalized", false},
                     {"special", true}});
  return json{{"version", "1.0"},
              {"added_tokens", added},
              {"normalizer", normalizer},
              {"pre_tokenizer", pre_tokenizer},
              {"post_processor",
               {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", false}}},
              {"decoder", {{"type", "ByteLevel"}, {"add_prefix_space", true}}},
              {"model",
               {{"type", "BPE"},
                {"dropout", nullptr},
                {"unk_token", nullptr},
                {"continuing_subword_prefix", ""},
                {"end_of_word_suffix", ""},
                {"fuse_unk", false},
                {"byte_fallback", false},
                {"vocab", vocab},
                {"merges", merges}}}}
      .dump();
}

const json kByteLevel = {{"type", "ByteLevel"},
                         {"add_prefix_space", false},
                         {"trim_offsets", true},
                         {"use_regex", true}};

json smollm2_pre_tokenizer(bool individual_digits = true) {
  return {{"type", "Sequence"},
          {"pretokenizers",
           {{{"type", "Digits"}, {"individual_digits", individual_digits}}, kByteLevel}}};
}

const char* const kQwen2Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

json qwen2_pre_tokenizer() {
  return {{"type", "Sequence"},
          {"pretokenizers",
           {{{"type", "Split"},
             {"pattern", {{"Regex", kQwen2Pattern}}},
             {"behavior", "Isolated"},
             {"invert", false}},
            {{"type", "ByteLevel"},
             {"add_prefix_space", false},
             {"trim_offsets", false},
             {"use_regex", false}}}}};
}

// Random text without digits: ASCII letters, punctuation and spaces,
// Latin-1, CJK and emoji.
std::vector<std::string> random_texts_without_digits(unsigned seed, int count) {
  std::mt19937 rng(seed);
  const std::vector<std::pair<char32_t, char32_t>> ranges = {
      {'a', 'z'},   {'A', 'Z'},       {' ', '/'},        {':', '@'},
      {0xC0, 0xFF}, {0x4E00, 0x4E40}, {0x1F600, 0x1F610}};
  std::vector<std::string> texts;
  for (int i = 0; i < count; ++i) {
    std::string text;
    const int length = 1 + static_cast<int>(rng() % 40);
    for (int j = 0; j < length; ++j) {
      const auto& [lo, hi] = ranges[rng() % ranges.size()];
      const char32_t cp = lo + rng() % (hi - lo + 1);
      if (cp < 0x80) {
        text += static_cast<char>(cp);
      } else if (cp < 0x800) {
        text += static_cast<char>(0xC0 | (cp >> 6));
        text += static_cast<char>(0x80 | (cp & 0x3F));
      } else if (cp < 0x10000) {
        text += static_cast<char>(0xE0 | (cp >> 12));
        text += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        text += static_cast<char>(0x80 | (cp & 0x3F));
      } else {
        text += static_cast<char>(0xF0 | (cp >> 18));
        text += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        text += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        text += static_cast<char>(0x80 | (cp & 0x3F));
      }
    }
    texts.push_back(text);
  }
  return texts;
}

// A vocabulary of single characters and a few merges, to see where a
// pre-tokenizer cuts: a merge never crosses a cut.
std::string tiny_json(const json& pre_tokenizer, const json& added = json::array(),
                      const json& normalizer = nullptr, const json& post_processor = nullptr) {
  const json vocab = {{"a", 0},
                      {"b", 1},
                      {"-", 2},
                      {"a-", 3},
                      {"-b", 4},
                      {"--", 5},
                      {"ab", 6},
                      {"\u0120", 7},
                      {"\u00c3", 8},
                      {"\u00a9", 9},
                      {"\u00c3\u00a9", 10},
                      {"<s>", 11},
                      {"</s>", 12},
                      {"<x>", 13}};
  return json{{"added_tokens", added},
              {"normalizer", normalizer},
              {"pre_tokenizer", pre_tokenizer},
              {"post_processor", post_processor},
              {"decoder", {{"type", "ByteLevel"}}},
              {"model",
               {{"type", "BPE"},
                {"vocab", vocab},
                {"merges", {"a -", "- b", "- -", "a b", "\u00c3 \u00a9"}}}}}
      .dump();
}

json split_on_dash(const std::string& behavior, bool invert = false) {
  return {{"type", "Sequence"},
          {"pretokenizers",
           {{{"type", "Split"},
             {"pattern", {{"String", "-"}}},
             {"behavior", behavior},
             {"invert", invert}},
            {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}}}}};
}

json added_token(const std::string& content, int id, bool single_word, bool normalized) {
  return {{"id", id},        {"content", content}, {"single_word", single_word},
          {"lstrip", false}, {"rstrip", false},    {"normalized", normalized},
          {"special", true}};
}

std::string json_error(const std::string& tokenizer_json) {
  return modelzoo::test::error_of(
      [&] { ByteLevelBpe::from_tokenizer_json_text(tokenizer_json, "dir/tokenizer.json"); });
}

}  // namespace

TEST_CASE("SmolLM2's pre-tokenizer: each digit one token, otherwise GPT-2's ids",
          "[text][bpe][pre_tokenizer]") {
  if (!have_gpt2_files()) return;
  const auto smol =
      ByteLevelBpe::from_tokenizer_json_text(gpt2_tokenizer_json(smollm2_pre_tokenizer()));
  // GPT-2 spells the digits 0…9 as the ids 15…24 (the printable bytes in order).
  CHECK(smol.encode("2024") == Ids{17, 15, 17, 19});
  CHECK(gpt2().encode("2024").size() < 4);  // GPT-2 alone merges them
  CHECK(smol.encode("In 2024 there were 365 days, ½ of them") ==
        gpt2_of_pieces({"In ", "2", "0", "2", "4", " there were ", "3", "6", "5", " days, ",
                        "\u00bd", " of them"}));
  for (const std::string& text : random_texts_without_digits(7, 200)) {
    INFO(text);
    CHECK(smol.encode(text) == gpt2().encode(text));
    CHECK(smol.decode(smol.encode(text)) == text);
  }
  // individual_digits false: a run of digits is one piece.
  const auto runs =
      ByteLevelBpe::from_tokenizer_json_text(gpt2_tokenizer_json(smollm2_pre_tokenizer(false)));
  CHECK(runs.encode("In 2024 there") == gpt2_of_pieces({"In ", "2024", " there"}));
}

TEST_CASE("Qwen2's pre-tokenizer: its Split regex, ByteLevel without a regex, NFC",
          "[text][bpe][pre_tokenizer]") {
  if (!have_gpt2_files()) return;
  const auto qwen = ByteLevelBpe::from_tokenizer_json_text(
      gpt2_tokenizer_json(qwen2_pre_tokenizer(), {{"type", "NFC"}}));
  // The pieces of Qwen2's regex, cut by hand: single digits, a leading
  // non-letter kept with a word, whitespace before a word left alone.
  CHECK(qwen.encode("Hello  world 123!") ==
        gpt2_of_pieces({"Hello", " ", " world", " ", "1", "2", "3", "!"}));
  CHECK(qwen.encode("IT'S (x)") == gpt2_of_pieces({"IT", "'S", " (", "x", ")"}));
  CHECK(qwen.encode("a\n\nb") == gpt2_of_pieces({"a", "\n\n", "b"}));
  // NFC: a decomposed é is the composed one.
  CHECK(qwen.encode("caf\u0065\u0301") == qwen.encode("caf\u00e9"));
  CHECK(qwen.encode("caf\u00e9") == gpt2_of_pieces({"caf\u00e9"}));
  // The same file as a Sequence of normalizers.
  const auto sequence = ByteLevelBpe::from_tokenizer_json_text(gpt2_tokenizer_json(
      qwen2_pre_tokenizer(), {{"type", "Sequence"}, {"normalizers", {{{"type", "NFC"}}}}}));
  CHECK(sequence.encode("caf\u0065\u0301") == qwen.encode("caf\u00e9"));
}

TEST_CASE("<|im_start|> and <|im_end|> are matched whole, wherever they are",
          "[text][bpe][pre_tokenizer]") {
  if (!have_gpt2_files()) return;
  const auto smol =
      ByteLevelBpe::from_tokenizer_json_text(gpt2_tokenizer_json(smollm2_pre_tokenizer()));
  CHECK(smol.encode("<|im_start|>user\nHi 42<|im_end|>\n") == [] {
    Ids ids = {50257};
    const Ids body = gpt2_of_pieces({"user\nHi ", "4", "2"});
    ids.insert(ids.end(), body.begin(), body.end());
    ids.push_back(50258);
    const Ids tail = gpt2().encode("\n");
    ids.insert(ids.end(), tail.begin(), tail.end());
    return ids;
  }());
  CHECK(smol.encode("x<|im_end|>y") == Ids{87, 50258, 88});
  // Not whole: BPE'd as text.
  CHECK(smol.encode("<|im_start") == gpt2().encode("<|im_start"));
  CHECK(smol.is_special(50257));
  Ids user = gpt2().encode("user");
  user.insert(user.begin(), 50257);
  user.push_back(50258);
  CHECK(smol.decode(user, /*skip_special_tokens=*/true) == "user");
  CHECK(smol.decode(user) == "<|im_start|>user<|im_end|>");
}

TEST_CASE("Split behaviours cut as Hugging Face's SplitDelimiterBehavior says",
          "[text][bpe][pre_tokenizer]") {
  auto ids = [](const json& pre, const std::string& text) {
    return ByteLevelBpe::from_tokenizer_json_text(tiny_json(pre)).encode(text);
  };
  const json no_split = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}};
  CHECK(ids(no_split, "a-b") == Ids{3, 1});  // "a-" merges first, nothing cuts
  CHECK(ids(split_on_dash("Isolated"), "a-b") == Ids{0, 2, 1});
  CHECK(ids(split_on_dash("Removed"), "a-b") == Ids{0, 1});
  CHECK(ids(split_on_dash("MergedWithPrevious"), "a-b") == Ids{3, 1});
  CHECK(ids(split_on_dash("MergedWithNext"), "a-b") == Ids{0, 4});
  CHECK(ids(split_on_dash("Isolated"), "a--b") == Ids{0, 2, 2, 1});
  CHECK(ids(split_on_dash("Contiguous"), "a--b") == Ids{0, 5, 1});
  CHECK(ids(split_on_dash("Removed", /*invert=*/true), "a-b") == Ids{2});
  CHECK(ids(split_on_dash("Isolated", /*invert=*/true), "ab-b") == Ids{6, 2, 1});
  // A regex Split and a prefix space on every piece.
  const json regex_then_prefix = {
      {"type", "Sequence"},
      {"pretokenizers",
       {{{"type", "Split"}, {"pattern", {{"Regex", "-+"}}}, {"behavior", "Removed"}},
        {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"use_regex", false}}}}};
  CHECK(ids(regex_then_prefix, "a--b") == Ids{7, 0, 7, 1});
}

TEST_CASE("added tokens: single_word needs no word beside it, normalized is matched after NFC",
          "[text][bpe][pre_tokenizer]") {
  const json pre = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}};
  const auto single = ByteLevelBpe::from_tokenizer_json_text(
      tiny_json(pre, json::array({added_token("<x>", 13, true, false)})));
  CHECK(single.encode("a<x>") != Ids{0, 13});  // "a" touches it: BPE'd as text
  CHECK(single.encode("-<x>-") == Ids{2, 13, 2});
  CHECK(single.encode("<x>") == Ids{13});
  const auto anywhere = ByteLevelBpe::from_tokenizer_json_text(
      tiny_json(pre, json::array({added_token("<x>", 13, false, false)})));
  CHECK(anywhere.encode("a<x>") == Ids{0, 13});

  // "<é>" as an added token (id 14); "é" alone is the byte-level token 10
  // and '<', '>' have no token here, so text around them shows as 10.
  const json nfc = {{"type", "NFC"}};
  const auto normalized = ByteLevelBpe::from_tokenizer_json_text(
      tiny_json(pre, json::array({added_token("<\u00e9>", 14, false, true)}), nfc));
  const auto raw = ByteLevelBpe::from_tokenizer_json_text(
      tiny_json(pre, json::array({added_token("<\u00e9>", 14, false, false)}), nfc));
  CHECK(normalized.encode("<e\u0301>") == Ids{14});  // matched in the NFC'd text
  CHECK(raw.encode("<e\u0301>") == Ids{10});         // not in the raw text
  CHECK(raw.encode("<\u00e9>") == Ids{14});
  // A normalized token's own text is normalized too.
  const auto decomposed = ByteLevelBpe::from_tokenizer_json_text(
      tiny_json(pre, json::array({added_token("<e\u0301>", 14, false, true)}), nfc));
  CHECK(decomposed.encode("<\u00e9>") == Ids{14});
}

TEST_CASE("TemplateProcessing's special tokens around a text are what encode(text, true) adds",
          "[text][bpe][pre_tokenizer]") {
  const json pre = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}};
  const json added =
      json::array({added_token("<s>", 11, false, false), added_token("</s>", 12, false, false)});
  const json bos_template = {
      {"type", "TemplateProcessing"},
      {"single",
       {{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}},
        {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}},
      {"pair", json::array()},
      {"special_tokens", {{"<s>", {{"id", "<s>"}, {"ids", {11}}, {"tokens", {"<s>"}}}}}}};
  const auto with_bos =
      ByteLevelBpe::from_tokenizer_json_text(tiny_json(pre, added, nullptr, bos_template));
  CHECK(with_bos.encode("ab", true) == Ids{11, 6});
  CHECK(with_bos.encode("ab", false) == Ids{6});
  // Inside a Sequence with ByteLevel, as Llama 3's files have it.
  const json sequence = {
      {"type", "Sequence"},
      {"processors", {{{"type", "ByteLevel"}, {"trim_offsets", false}}, bos_template}}};
  CHECK(ByteLevelBpe::from_tokenizer_json_text(tiny_json(pre, added, nullptr, sequence))
            .encode("ab", true) == Ids{11, 6});
  // tokenizer_config.json's add_bos_token: false wins over the template.
  const auto config = R"({"bos_token": "<s>", "add_bos_token": false, "add_eos_token": true,
                          "eos_token": "</s>"})";
  CHECK(ByteLevelBpe::from_tokenizer_json_text(tiny_json(pre, added, nullptr, bos_template),
                                               "tokenizer.json", config)
            .encode("ab", true) == Ids{6, 12});
}

TEST_CASE("unsupported tokenizer.json parts are refused by name, with the file and the key",
          "[text][bpe][pre_tokenizer]") {
  const json pre = {{"type", "ByteLevel"}, {"add_prefix_space", false}};
  CHECK_THAT(json_error(tiny_json(pre, json::array(), {{"type", "NFKC"}})),
             Catch::Contains("dir/tokenizer.json: normalizer: the normalizer \"NFKC\" is not "
                             "supported"));
  CHECK_THAT(json_error(tiny_json(pre, json::array(),
                                  {{"type", "Sequence"},
                                   {"normalizers", {{{"type", "NFC"}}, {{"type", "Lowercase"}}}}})),
             Catch::Contains("dir/tokenizer.json: normalizer.normalizers[1]: the normalizer "
                             "\"Lowercase\" is not supported"));
  CHECK_THAT(json_error(tiny_json(
                 {{"type", "Sequence"}, {"pretokenizers", {{{"type", "Whitespace"}}, pre}}})),
             Catch::Contains("dir/tokenizer.json: pre_tokenizer.pretokenizers[0]: the "
                             "pre-tokenizer \"Whitespace\" is not supported"));
  CHECK_THAT(json_error(tiny_json({{"type", "Digits"}})),
             Catch::Contains("pre_tokenizer: no ByteLevel step"));
  CHECK_THAT(
      json_error(tiny_json({{"type", "Sequence"}, {"pretokenizers", {pre, {{"type", "Digits"}}}}})),
      Catch::Contains("a Digits step after ByteLevel is not supported"));
  CHECK_THAT(json_error(tiny_json(split_on_dash("Sideways"))),
             Catch::Contains("pre_tokenizer.pretokenizers[0].behavior: the Split behavior "
                             "\"Sideways\""));
  auto with = [&](const char* key, const json& value) {
    json file = json::parse(tiny_json(pre));
    file[key] = value;
    return json_error(file.dump());
  };
  CHECK_THAT(with("decoder", {{"type", "WordPiece"}}),
             Catch::Contains("dir/tokenizer.json: decoder: the decoder \"WordPiece\" is not "
                             "supported"));
  CHECK_THAT(with("post_processor", {{"type", "RobertaProcessing"}}),
             Catch::Contains("dir/tokenizer.json: post_processor: the post-processor "
                             "\"RobertaProcessing\" is not supported"));
  CHECK_THAT(with("post_processor", {{"type", "TemplateProcessing"},
                                     {"single", {{{"SpecialToken", {{"id", "<q>"}}}}}},
                                     {"special_tokens", json::object()}}),
             Catch::Contains("post_processor.single[0]: the special token \"<q>\" is not in"));
}

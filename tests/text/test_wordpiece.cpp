// BERT's WordPiece (modelzoo::text::WordPiece) on a vocabulary written
// here: each normalization and splitting rule, the special tokens, pairs,
// truncation and padding, decoding, vocab.txt and tokenizer.json giving
// the same results, and the refusal of malformed files. The expected
// tokens follow Google's BERT rules as Hugging Face's BertNormalizer,
// BertPreTokenizer and WordPiece model state them.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "error_text.h"
#include "modelzoo/text/wordpiece.h"

using modelzoo::text::EncodeOptions;
using modelzoo::text::Encoding;
using modelzoo::text::Padding;
using modelzoo::text::WordPiece;
using modelzoo::text::WordPieceOptions;
using Ids = std::vector<int64_t>;
using Tokens = std::vector<std::string>;

namespace {

// Ids are the line numbers from 0: [PAD] 0, [UNK] 1, [CLS] 2, [SEP] 3, [MASK] 4, …
const std::vector<std::string> kVocab = {
    "[PAD]",    "[UNK]", "[CLS]",     "[SEP]",     "[MASK]", "hello",  "world",  "un",     "##aff",
    "##able",   "##a",   "##ff",      "paris",     "is",     "the",    "of",     "france", ",",
    ".",        "!",     "'",         "don",       "t",      "\u65e5", "\u672c", "a",      "##b",
    "b",        "cafe",  "caf\u00e9", "Caf\u00e9", "naive",  "\u2014", "$",      "^",      "\u00e9",
    "##\u00e9", "##s",   "Hello",     "[",         "]"};

std::string vocab_txt() {
  std::string text;
  for (const std::string& token : kVocab) text += token + "\n";
  return text;
}

int64_t id(const std::string& token) {
  for (size_t i = 0; i < kVocab.size(); ++i)
    if (kVocab[i] == token) return static_cast<int64_t>(i);
  FAIL("no token " << token << " in the test vocabulary");
  return -1;
}

const WordPiece& uncased() {
  static const WordPiece wp = WordPiece::from_vocab_text(vocab_txt());
  return wp;
}

const WordPiece& cased() {
  static const WordPiece wp = [] {
    WordPieceOptions options;
    options.lowercase = false;
    return WordPiece::from_vocab_text(vocab_txt(), "vocab.txt", options);
  }();
  return wp;
}

Tokens pieces(const WordPiece& wp, const std::string& text) {
  return wp.tokenize(text);
}

// tokenizer.json for the same vocabulary, as Hugging Face saves
// bert-base-uncased's (BertNormalizer, the five special tokens added).
std::string tokenizer_json(const nlohmann::json& normalizer) {
  nlohmann::json vocab = nlohmann::json::object();
  for (size_t i = 0; i < kVocab.size(); ++i) vocab[kVocab[i]] = i;
  nlohmann::json added = nlohmann::json::array();
  for (int i = 0; i < 5; ++i)
    added.push_back({{"id", i},
                     {"content", kVocab[i]},
                     {"single_word", false},
                     {"lstrip", false},
                     {"rstrip", false},
                     {"normalized", false},
                     {"special", true}});
  return nlohmann::json{{"version", "1.0"},
                        {"added_tokens", added},
                        {"normalizer", normalizer},
                        {"pre_tokenizer", {{"type", "BertPreTokenizer"}}},
                        {"decoder", {{"type", "WordPiece"}, {"prefix", "##"}, {"cleanup", true}}},
                        {"model",
                         {{"type", "WordPiece"},
                          {"unk_token", "[UNK]"},
                          {"continuing_subword_prefix", "##"},
                          {"max_input_chars_per_word", 100},
                          {"vocab", vocab}}}}
      .dump();
}

nlohmann::json bert_normalizer(bool lowercase) {
  return {{"type", "BertNormalizer"},
          {"clean_text", true},
          {"handle_chinese_chars", true},
          {"strip_accents", nullptr},
          {"lowercase", lowercase}};
}

}  // namespace

TEST_CASE("WordPiece cleans text: control characters dropped, whitespace is a space",
          "[text][wordpiece]") {
  CHECK(pieces(uncased(), "hel\x01lo") == Tokens{"hello"});
  CHECK(pieces(uncased(), std::string("hel\0lo", 6)) == Tokens{"hello"});
  CHECK(pieces(uncased(), "hel\ufffdlo") == Tokens{"hello"});
  CHECK(pieces(uncased(), "hel\u200blo") == Tokens{"hello"});  // zero-width space: format (Cf)
  CHECK(pieces(uncased(), "hel\xfflo") == Tokens{"hello"});    // ill-formed: U+FFFD, then dropped
  CHECK(pieces(uncased(), "hello\tworld\nhello\r\n world") ==
        Tokens{"hello", "world", "hello", "world"});
  CHECK(pieces(uncased(), "hello\u00a0world\u3000hello") == Tokens{"hello", "world", "hello"});
  CHECK(pieces(uncased(), "   ").empty());
}

TEST_CASE("WordPiece puts spaces around CJK ideographs", "[text][wordpiece]") {
  CHECK(pieces(uncased(), "\u65e5\u672c") == Tokens{"\u65e5", "\u672c"});
  CHECK(pieces(uncased(), "a\u65e5b") == Tokens{"a", "\u65e5", "b"});
  // Hiragana is not an ideograph: one word, not in the vocabulary.
  CHECK(pieces(uncased(), "\u3072\u3089") == Tokens{"[UNK]"});
  WordPieceOptions no_cjk;
  no_cjk.tokenize_chinese_chars = false;
  const auto wp = WordPiece::from_vocab_text(vocab_txt(), "vocab.txt", no_cjk);
  CHECK(wp.tokenize("\u65e5\u672c") == Tokens{"[UNK]"});  // one word "日本", not in the vocabulary
}

TEST_CASE("WordPiece lowercases and strips accents for uncased models", "[text][wordpiece]") {
  CHECK(pieces(uncased(), "Caf\u00e9 HELLO") == Tokens{"cafe", "hello"});
  CHECK(pieces(uncased(), "NA\u00cfVE") == Tokens{"naive"});
  CHECK(pieces(uncased(), "nai\u0308ve") == Tokens{"naive"});  // already decomposed
  CHECK(pieces(cased(), "Caf\u00e9 Hello") == Tokens{"Caf\u00e9", "Hello"});
  CHECK(pieces(cased(), "hello") == Tokens{"hello"});
  WordPieceOptions keep_accents;
  keep_accents.strip_accents = false;
  const auto wp = WordPiece::from_vocab_text(vocab_txt(), "vocab.txt", keep_accents);
  CHECK(wp.tokenize("CAF\u00c9") == Tokens{"caf\u00e9"});
}

TEST_CASE("WordPiece splits at every punctuation character", "[text][wordpiece]") {
  CHECK(pieces(uncased(), "hello,world!") == Tokens{"hello", ",", "world", "!"});
  CHECK(pieces(uncased(), "hello\u2014world") == Tokens{"hello", "\u2014", "world"});  // Pd
  CHECK(pieces(uncased(), "hello$world^") == Tokens{"hello", "$", "world", "^"});  // ASCII symbols
  CHECK(pieces(uncased(), "don't") == Tokens{"don", "'", "t"});
  CHECK(pieces(uncased(), "...") == Tokens{".", ".", "."});
}

TEST_CASE("WordPiece matches the longest piece first, with ##", "[text][wordpiece]") {
  CHECK(pieces(uncased(), "unaffable") == Tokens{"un", "##aff", "##able"});
  CHECK(pieces(uncased(), "abb") == Tokens{"a", "##b", "##b"});
  CHECK(pieces(uncased(), "hellos worlds") == Tokens{"hello", "##s", "world", "##s"});
  // One piece missing: the whole word is unknown, not just that piece.
  CHECK(pieces(uncased(), "unaffablex hello") == Tokens{"[UNK]", "hello"});
  CHECK(pieces(uncased(), "zzz") == Tokens{"[UNK]"});
}

TEST_CASE("WordPiece: a word of more than 100 characters is [UNK]", "[text][wordpiece]") {
  const Tokens hundred = pieces(uncased(), "a" + std::string(99, 'b'));
  REQUIRE(hundred.size() == 100);
  CHECK(hundred.front() == "a");
  CHECK(hundred.back() == "##b");
  CHECK(pieces(uncased(), "a" + std::string(100, 'b')) == Tokens{"[UNK]"});
  // Characters, not bytes: 100 two-byte characters are still one word of pieces.
  std::string accented;
  for (int i = 0; i < 100; ++i) accented += "\u00e9";
  CHECK(pieces(cased(), accented).size() == 100);
  CHECK(pieces(cased(), accented + "\u00e9") == Tokens{"[UNK]"});
}

TEST_CASE("WordPiece adds [CLS] and [SEP], matches special tokens whole", "[text][wordpiece]") {
  const Encoding e = uncased().encode("Paris is the [MASK] of France.");
  CHECK(e.tokens == Tokens{"[CLS]", "paris", "is", "the", "[MASK]", "of", "france", ".", "[SEP]"});
  CHECK(e.ids == Ids{2, id("paris"), id("is"), id("the"), 4, id("of"), id("france"), id("."), 3});
  CHECK(e.token_type_ids == Ids(9, 0));
  CHECK(e.attention_mask == Ids(9, 1));
  CHECK(uncased().cls_id() == 2);
  CHECK(uncased().sep_id() == 3);
  CHECK(uncased().pad_id() == 0);
  CHECK(uncased().unk_id() == 1);
  CHECK(uncased().mask_id() == 4);
  CHECK(uncased().vocab_size() == static_cast<int64_t>(kVocab.size()));
  CHECK(uncased().is_special(4));
  CHECK_FALSE(uncased().is_special(5));
  EncodeOptions plain;
  plain.add_special_tokens = false;
  CHECK(uncased().encode("hello [SEP]world", plain).ids == Ids{id("hello"), 3, id("world")});
  CHECK(uncased().encode("", plain).ids.empty());
  CHECK(uncased().encode("").ids == Ids{2, 3});
}

TEST_CASE("WordPiece pairs: [CLS] A [SEP] B [SEP] with token types 0 and 1", "[text][wordpiece]") {
  const Encoding e = uncased().encode_pair("hello world", "paris");
  CHECK(e.tokens == Tokens{"[CLS]", "hello", "world", "[SEP]", "paris", "[SEP]"});
  CHECK(e.token_type_ids == Ids{0, 0, 0, 0, 1, 1});
  CHECK(e.attention_mask == Ids(6, 1));
}

TEST_CASE("WordPiece truncation: a single text from its end, pairs longest first",
          "[text][wordpiece]") {
  EncodeOptions cut;
  cut.truncation = true;
  cut.max_length = 4;
  CHECK(uncased().encode("hello world hello world", cut).tokens ==
        Tokens{"[CLS]", "hello", "world", "[SEP]"});
  // 5 + 2 tokens, room for 8 - 3 = 5: only the longer loses tokens.
  cut.max_length = 8;
  Encoding e = uncased().encode_pair("hello world hello world hello", "paris is", cut);
  CHECK(e.tokens == Tokens{"[CLS]", "hello", "world", "hello", "[SEP]", "paris", "is", "[SEP]"});
  CHECK(e.token_type_ids == Ids{0, 0, 0, 0, 0, 1, 1, 1});
  // 3 + 3 in room for 4: one at a time from the longer, the second on ties.
  cut.max_length = 7;
  e = uncased().encode_pair("hello world hello", "paris is the", cut);
  CHECK(e.tokens == Tokens{"[CLS]", "hello", "world", "[SEP]", "paris", "is", "[SEP]"});
  cut.max_length = 8;
  e = uncased().encode_pair("hello world hello", "paris is the", cut);
  CHECK(e.tokens == Tokens{"[CLS]", "hello", "world", "hello", "[SEP]", "paris", "is", "[SEP]"});
  // Short enough: untouched.
  cut.max_length = 512;
  CHECK(uncased().encode_pair("hello", "world", cut).size() == 5);
}

TEST_CASE("WordPiece padding: to max_length, and batches to the longest", "[text][wordpiece]") {
  EncodeOptions pad;
  pad.padding = Padding::kMaxLength;
  pad.max_length = 6;
  const Encoding e = uncased().encode("hello world", pad);
  CHECK(e.ids == Ids{2, id("hello"), id("world"), 3, 0, 0});
  CHECK(e.attention_mask == Ids{1, 1, 1, 1, 0, 0});
  CHECK(e.token_type_ids == Ids(6, 0));
  CHECK(e.tokens.back() == "[PAD]");

  const auto batch = uncased().encode_batch({"hello", "hello world hello", ""});
  REQUIRE(batch.size() == 3);
  for (const Encoding& row : batch) {
    CHECK(row.ids.size() == 5);
    CHECK(row.attention_mask.size() == 5);
    CHECK(row.token_type_ids.size() == 5);
    CHECK(row.tokens.size() == 5);
  }
  CHECK(batch[0].ids == Ids{2, id("hello"), 3, 0, 0});
  CHECK(batch[0].attention_mask == Ids{1, 1, 1, 0, 0});
  CHECK(batch[1].attention_mask == Ids(5, 1));
  CHECK(batch[2].ids == Ids{2, 3, 0, 0, 0});

  EncodeOptions both;
  both.truncation = true;
  both.padding = Padding::kMaxLength;
  both.max_length = 4;
  for (const Encoding& row : uncased().encode_batch({"hello", "hello world hello"}, both))
    CHECK(row.size() == 4);
}

TEST_CASE("WordPiece options that cannot work are refused", "[text][wordpiece]") {
  EncodeOptions no_length;
  no_length.truncation = true;
  CHECK_THAT(modelzoo::test::error_of([&] { uncased().encode("hello", no_length); }),
             Catch::Contains("need EncodeOptions::max_length"));
  EncodeOptions tiny;
  tiny.truncation = true;
  tiny.max_length = 2;
  CHECK_THAT(modelzoo::test::error_of([&] { uncased().encode_pair("a", "b", tiny); }),
             Catch::Contains("max_length 2 leaves no room for the 3 special tokens"));
}

TEST_CASE("WordPiece decode joins ## pieces and cleans up spaces", "[text][wordpiece]") {
  const Encoding e = uncased().encode("Unaffable, don't!");
  CHECK(uncased().decode(e.ids, /*skip_special_tokens=*/true) == "unaffable, don't!");
  CHECK(uncased().decode(e.ids) == "[CLS] unaffable, don't! [SEP]");
  CHECK(uncased().decode({id("hello"), 999, -3, id("world")}) == "hello world");
}

TEST_CASE("WordPiece from tokenizer.json gives what vocab.txt gives", "[text][wordpiece]") {
  const auto from_json = WordPiece::from_tokenizer_json_text(tokenizer_json(bert_normalizer(true)));
  const auto cased_json =
      WordPiece::from_tokenizer_json_text(tokenizer_json(bert_normalizer(false)));
  for (const std::string text :
       {"Paris is the [MASK] of France.", "Caf\u00e9 HELLO, unaffable \u65e5\u672c hel\x01lo",
        "NA\u00cfVE don't ^$"}) {
    INFO(text);
    CHECK(from_json.encode(text).ids == uncased().encode(text).ids);
    CHECK(cased_json.encode(text).ids == cased().encode(text).ids);
  }
  CHECK(from_json.mask_id() == 4);
  CHECK(from_json.is_special(0));
}

TEST_CASE("malformed WordPiece files are refused with the file, the place and the fix",
          "[text][wordpiece]") {
  auto vocab_error = [](const std::string& text) {
    return modelzoo::test::error_of([&] { WordPiece::from_vocab_text(text); });
  };
  CHECK_THAT(vocab_error("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\nhello\n"),
             Catch::Contains("vocab.txt:7: the token 'hello' repeats line 6") &&
                 Catch::Contains("download it again"));
  CHECK_THAT(vocab_error("[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n"),
             Catch::Contains("vocab.txt: the mask token '[MASK]' is not in the vocabulary"));
  CHECK_THAT(vocab_error(""), Catch::Contains("vocab.txt: the vocabulary is empty"));
  CHECK_THAT(modelzoo::test::error_of([] { WordPiece::from_vocab_txt("/nonexistent/vocab.txt"); }),
             Catch::Contains("tokenizer file /nonexistent/vocab.txt does not exist"));

  auto json_error = [](const std::string& text) {
    return modelzoo::test::error_of([&] { WordPiece::from_tokenizer_json_text(text); });
  };
  CHECK_THAT(json_error("{\"model\": {"), Catch::Contains("tokenizer.json: not well-formed JSON"));
  CHECK_THAT(json_error(R"({"model": {"type": "BPE", "vocab": {}, "merges": []}})"),
             Catch::Contains("tokenizer.json: model.type: expected \"WordPiece\", found \"BPE\""));
  CHECK_THAT(json_error(R"({"model": {"type": "WordPiece", "vocab": {"a": 0, "a": 1}}})"),
             Catch::Contains("'a' appears twice") &&
                 Catch::Contains("a token appears twice in the vocabulary"));
  CHECK_THAT(
      json_error(R"({"model": {"type": "WordPiece", "vocab": {"a": 0}},
                            "normalizer": {"type": "Lowercase"}})"),
      Catch::Contains("tokenizer.json: normalizer: the normalizer Lowercase is not supported"));
  CHECK_THAT(
      json_error(R"({"model": {"type": "WordPiece", "vocab": {"a": 0}},
                            "normalizer": {"type": "BertNormalizer", "strip_accents": "yes"}})"),
      Catch::Contains("tokenizer.json: normalizer.strip_accents: expected true, false or null"));
  CHECK_THAT(
      json_error(R"({"model": {"type": "WordPiece", "vocab": {"[UNK]": 0}}})"),
      Catch::Contains(
          "tokenizer.json: model.vocab: the classifier token '[CLS]' is not in the vocabulary"));
  CHECK_THAT(json_error(R"({"model": {"type": "WordPiece", "vocab": {"a": 0, "b": 0}}})"),
             Catch::Contains("tokens 'a' and 'b' both have the id 0"));
}

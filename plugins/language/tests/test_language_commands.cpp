// The family's run commands on the small fixture models, with tokenizer
// files written here: the prompt tokenised by the variant's files, the
// SDK's generate() behind text-generation (greedy by default, sampling
// when asked, streaming, stop strings, batches), fill-mask's top tokens
// against the MLM logits, feature-extraction's embeddings and cosines.
// The commands run through CommandContext with a load() that hands them
// the model and its files, as the Hub does.
#include <torch/types.h>

// glog (through LibTorch) defines CHECK too; Catch's must win.
#undef CHECK
#include <catch2/catch.hpp>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "bert.h"
#include "commands/language_commands.h"
#include "error_text.h"
#include "gpt2.h"
#include "language_test_support.h"
#include "modelzoo/generation.h"
#include "modelzoo/text/byte_level_bpe.h"
#include "modelzoo/text/wordpiece.h"
#include "process.h"

using namespace modelzoo;
using namespace modelzoo::test;
using nlohmann::json;

namespace {

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// A byte-level BPE of 101 ids for the 101-token GPT-2: printable ASCII
// (0…93), 'Ġ' (space, 94), five merges (95…99) and <|endoftext|> (100).
// Writes a small vocab.json and merges.txt into `dir`; returns them as the
// files a load hands a command, by role.
json write_bpe_files(const std::string& dir) {
  json vocab = json::object();
  int64_t id = 0;
  for (char c = '!'; c <= '~'; ++c) vocab[std::string(1, c)] = id++;
  vocab["\u0120"] = id++;
  const std::vector<std::pair<std::string, std::string>> merges{
      {"h", "e"}, {"l", "l"}, {"\u0120", "w"}, {"o", "r"}, {"l", "d"}};
  std::string merges_txt = "#version: 0.2\n";
  for (const auto& [a, b] : merges) {
    vocab[a + b] = id++;
    merges_txt += a + " " + b + "\n";
  }
  vocab["<|endoftext|>"] = id++;
  REQUIRE(id == 101);
  write_file(dir + "/vocab.json", vocab.dump());
  write_file(dir + "/merges.txt", merges_txt);
  return {{{"role", "vocab"}, {"file", "vocab.json"}, {"path", dir + "/vocab.json"}},
          {{"role", "merges"}, {"file", "merges.txt"}, {"path", dir + "/merges.txt"}}};
}

// A WordPiece vocabulary of 99 ids for the 99-token BERT.
// Writes a small vocab.txt into `dir`; returns it as a load's files.
json write_wordpiece_vocab(const std::string& dir) {
  std::string text = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n";
  int64_t n = 5;
  for (const char* word : {"paris", "is", "the", "capital", "of", "france", ".", "a", "city"}) {
    text += std::string(word) + "\n";
    ++n;
  }
  for (; n < 99; ++n) text += "w" + std::to_string(n) + "\n";
  write_file(dir + "/vocab.txt", text);
  return {{{"role", "vocab"}, {"file", "vocab.txt"}, {"path", dir + "/vocab.txt"}}};
}

// One command call as the host makes it: the options JSON (defaults
// applied), load() giving `model` and `files`, records collected.
struct Call {
  json run(const std::string& task, nlohmann::json (*command)(CommandContext&), const json& options,
           std::shared_ptr<Model> model, const json& files) {
    CommandCall call;
    call.verb = "run";
    call.task = task;
    call.target = "language/test";
    call.options_json = options.dump();
    const json info = {{"name", "language/test"},
                       {"files", files},
                       {"notes", json::array()},
                       {"meta", json::object()}};
    call.load = [model, info](const std::string&) {
      LoadResult result;
      result.model = model;
      result.report_json = info.dump();
      return result;
    };
    call.emit = [this](const std::string& record) { records.push_back(json::parse(record)); };
    CommandContext ctx(call);
    return command(ctx);
  }
  std::string streamed() const {
    std::string text;
    for (const auto& r : records)
      if (r.contains("stream")) text += r.at("stream").get<std::string>();
    return text;
  }
  std::vector<json> records;
};

std::shared_ptr<language::Gpt2Model> tiny_gpt2(const json& index) {
  auto model = std::make_shared<language::Gpt2Model>(
      "gpt2", language::Gpt2Options::from_config(index.at("gpt2")), false);
  model->load_weights(Weights::from_file(language_fixture("gpt2_tiny.safetensors")));
  model->eval();
  return model;
}

std::shared_ptr<language::BertModel> tiny_bert(const json& index, bool head,
                                               const std::string& file) {
  auto model = std::make_shared<language::BertModel>(
      "bert", language::BertOptions::from_config(index.at("bert"), head), false);
  model->load_weights(Weights::from_file(language_fixture(file)));
  model->eval();
  return model;
}

json text_options(std::vector<std::string> prompts) {
  return {{"prompt", prompts},
          {"max_new_tokens", 12},
          {"do_sample", false},
          {"repetition_penalty", 1.0}};
}

}  // namespace

TEST_CASE("run text-generation: the prompt through the BPE files, generate(), the stream",
          "[language][commands][gpt2]") {
  REQUIRE_LANGUAGE_FIXTURES();
  TempDir dir;
  const json files = write_bpe_files(dir.path());
  auto model = tiny_gpt2(fixture_index);
  const auto bpe =
      text::ByteLevelBpe::from_files(dir.path() + "/vocab.json", dir.path() + "/merges.txt");

  Call call;
  const json result = call.run("text-generation", language::generate_text_command,
                               text_options({"hello world"}), model, files);
  // he ll o Ġw or ld, by the merges' ranks.
  CHECK(result.at("prompt_token_ids") == std::vector<int64_t>{95, 96, 78, 97, 98, 99});
  CHECK(result.at("sampling") == false);
  GenerationOptions greedy;
  greedy.max_new_tokens = 12;
  greedy.eos_token_ids = {100};
  std::vector<int64_t> expected;
  {
    torch::InferenceMode guard;
    expected = generate(*model, {{95, 96, 78, 97, 98, 99}}, greedy).at(0);
  }
  CHECK(result.at("token_ids") == expected);
  const std::string text = result.at("text");
  CHECK(text == bpe.decode(expected, /*skip_special_tokens=*/true));
  CHECK(call.streamed() == text);  // streamed as it came, nothing lost or repeated

  // A stop string cuts the text before it, and the stream too.
  REQUIRE(text.size() >= 4);
  const std::string stop = text.substr(2, 2);
  json options = text_options({"hello world"});
  options["stop"] = {stop};
  Call stopped;
  const json cut =
      stopped.run("text-generation", language::generate_text_command, options, model, files);
  CHECK(cut.at("text") == text.substr(0, text.find(stop)));
  CHECK(stopped.streamed() == cut.at("text").get<std::string>());

  // Several prompts: one batch, each row the tokens it has alone.
  Call batch;
  const json both = batch.run("text-generation", language::generate_text_command,
                              text_options({"hello world", "or"}), model, files);
  REQUIRE(both.at("generations").size() == 2);
  CHECK(both.at("generations")[0].at("token_ids") == expected);
  CHECK(both.at("generations")[1].at("prompt_token_ids") == std::vector<int64_t>{98});
  CHECK(batch.streamed().empty());  // only a single prompt streams
}

TEST_CASE("run text-generation samples when a sampling option is given, repeatably with a seed",
          "[language][commands][gpt2]") {
  REQUIRE_LANGUAGE_FIXTURES();
  TempDir dir;
  const json files = write_bpe_files(dir.path());
  auto model = tiny_gpt2(fixture_index);
  json options = text_options({"hello"});
  options["seed"] = 3;
  options["temperature"] = 1.5;
  Call first, second;
  const json a =
      first.run("text-generation", language::generate_text_command, options, model, files);
  const json b =
      second.run("text-generation", language::generate_text_command, options, model, files);
  CHECK(a.at("sampling") == true);
  CHECK(a.at("token_ids") == b.at("token_ids"));
  // Without tokenizer files the command says which it needs.
  Call none;
  CHECK_THAT(error_of([&] {
               none.run("text-generation", language::generate_text_command, options, model,
                        json::array());
             }),
             Catch::Contains(
                 "needs its tokenizer files (tokenizer.model, tokenizer.json, or vocab.json and "
                 "merges.txt)"));
}

TEST_CASE("run fill-mask: the top tokens at [MASK] are the MLM head's, with their probabilities",
          "[language][commands][bert]") {
  REQUIRE_LANGUAGE_FIXTURES();
  TempDir dir;
  const json files = write_wordpiece_vocab(dir.path());
  auto model = tiny_bert(fixture_index, true, "bert_tiny.safetensors");
  const auto tokenizer = text::WordPiece::from_vocab_txt(dir.path() + "/vocab.txt");
  const std::string sentence = "Paris is the [MASK] of France.";
  Call call;
  const json result = call.run("fill-mask", language::fill_mask_command,
                               {{"text", {sentence}}, {"top_k", 3}}, model, files);
  const json& fills = result.at("fills");
  REQUIRE(fills.size() == 3);

  const auto e = tokenizer.encode(sentence);  // [CLS] paris is the [MASK] of france . [SEP]
  REQUIRE(e.ids.at(4) == tokenizer.mask_id());
  torch::Tensor probabilities;
  {
    torch::InferenceMode guard;
    const auto ids = torch::tensor(e.ids, torch::kLong).unsqueeze(0);
    probabilities = torch::softmax(model->mlm_logits(ids, {}, {})[0][4], -1);
  }
  const auto top = probabilities.topk(3);
  for (int64_t r = 0; r < 3; ++r) {
    INFO(r);
    const int64_t id = std::get<1>(top)[r].item<int64_t>();
    CHECK(fills[r].at("rank") == r + 1);
    CHECK(fills[r].at("token_id") == id);
    CHECK(fills[r].at("token") == tokenizer.decode({id}));
    CHECK(std::abs(fills[r].at("score").get<double>() - std::get<0>(top)[r].item<double>()) < 1e-6);
  }
  CHECK(fills[0]
            .at("sequence")
            .get<std::string>()
            .find(tokenizer.decode({fills[0].at("token_id")})) != std::string::npos);
  Call no_mask;
  CHECK_THAT(error_of([&] {
               no_mask.run("fill-mask", language::fill_mask_command,
                           {{"text", {"paris is a city"}}, {"top_k", 3}}, model, files);
             }),
             Catch::Contains("no [MASK] token in --text 'paris is a city'"));
}

TEST_CASE("run feature-extraction: the embeddings are embed()'s and the table their cosines",
          "[language][commands][minilm]") {
  REQUIRE_LANGUAGE_FIXTURES();
  TempDir dir;
  const json files = write_wordpiece_vocab(dir.path());
  auto model = tiny_bert(fixture_index, false, "minilm_tiny.safetensors");
  const std::vector<std::string> texts{"paris is the capital of france.", "a city", "the city ."};
  Call call;
  const json result =
      call.run("feature-extraction", language::embed_text_command, {{"text", texts}}, model, files);
  const auto tokenizer = text::WordPiece::from_vocab_txt(dir.path() + "/vocab.txt");
  const auto rows = tokenizer.encode_batch(texts);  // padded to the longest
  std::vector<int64_t> ids, mask;
  for (const auto& row : rows) {
    ids.insert(ids.end(), row.ids.begin(), row.ids.end());
    mask.insert(mask.end(), row.attention_mask.begin(), row.attention_mask.end());
  }
  torch::Tensor expected;
  {
    torch::InferenceMode guard;
    const int64_t t = static_cast<int64_t>(rows[0].size());
    expected = model->embed(torch::tensor(ids, torch::kLong).view({3, t}),
                            torch::tensor(mask, torch::kLong).view({3, t}));
  }
  REQUIRE(result.at("embeddings").size() == 3);
  for (int64_t i = 0; i < 3; ++i) {
    INFO(i);
    const json& row = result.at("embeddings")[i];
    CHECK(row.at("size") == 64);
    CHECK(row.at("tokens") == (i == 0 ? 9 : i == 1 ? 4 : 5));  // [CLS] … [SEP]
    const auto got = torch::tensor(row.at("embedding").get<std::vector<float>>());
    CHECK(max_diff(got, expected[i]) <= 1e-6);
    for (int64_t j = 0; j < 3; ++j)
      CHECK(std::abs(result.at("similarity")[i].at(std::to_string(j + 1)).get<double>() -
                     expected[i].dot(expected[j]).item<double>()) < 1e-5);
  }
}

// `modelzoo chat` through the real CLI on a tiny random GPT-2 given as a
// snapshot directory (--weights DIR) with --template chatml: the one-shot
// --message --json path, and the interactive one driven through a
// pseudo-terminal (forkpty) as a user types — a two-turn conversation whose
// second reply is the model's answer to the whole history, /reset, Ctrl-D,
// Ctrl-C during a reply (it stops, the program goes on) and twice at the
// prompt (it exits). The expected replies are computed here with the SDK's
// generate() on prompts written out by hand.
#include <torch/types.h>

// glog (through LibTorch) defines CHECK too; Catch's must win.
#undef CHECK
#include <catch2/catch.hpp>

#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "gpt2.h"
#include "llama.h"
#include "modelzoo/generation.h"
#include "modelzoo/text/byte_level_bpe.h"
#include "modelzoo/text/sentencepiece.h"
#include "modelzoo/weights.h"
#include "paths.h"
#include "process.h"

using namespace modelzoo;
using nlohmann::json;

namespace {

// GPT-2's bytes_to_unicode: the character that stands for byte `b`.
std::string byte_char(int b) {
  const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
  int code = b;
  if (!printable) {
    int n = 0;
    for (int c = 0; c < b; ++c)
      if (!((c >= '!' && c <= '~') || (c >= 0xA1 && c <= 0xAC) || c >= 0xAE)) ++n;
    code = 256 + n;
  }
  std::string out;
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
  return out;
}

// A snapshot directory of a 259-token model that speaks ChatML: ids 0…255
// are the bytes, 256 <|endoftext|>, 257 <|im_start|>, 258 <|im_end|>
// (special added tokens). The embedding rows (tied to the output layer)
// of everything but printable ASCII are zero, so a greedy reply is
// printable text (unchanged by a terminal) that never stops early. A tiny
// GPT-2 by default; with `llama`, a 2-layer SmolLM2 (GQA 4:2).
struct ChatFixture {
  explicit ChatFixture(const std::string& dir, bool llama = false) : dir(dir) {
    torch::manual_seed(7);
    json config;
    if (llama) {
      config = {{"hidden_size", 64},        {"intermediate_size", 128},
                {"num_hidden_layers", 2},   {"num_attention_heads", 4},
                {"num_key_value_heads", 2}, {"max_position_embeddings", 512},
                {"vocab_size", 259},        {"rms_norm_eps", 1e-5},
                {"rope_theta", 100000.0},   {"tie_word_embeddings", true}};
      model = std::make_shared<language::LlamaModel>(
          "smollm2-135m-instruct",
          language::LlamaOptions::from_config(config, language::LlamaKind::kLlama),
          /*initialised=*/true);
    } else {
      config = {{"n_layer", 2},        {"n_head", 2},       {"n_embd", 64},
                {"n_positions", 8192}, {"vocab_size", 259}, {"layer_norm_epsilon", 1e-5}};
      model = std::make_shared<language::Gpt2Model>(
          "gpt2", language::Gpt2Options::from_config(config), /*initialised=*/true);
    }
    {
      torch::NoGradGuard no_grad;
      for (auto& item : model->named_parameters())
        if (item.key().find("wte.weight") != std::string::npos ||
            item.key().find("embed_tokens.weight") != std::string::npos)
          for (int64_t id = 0; id < 259; ++id)
            if (id < ' ' || id > '~') item.value()[id].zero_();
    }
    model->eval();
    lm = dynamic_cast<CausalLM*>(model.get());
    Weights::save(model->state_dict(), dir + "/model.safetensors");
    std::ofstream(dir + "/config.json") << config.dump();

    json vocab = json::object();
    for (int b = 0; b < 256; ++b) vocab[byte_char(b)] = b;
    json added = json::array();
    for (const char* token : {"<|endoftext|>", "<|im_start|>", "<|im_end|>"}) {
      vocab[token] = 256 + static_cast<int>(added.size());
      added.push_back({{"id", vocab[token]}, {"content", token}, {"special", true}});
    }
    const json tokenizer = {
        {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", json::array()}}},
        {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}}},
        {"added_tokens", added}};
    std::ofstream(dir + "/tokenizer.json") << tokenizer.dump();
    std::ofstream(dir + "/tokenizer_config.json")
        << (llama ? R"({"eos_token": "<|im_end|>"})" : R"({"eos_token": "<|endoftext|>"})");
    bpe = std::make_unique<text::ByteLevelBpe>(
        text::ByteLevelBpe::from_tokenizer_json(dir + "/tokenizer.json"));
  }

  // The greedy reply to `prompt` (ChatML text), as generate() gives it.
  std::vector<int64_t> reply_ids(const std::string& prompt, int64_t max_new_tokens) const {
    GenerationOptions o;
    o.max_new_tokens = max_new_tokens;
    o.eos_token_ids = {258};
    torch::InferenceMode guard;
    return generate(*lm, {bpe->encode(prompt)}, o).at(0);
  }
  std::string reply(const std::string& prompt, int64_t max_new_tokens) const {
    return bpe->decode(reply_ids(prompt, max_new_tokens), /*skip_special_tokens=*/true);
  }

  std::string dir;
  std::shared_ptr<Model> model;
  CausalLM* lm = nullptr;
  std::unique_ptr<text::ByteLevelBpe> bpe;
};

std::string chatml(const std::vector<std::pair<std::string, std::string>>& messages) {
  std::string text;
  for (const auto& [role, content] : messages)
    text += "<|im_start|>" + role + "\n" + content + "<|im_end|>\n";
  return text + "<|im_start|>assistant\n";
}

std::vector<std::pair<std::string, std::string>> cli_env(const std::string& home) {
  return {{"MODELZOO_HOME", home},
          {"MODELZOO_PLUGIN_PATH", MODELZOO_LANGUAGE_PLUGIN_DIR},
          {"MODELZOO_TRUST", "off"},
          {"MODELZOO_OFFLINE", "1"},
          {"TORCH_HOME", home + "/torch"}};
}

// The CLI on a pseudo-terminal: what a user types goes to its master side,
// as does Ctrl-C (the line discipline turns ^C into SIGINT).
class Terminal {
 public:
  Terminal(const std::vector<std::string>& args,
           const std::vector<std::pair<std::string, std::string>>& env) {
    pid_ = forkpty(&master_, nullptr, nullptr, nullptr);
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      for (const auto& [name, value] : env) setenv(name.c_str(), value.c_str(), 1);
      std::vector<char*> argv;
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
  }
  ~Terminal() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (master_ >= 0) close(master_);
  }

  void type(const std::string& keys) {
    REQUIRE(write(master_, keys.data(), keys.size()) == static_cast<ssize_t>(keys.size()));
  }

  /// Waits until `text` appears after what earlier calls matched; returns
  /// what came before it (since the last match).
  std::string expect(const std::string& text, int seconds = 60) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    for (;;) {
      if (const auto at = output_.find(text, cursor_); at != std::string::npos) {
        std::string before = output_.substr(cursor_, at - cursor_);
        cursor_ = at + text.size();
        return before;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                            deadline - std::chrono::steady_clock::now())
                            .count();
      if (left <= 0 || !read_some(static_cast<int>(left))) {
        FAIL("expected '" << text << "' on the terminal; it shows:\n" << output_.substr(cursor_));
      }
    }
  }

  /// Waits until `bytes` more bytes have come after the last match.
  void expect_bytes(std::size_t bytes, int seconds = 60) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (output_.size() < cursor_ + bytes) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                            deadline - std::chrono::steady_clock::now())
                            .count();
      if (left <= 0 || !read_some(static_cast<int>(left)))
        FAIL("expected " << bytes << " bytes on the terminal; it shows:\n"
                         << output_.substr(cursor_));
    }
  }

  /// The exit code once the program ends (128+signal if a signal ended it).
  int exit_code(int seconds = 60) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    int status = 0;
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) FAIL("the program did not exit");
      read_some(50);
    }
    exited_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  const std::string& output() const { return output_; }

 private:
  bool read_some(int timeout_ms) {
    struct pollfd fd = {master_, POLLIN, 0};
    if (poll(&fd, 1, timeout_ms) <= 0) return false;
    char buffer[4096];
    const ssize_t n = read(master_, buffer, sizeof buffer);
    if (n <= 0) return false;  // EIO: the program closed the terminal
    output_.append(buffer, static_cast<std::size_t>(n));
    return true;
  }

  int master_ = -1;
  pid_t pid_ = -1;
  bool exited_ = false;
  std::string output_;
  std::size_t cursor_ = 0;
};

std::vector<std::string> chat_args(const std::string& dir, int max_new_tokens) {
  return {modelzoo::test::cli_path(),
          "chat",
          "gpt2",
          "--weights",
          dir,
          "--template",
          "chatml",
          "--threads",
          "1",
          "--max-new-tokens",
          std::to_string(max_new_tokens)};
}

}  // namespace

TEST_CASE("modelzoo chat --message --json: one answer to the conversation, as JSON",
          "[language][chat][cli]") {
  modelzoo::test::TempDir dir;
  const ChatFixture fixture(dir.path());
  auto args = chat_args(dir.path(), 8);
  for (const char* a : {"--message", "hi", "--system", "Be brief.", "--json"}) args.push_back(a);
  auto r = modelzoo::test::run_process(args, cli_env(dir.path() + "/home"));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const json out = json::parse(r.out);
  const std::string prompt = chatml({{"system", "Be brief."}, {"user", "hi"}});
  const std::vector<int64_t> ids = fixture.reply_ids(prompt, 8);
  const std::string reply = fixture.bpe->decode(ids, true);
  CHECK(out.at("task") == "text-generation");
  CHECK(out.at("model") == "language/gpt2");
  CHECK(out.at("reply") == reply);
  CHECK(out.at("token_ids") == ids);
  CHECK(out.at("prompt_tokens") == fixture.bpe->encode(prompt).size());
  CHECK(out.at("stopped") == "max_new_tokens");
  CHECK(out.at("sampling") == false);
  CHECK(out.at("messages") == json::array({{{"role", "system"}, {"content", "Be brief."}},
                                           {{"role", "user"}, {"content", "hi"}},
                                           {{"role", "assistant"}, {"content", reply}}}));

  // Text mode streams the same reply, then the rest of the result.
  args.pop_back();
  r = modelzoo::test::run_process(args, cli_env(dir.path() + "/home"));
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.rfind(reply + "\n", 0) == 0);
  CHECK_THAT(r.out, Catch::Contains("stopped: max_new_tokens"));

  // A model whose variant declares no chat template, without --template.
  args = {modelzoo::test::cli_path(), "chat", "gpt2", "--weights", dir.path(), "--message", "hi"};
  r = modelzoo::test::run_process(args, cli_env(dir.path() + "/home"));
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err,
             Catch::Contains("declares no chat template") && Catch::Contains("--template chatml"));
  // An unknown format is refused by the CLI, from the manifest's choices.
  args.insert(args.end(), {"--template", "llama2"});
  r = modelzoo::test::run_process(args, cli_env(dir.path() + "/home"));
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("llama2"));
}

TEST_CASE("modelzoo chat smollm2-135m-instruct: the variant's template and default system prompt",
          "[language][chat][cli]") {
  modelzoo::test::TempDir dir;
  const ChatFixture fixture(dir.path(), /*llama=*/true);
  const std::vector<std::string> args = {modelzoo::test::cli_path(),
                                         "chat",
                                         "smollm2-135m-instruct",
                                         "--weights",
                                         dir.path(),
                                         "--threads",
                                         "1",
                                         "--max-new-tokens",
                                         "6",
                                         "--message",
                                         "hi",
                                         "--json"};
  const auto r = modelzoo::test::run_process(args, cli_env(dir.path() + "/home"));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const json out = json::parse(r.out);
  const std::string prompt =
      chatml({{"system", "You are a helpful AI assistant named SmolLM, trained by Hugging Face"},
              {"user", "hi"}});
  const std::vector<int64_t> ids = fixture.reply_ids(prompt, 6);
  CHECK(out.at("model") == "language/smollm2-135m-instruct");
  CHECK(out.at("prompt_tokens") == fixture.bpe->encode(prompt).size());
  CHECK(out.at("token_ids") == ids);
  CHECK(out.at("reply") == fixture.bpe->decode(ids, true));
  // The default system prompt is the template's, not a message of the conversation.
  CHECK(out.at("messages").size() == 2);
}

TEST_CASE("modelzoo chat on a terminal: two turns with history, /reset, Ctrl-D",
          "[language][chat][cli][pty]") {
  modelzoo::test::TempDir dir;
  const ChatFixture fixture(dir.path());
  const std::string reply1 = fixture.reply(chatml({{"user", "hi"}}), 8);
  const std::string reply2 =
      fixture.reply(chatml({{"user", "hi"}, {"assistant", reply1}, {"user", "again"}}), 8);
  REQUIRE(reply1.size() == 8);  // eight printable one-byte tokens
  REQUIRE(reply2 != fixture.reply(chatml({{"user", "again"}}), 8));  // the history matters

  Terminal term(chat_args(dir.path(), 8), cli_env(dir.path() + "/home"));
  term.expect("/reset clears the conversation");
  term.expect("> ");
  term.type("hi\n");
  term.expect("hi\r\n");  // the terminal's echo
  CHECK(term.expect("\r\n> ") == reply1);
  term.type("again\n");
  term.expect("again\r\n");
  CHECK(term.expect("\r\n> ") == reply2);
  term.type("/reset\n");
  term.expect("(conversation cleared)\r\n> ");
  term.type("hi\n");
  term.expect("hi\r\n");
  CHECK(term.expect("\r\n> ") == reply1);  // a fresh conversation answers as the first did
  term.type("\x04");                       // Ctrl-D at an empty prompt
  CHECK(term.exit_code() == 0);
}

TEST_CASE("modelzoo chat on a terminal: Ctrl-C stops a reply, twice at the prompt exits",
          "[language][chat][cli][pty]") {
  modelzoo::test::TempDir dir;
  const ChatFixture fixture(dir.path());
  const std::string start = fixture.reply(chatml({{"user", "hi"}}), 8);
  const int kLong = 8000;  // a reply that outlasts the keystroke

  Terminal term(chat_args(dir.path(), kLong), cli_env(dir.path() + "/home"));
  term.expect("> ");
  term.type("hi\n");
  term.expect("hi\r\n");
  term.expect(start);  // the reply is streaming
  term.type("\x03");
  const std::string rest = term.expect(" [stopped]\r\n> ");
  CHECK(start.size() + rest.size() < static_cast<std::size_t>(kLong));
  // The conversation goes on: a Ctrl-C at the prompt asks for another.
  term.type("\x03");
  term.expect("(Ctrl-C again, Ctrl-D or /exit to leave)\r\n> ");
  term.type("\x03");
  CHECK(term.exit_code() == 0);
}

TEST_CASE("chat is a verb because the manifest declares it: --help and info list it",
          "[language][chat][cli]") {
  modelzoo::test::TempDir dir;
  const auto env = cli_env(dir.path() + "/home");
  auto r = modelzoo::test::run_process({modelzoo::test::cli_path(), "--help"}, env);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("chat") && Catch::Contains("modelzoo chat TARGET --help"));
  r = modelzoo::test::run_process({modelzoo::test::cli_path(), "info", "smollm2-135m-instruct"},
                                  env);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("modelzoo chat smollm2-135m-instruct"));
  r = modelzoo::test::run_process(
      {modelzoo::test::cli_path(), "chat", "smollm2-135m-instruct", "--help"}, env);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("--message") && Catch::Contains("--template"));
  // A word no manifest declares is no verb.
  r = modelzoo::test::run_process({modelzoo::test::cli_path(), "converse", "gpt2"}, env);
  CHECK(r.exit_code == 2);
}

TEST_CASE("modelzoo chat tinyllama-1.1b-chat: zephyr turns, SentencePiece with BOS, </s> stops",
          "[language][chat][cli]") {
  const std::string llama2_tokenizer = MODELZOO_LLAMA2_TOKENIZER;
  if (!std::filesystem::exists(llama2_tokenizer)) {
    WARN("skipped: the Llama-2 tokenizer.model is not at " << llama2_tokenizer
                                                           << " (../shared beside the checkout)");
    return;
  }
  // A 2-layer TinyLlama (GQA 4:2, untied lm_head) with random weights and
  // the real 32000-piece tokenizer, as a snapshot directory.
  modelzoo::test::TempDir dir;
  torch::manual_seed(11);
  const json config = {{"hidden_size", 64},        {"intermediate_size", 128},
                       {"num_hidden_layers", 2},   {"num_attention_heads", 4},
                       {"num_key_value_heads", 2}, {"max_position_embeddings", 2048},
                       {"vocab_size", 32000},      {"rms_norm_eps", 1e-5},
                       {"rope_theta", 10000.0},    {"tie_word_embeddings", false}};
  auto model = std::make_shared<language::LlamaModel>(
      "tinyllama-1.1b-chat",
      language::LlamaOptions::from_config(config, language::LlamaKind::kLlama),
      /*initialised=*/true);
  model->eval();
  Weights::save(model->state_dict(), dir.path() + "/model.safetensors");
  std::ofstream(dir.path() + "/config.json") << config.dump();
  std::filesystem::copy_file(llama2_tokenizer, dir.path() + "/tokenizer.model");
  std::ofstream(dir.path() + "/tokenizer_config.json")
      << R"({"bos_token": "<s>", "eos_token": "</s>", "add_bos_token": true})";

  const std::vector<std::string> args = {modelzoo::test::cli_path(),
                                         "chat",
                                         "tinyllama-1.1b-chat",
                                         "--weights",
                                         dir.path(),
                                         "--threads",
                                         "1",
                                         "--max-new-tokens",
                                         "8",
                                         "--system",
                                         "Be brief.",
                                         "--message",
                                         "Why is the sky blue?",
                                         "--json"};
  const auto r = modelzoo::test::run_process(args, cli_env(dir.path() + "/home"));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const json out = json::parse(r.out);

  // The expected reply: TinyLlama's template written out by hand, encoded
  // as its model card's pipeline does (BOS first), greedy until </s>.
  const auto sp = text::SentencePiece::from_model_file(llama2_tokenizer);
  const std::string prompt =
      "<|system|>\nBe brief.</s>\n<|user|>\nWhy is the sky blue?</s>\n<|assistant|>\n";
  const std::vector<int64_t> prompt_ids = sp.encode(prompt, /*add_special_tokens=*/true);
  REQUIRE(prompt_ids.front() == 1);
  GenerationOptions o;
  o.max_new_tokens = 8;
  o.eos_token_ids = {2};
  std::vector<int64_t> ids;
  {
    torch::InferenceMode guard;
    ids = generate(*model, {prompt_ids}, o).at(0);
  }
  CHECK(out.at("model") == "language/tinyllama-1.1b-chat");
  CHECK(out.at("prompt_tokens") == prompt_ids.size());
  CHECK(out.at("token_ids") == ids);
  CHECK(out.at("reply") == sp.decode(ids, /*skip_special_tokens=*/true));
  CHECK(out.at("messages").size() == 3);
}

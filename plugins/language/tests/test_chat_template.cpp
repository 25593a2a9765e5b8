// Chat templates as data (src/chat_template.h): each shipped model's
// format renders a conversation exactly as Hugging Face's
// apply_chat_template(…, tokenize=False, add_generation_prompt=True) does.
// Two oracles: the expected texts written out here by hand from the Jinja
// sources, and the Jinja sources themselves (chat_templates/
// hf_chat_templates.json) rendered by jinja2 as transformers sets it up
// (render_chat_templates.py), over more conversations.
#include <catch2/catch.hpp>

#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "chat_template.h"
#include "error_text.h"
#include "process.h"

using modelzoo::language::ChatMessage;
using modelzoo::language::ChatTemplate;
using modelzoo::test::error_of;
using nlohmann::json;

namespace {

const std::string kDir = MODELZOO_CHAT_TEMPLATE_DIR;

json published() {
  std::ifstream in(kDir + "/hf_chat_templates.json");
  REQUIRE(in);
  return json::parse(in).at("templates");
}

ChatTemplate shipped(const std::string& repo) {
  return ChatTemplate::from_meta(published().at(repo).at("meta"), repo);
}

const std::vector<ChatMessage> kFourTurns = {
    {"system", "Be brief."}, {"user", "Hi!"}, {"assistant", "Hello."}, {"user", "Sky?"}};
const std::vector<ChatMessage> kNoSystem = {{"user", "Hi!"}};

}  // namespace

TEST_CASE("chatml: SmolLM2-Instruct's template, with and without a system message",
          "[language][chat]") {
  for (const char* repo :
       {"HuggingFaceTB/SmolLM2-135M-Instruct", "HuggingFaceTB/SmolLM2-360M-Instruct"}) {
    INFO(repo);
    const ChatTemplate t = shipped(repo);
    CHECK(t.render(kFourTurns, true) ==
          "<|im_start|>system\nBe brief.<|im_end|>\n"
          "<|im_start|>user\nHi!<|im_end|>\n"
          "<|im_start|>assistant\nHello.<|im_end|>\n"
          "<|im_start|>user\nSky?<|im_end|>\n"
          "<|im_start|>assistant\n");
    CHECK(t.render(kNoSystem, true) ==
          "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging "
          "Face<|im_end|>\n"
          "<|im_start|>user\nHi!<|im_end|>\n"
          "<|im_start|>assistant\n");
    CHECK(t.stop_tokens() == std::vector<std::string>{"<|im_end|>"});
  }
}

TEST_CASE("chatml: Qwen2.5-Instruct's template (no tools), with and without a system message",
          "[language][chat]") {
  const ChatTemplate t = shipped("Qwen/Qwen2.5-0.5B-Instruct");
  CHECK(t.render(kFourTurns, true) ==
        "<|im_start|>system\nBe brief.<|im_end|>\n"
        "<|im_start|>user\nHi!<|im_end|>\n"
        "<|im_start|>assistant\nHello.<|im_end|>\n"
        "<|im_start|>user\nSky?<|im_end|>\n"
        "<|im_start|>assistant\n");
  CHECK(t.render(kNoSystem, true) ==
        "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful "
        "assistant.<|im_end|>\n"
        "<|im_start|>user\nHi!<|im_end|>\n"
        "<|im_start|>assistant\n");
  CHECK(t.stop_tokens() == std::vector<std::string>{"<|im_end|>", "<|endoftext|>"});
}

TEST_CASE("zephyr: TinyLlama-1.1B-Chat's template, with and without a system message",
          "[language][chat]") {
  const ChatTemplate t = shipped("TinyLlama/TinyLlama-1.1B-Chat-v1.0");
  // trim_blocks drops the newline after each {% %} tag, not after {{ }}:
  // every message ends with "\n".
  CHECK(t.render(kFourTurns, true) ==
        "<|system|>\nBe brief.</s>\n"
        "<|user|>\nHi!</s>\n"
        "<|assistant|>\nHello.</s>\n"
        "<|user|>\nSky?</s>\n"
        "<|assistant|>\n");
  CHECK(t.render(kNoSystem, true) == "<|user|>\nHi!</s>\n<|assistant|>\n");
  CHECK(t.render(kNoSystem, false) == "<|user|>\nHi!</s>\n");
  CHECK(t.stop_tokens() == std::vector<std::string>{"</s>"});
}

TEST_CASE("every shipped template renders as jinja2 renders its published Jinja source",
          "[language][chat]") {
  const json conversations = json::array({
      {{"messages",
        {{{"role", "system"}, {"content", "Be brief."}},
         {{"role", "user"}, {"content", "Hi!"}},
         {{"role", "assistant"}, {"content", "Hello."}},
         {{"role", "user"}, {"content", "Sky?"}}}},
       {"add_generation_prompt", true}},
      {{"messages", {{{"role", "user"}, {"content", "Hi!"}}}}, {"add_generation_prompt", true}},
      {{"messages",
        {{{"role", "user"}, {"content", "two\nlines "}},
         {{"role", "assistant"}, {"content", ""}},
         {{"role", "system"}, {"content", "late system"}},
         {{"role", "user"}, {"content", "  {{ not jinja }} \u00e9\U0001F600"}}}},
       {"add_generation_prompt", true}},
      {{"messages",
        {{{"role", "system"}, {"content", "S"}},
         {{"role", "user"}, {"content", "U"}},
         {{"role", "assistant"}, {"content", "A"}}}},
       {"add_generation_prompt", false}},
  });
  modelzoo::test::TempDir dir;
  const std::string conversations_path = dir.path() + "/conversations.json";
  std::ofstream(conversations_path) << conversations.dump();
  const auto r =
      modelzoo::test::run_process({"/usr/bin/python3", kDir + "/render_chat_templates.py",
                                   kDir + "/hf_chat_templates.json", conversations_path});
  if (r.exit_code == 3) {
    WARN("skipped: " << r.err << "(the hand-written cases above still ran)");
    return;
  }
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const json rendered = json::parse(r.out);
  const json templates = published();
  REQUIRE(rendered.size() == templates.size());
  for (const auto& [repo, texts] : rendered.items()) {
    const ChatTemplate t = shipped(repo);
    for (std::size_t i = 0; i < conversations.size(); ++i) {
      INFO(repo << ", conversation " << i);
      std::vector<ChatMessage> messages;
      for (const auto& m : conversations[i].at("messages"))
        messages.push_back({m.at("role"), m.at("content")});
      CHECK(t.render(messages, conversations[i].at("add_generation_prompt")) ==
            texts.at(i).get<std::string>());
    }
  }
}

TEST_CASE("the manifest's chat models declare the formats of their published templates",
          "[language][chat]") {
  std::ifstream in(MODELZOO_LANGUAGE_MANIFEST);
  REQUIRE(in);
  const json manifest = json::parse(in);
  const json templates = published();
  std::size_t chat_models = 0;
  for (const auto& entry : manifest.at("entrypoints"))
    for (const auto& variant : entry.value("variants", json::array())) {
      const json& meta = variant.at("meta");
      const std::string repo = meta.value("hf_repo", "");
      INFO(entry.at("name").get<std::string>() << " (" << repo << ")");
      if (!meta.contains("chat_template")) {
        CHECK_FALSE(templates.contains(repo));  // a published template not declared
        continue;
      }
      REQUIRE(templates.contains(repo));  // a declared template with no source here
      CHECK(meta.at("chat_template") == templates.at(repo).at("meta"));
      ChatTemplate::from_meta(meta.at("chat_template"), repo);  // and it parses
      ++chat_models;
    }
  CHECK(chat_models == templates.size());
}

TEST_CASE("chat templates refuse what they do not render, by name", "[language][chat]") {
  const ChatTemplate chatml = shipped("Qwen/Qwen2.5-0.5B-Instruct");
  CHECK_THAT(error_of([&] {
               chatml.render({{"user", "x"}, {"tool", "42"}}, true);
             }),
             Catch::Contains("message 2 has role 'tool'") && Catch::Contains("chatml"));
  CHECK_THAT(error_of([&] { chatml.render({}, true); }), Catch::Contains("at least one message"));
  CHECK_THAT(error_of([&] {
               ChatTemplate::from_meta({{"format", "llama2"}}, "m");
             }),
             Catch::Contains("chat format 'llama2'") && Catch::Contains("chatml, zephyr"));
  CHECK_THAT(error_of([&] {
               ChatTemplate::from_meta({{"format", "zephyr"}}, "m");
             }),
             Catch::Contains("needs \"end_of_turn\""));
  CHECK_THAT(error_of([&] {
               ChatTemplate::from_meta({{"format", "chatml"}, {"tools", true}}, "m");
             }),
             Catch::Contains("unknown key 'tools'"));
  CHECK_THAT(error_of([&] {
               ChatTemplate::from_meta({{"default_system", "x"}}, "m");
             }),
             Catch::Contains("names no \"format\""));
  CHECK_THAT(error_of([&] { ChatTemplate::named("jinja", "</s>"); }),
             Catch::Contains("--template: chat format 'jinja'"));
  // A format by name: no default system prompt; zephyr ends turns with the EOS given.
  CHECK(ChatTemplate::named("chatml", "").render({{"user", "u"}}, true) ==
        "<|im_start|>user\nu<|im_end|>\n<|im_start|>assistant\n");
  CHECK(ChatTemplate::named("zephyr", "<eos>").render({{"user", "u"}}, false) ==
        "<|user|>\nu<eos>\n");
}

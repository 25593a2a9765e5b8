#include "chat_template.h"

#include <modelzoo/sdk/error.h>

namespace modelzoo::language {
namespace {

const char* to_string(ChatTemplate::Format format) {
  return format == ChatTemplate::Format::kChatMl ? "chatml" : "zephyr";
}

ChatTemplate::Format parse_format(const std::string& name, const std::string& where) {
  if (name == "chatml") return ChatTemplate::Format::kChatMl;
  if (name == "zephyr") return ChatTemplate::Format::kZephyr;
  throw Error(where + ": chat format '" + name + "' is not one modelzoo renders (chatml, zephyr)");
}

std::string string_at(const nlohmann::json& object, const char* key, const std::string& where) {
  const auto it = object.find(key);
  if (it == object.end()) return "";
  if (!it->is_string()) throw Error(where + "." + key + " must be a string");
  return it->get<std::string>();
}

// The roles both formats render; Qwen2.5's template has "tool" as well,
// but only with tool calls, which modelzoo does not render.
bool known_role(const std::string& role) {
  return role == "system" || role == "user" || role == "assistant";
}

}  // namespace

const std::vector<std::string>& chat_template_formats() {
  static const std::vector<std::string> kFormats = {"chatml", "zephyr"};
  return kFormats;
}

ChatTemplate ChatTemplate::from_meta(const nlohmann::json& chat_template,
                                     const std::string& model) {
  const std::string where = model + "'s chat_template";
  if (!chat_template.is_object())
    throw Error(where + " must be an object {\"format\": \"chatml\" | \"zephyr\", …}");
  for (auto it = chat_template.begin(); it != chat_template.end(); ++it)
    if (it.key() != "format" && it.key() != "default_system" && it.key() != "end_of_turn" &&
        it.key() != "stop")
      throw Error(where + ": unknown key '" + it.key() +
                  "' (known: format, default_system, end_of_turn, stop)");
  const std::string format = string_at(chat_template, "format", where);
  if (format.empty()) throw Error(where + " names no \"format\" (chatml or zephyr)");
  ChatTemplate t;
  t.format_ = parse_format(format, where);
  t.default_system_ = string_at(chat_template, "default_system", where);
  t.end_of_turn_ = string_at(chat_template, "end_of_turn", where);
  if (t.format_ == Format::kZephyr && t.end_of_turn_.empty())
    throw Error(where + ": the zephyr format needs \"end_of_turn\" (its eos_token, e.g. \"</s>\")");
  if (t.format_ == Format::kZephyr && !t.default_system_.empty())
    throw Error(where + ": the zephyr format has no default system prompt");
  if (t.format_ == Format::kChatMl && !t.end_of_turn_.empty())
    throw Error(where + ": the chatml format ends turns with <|im_end|>; drop \"end_of_turn\"");
  if (auto it = chat_template.find("stop"); it != chat_template.end()) {
    if (!it->is_array() || it->empty())
      throw Error(where + ".stop must be a non-empty array of token texts");
    for (const auto& s : *it) {
      if (!s.is_string() || s.get<std::string>().empty())
        throw Error(where + ".stop must be a non-empty array of token texts");
      t.stop_.push_back(s.get<std::string>());
    }
  } else {
    t.stop_ = {t.format_ == Format::kChatMl ? std::string("<|im_end|>") : t.end_of_turn_};
  }
  return t;
}

ChatTemplate ChatTemplate::named(const std::string& format, const std::string& eos_token) {
  parse_format(format, "--template");
  nlohmann::json meta = {{"format", format}};
  if (format == "zephyr") meta["end_of_turn"] = eos_token;
  return from_meta(meta, "--template");
}

std::string ChatTemplate::render(const std::vector<ChatMessage>& messages,
                                 bool add_generation_prompt) const {
  if (messages.empty()) throw Error("a conversation to render needs at least one message");
  for (std::size_t i = 0; i < messages.size(); ++i)
    if (!known_role(messages[i].role))
      throw Error("message " + std::to_string(i + 1) + " has role '" + messages[i].role +
                  "', which the " + to_string(format_) +
                  " template does not render (system, user, assistant)");
  std::string text;
  if (format_ == Format::kChatMl) {
    // SmolLM2: {% if loop.first and messages[0]['role'] != 'system' %}{{ default }}{% endif %};
    // Qwen2.5 renders its default (or messages[0]) before the loop, the same text.
    if (!default_system_.empty() && messages.front().role != "system")
      text += "<|im_start|>system\n" + default_system_ + "<|im_end|>\n";
    for (const auto& m : messages)
      text += "<|im_start|>" + m.role + "\n" + m.content + "<|im_end|>\n";
    if (add_generation_prompt) text += "<|im_start|>assistant\n";
    return text;
  }
  // Zephyr: trim_blocks removes the newline after each {% … %} tag but not
  // the one after {{ … }}, so every message ends with "\n".
  for (const auto& m : messages) text += "<|" + m.role + "|>\n" + m.content + end_of_turn_ + "\n";
  if (add_generation_prompt) text += "<|assistant|>\n";
  return text;
}

}  // namespace modelzoo::language

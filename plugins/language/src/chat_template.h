// Chat templates as data: the conversation formats of the family's chat
// models, rendered exactly as Hugging Face's
// `tokenizer.apply_chat_template(messages, tokenize=False,
// add_generation_prompt=…)` renders their Jinja templates (trim_blocks and
// lstrip_blocks on), without a Jinja engine. A variant says which format
// it speaks in its meta:
//
//   "chat_template": {"format": "chatml",
//                     "default_system": "You are a helpful AI assistant named SmolLM, …",
//                     "stop": ["<|im_end|>"]}
//   "chat_template": {"format": "zephyr", "end_of_turn": "</s>", "stop": ["</s>"]}
//
// - chatml (SmolLM2-Instruct, Qwen2.5-Instruct without tools): a
//   "<|im_start|>ROLE\nCONTENT<|im_end|>\n" block per message, after
//   `default_system` as a system block when the conversation does not
//   begin with a system message; the generation prompt is
//   "<|im_start|>assistant\n".
// - zephyr (TinyLlama-1.1B-Chat): "<|ROLE|>\nCONTENT" + end_of_turn + "\n"
//   per message; the generation prompt "<|assistant|>\n".
//
// The Jinja sources these follow are the test fixtures in
// tests/chat_templates/ (the tokenizer_config.json "chat_template" strings
// of the shipped models). Roles other than system, user and assistant
// (tools, function calls) are refused by name, as are unknown formats:
// a conversation is never rendered approximately.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace modelzoo::language {

struct ChatMessage {
  std::string role;  ///< "system", "user" or "assistant"
  std::string content;
};

class ChatTemplate {
 public:
  enum class Format { kChatMl, kZephyr };

  /// The variant meta's "chat_template" object; `model` names the model in
  /// errors. Throws modelzoo::Error for an unknown format or key, or a
  /// missing one.
  static ChatTemplate from_meta(const nlohmann::json& chat_template, const std::string& model);
  /// A format by name ("chatml", "zephyr") for a model whose variant
  /// declares none: no default system prompt; zephyr ends turns with
  /// `eos_token` (the tokenizer's EOS text). Throws for another name.
  static ChatTemplate named(const std::string& format, const std::string& eos_token);

  /// The prompt text of `messages` (at least one). With
  /// `add_generation_prompt`, it ends where the assistant's reply begins.
  /// Throws modelzoo::Error naming a message whose role the format lacks.
  std::string render(const std::vector<ChatMessage>& messages, bool add_generation_prompt) const;

  Format format() const { return format_; }
  /// Token texts that end the assistant's reply ("<|im_end|>", "</s>").
  const std::vector<std::string>& stop_tokens() const { return stop_; }
  /// The system prompt rendered when the conversation has none ("" if none).
  const std::string& default_system() const { return default_system_; }

 private:
  Format format_ = Format::kChatMl;
  std::string default_system_;
  std::string end_of_turn_;
  std::vector<std::string> stop_;
};

/// The formats ChatTemplate renders, by name, for messages and --help.
const std::vector<std::string>& chat_template_formats();

}  // namespace modelzoo::language

// `modelzoo chat NAME`: a conversation with a chat model. The variant's
// chat template (meta "chat_template", chat_template.h) renders the whole
// history each turn; the reply is generated with the SDK's generate()
// until one of the template's stop tokens, streamed as it comes, and
// becomes the assistant's message of the history.
//
// Interactive when the host gives lines of input (the CLI on a terminal or
// a pipe): `/reset` clears the history, `/exit` (or end of input) ends;
// Ctrl-C stops a reply, keeping what it said; at the prompt a Ctrl-C
// discards the line and a second one in a row exits. With --message it
// answers once and returns the conversation.
#include <c10/core/InferenceMode.h>
#include <modelzoo/generation.h>
#include <modelzoo/language_model.h>
#include <modelzoo/sdk/error.h>

#include <algorithm>
#include <string>
#include <vector>

#include "chat_template.h"
#include "generation_settings.h"
#include "language_commands.h"
#include "tokenizer_files.h"

namespace modelzoo::language {
namespace {

std::string model_name(const CommandContext& ctx, const LoadedModel& loaded) {
  return loaded.info.value("name", ctx.target());
}

// The variant's template, or --template's format for a model that declares none.
ChatTemplate chat_template_of(const CommandContext& ctx, const LoadedModel& loaded,
                              const text::Tokenizer& tokenizer) {
  const std::string name = model_name(ctx, loaded);
  const std::string format = ctx.options().value("template", std::string());
  if (!format.empty()) {
    std::string eos;
    if (format == "zephyr") {
      const auto id = tokenizer.eos_id();
      if (!id)
        throw Error("--template zephyr ends turns with the tokenizer's EOS, and " + name +
                    "'s tokenizer names none");
      eos = tokenizer.id_to_token(*id).value_or("");
    }
    return ChatTemplate::named(format, eos);
  }
  const auto it = loaded.meta().find("chat_template");
  if (it == loaded.meta().end())
    throw Error(name +
                " declares no chat template (a base model is not tuned to converse): chat "
                "with an instruct variant, give --template chatml or --template zephyr, or "
                "continue text with `modelzoo run " +
                ctx.target() + " --prompt …`");
  return ChatTemplate::from_meta(*it, name);
}

// The template's stop tokens as ids: a reply ends at any of them.
std::vector<int64_t> stop_ids(const ChatTemplate& t, const text::Tokenizer& tokenizer,
                              const std::string& name) {
  std::vector<int64_t> ids;
  for (const auto& token : t.stop_tokens()) {
    const auto id = tokenizer.token_to_id(token);
    if (!id)
      throw Error(name + "'s chat template ends replies with '" + token +
                  "', which its tokenizer has no token for: the tokenizer files do not belong "
                  "to this model");
    ids.push_back(*id);
  }
  return ids;
}

struct Reply {
  std::string text;
  std::vector<int64_t> token_ids;
  std::size_t prompt_tokens = 0;
  std::string stopped;  // "stop_token", "max_new_tokens", "interrupted"
};

class Conversation {
 public:
  Conversation(const CommandContext& ctx, CausalLM& lm,
               std::shared_ptr<const text::Tokenizer> tokenizer, ChatTemplate chat_template,
               GenerationOptions options, std::string name)
      : ctx_(ctx),
        lm_(lm),
        tokenizer_(std::move(tokenizer)),
        template_(std::move(chat_template)),
        options_(std::move(options)),
        name_(std::move(name)) {
    // The template's stop tokens besides the model's own EOS ids (its
    // tokenizer's and generation_config.json's), as HF's generate stops at
    // any of generation_config's.
    for (const int64_t id : stop_ids(template_, *tokenizer_, name_))
      if (std::find(options_.eos_token_ids.begin(), options_.eos_token_ids.end(), id) ==
          options_.eos_token_ids.end())
        options_.eos_token_ids.push_back(id);
  }

  std::vector<ChatMessage>& history() { return history_; }

  /// The assistant's answer to the history, appended to it; streamed as
  /// {"stream": piece, "into": "reply"} records when `stream`.
  Reply answer(bool stream) {
    Reply reply;
    // With what the tokenizer adds around a text (TinyLlama's BOS), as the
    // models' own chat examples tokenize the rendered prompt.
    const std::vector<int64_t> prompt =
        tokenizer_->encode(template_.render(history_, true), /*add_special_tokens=*/true);
    reply.prompt_tokens = prompt.size();
    GenerationOptions options = options_;
    // A long conversation gets the room the context has left.
    const int64_t room = lm_.max_positions() - static_cast<int64_t>(prompt.size());
    if (room <= 0)
      throw Error("the conversation (" + std::to_string(prompt.size()) + " tokens) fills " + name_ +
                  "'s context of " + std::to_string(lm_.max_positions()) +
                  " tokens: /reset to start over");
    options.max_new_tokens = std::min(options.max_new_tokens, room);
    text::StreamDecoder decoder(tokenizer_, /*skip_special_tokens=*/true);
    bool interrupted = false;
    {
      c10::InferenceMode guard;
      reply.token_ids = generate(lm_, {prompt}, options, [&](std::size_t, int64_t token) {
        const std::string piece = decoder.push(token);
        reply.text += piece;
        if (stream && !piece.empty()) ctx_.emit({{"stream", piece}, {"into", "reply"}});
        interrupted = ctx_.interrupted();
        return !interrupted;
      })[0];
    }
    const std::string rest = decoder.finish();
    reply.text += rest;
    if (stream && !rest.empty()) ctx_.emit({{"stream", rest}, {"into", "reply"}});
    const auto& stops = options.eos_token_ids;
    if (!reply.token_ids.empty() &&
        std::find(stops.begin(), stops.end(), reply.token_ids.back()) != stops.end())
      reply.stopped = "stop_token";
    else if (interrupted)
      reply.stopped = "interrupted";
    else
      reply.stopped = "max_new_tokens";
    history_.push_back({"assistant", reply.text});
    return reply;
  }

 private:
  const CommandContext& ctx_;
  CausalLM& lm_;
  std::shared_ptr<const text::Tokenizer> tokenizer_;
  ChatTemplate template_;
  GenerationOptions options_;
  std::string name_;
  std::vector<ChatMessage> history_;
};

nlohmann::json to_json(const std::vector<ChatMessage>& messages) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& m : messages) out.push_back({{"role", m.role}, {"content", m.content}});
  return out;
}

// The interactive loop; returns the number of replies given.
int converse(const CommandContext& ctx, Conversation& chat, const std::string& system) {
  auto reset = [&] {
    chat.history().clear();
    if (!system.empty()) chat.history().push_back({"system", system});
  };
  reset();
  ctx.emit({{"message", "Chatting with " + ctx.target() +
                            ": /reset clears the conversation, /exit or Ctrl-D ends it, Ctrl-C "
                            "stops a reply."}});
  int replies = 0;
  bool interrupted_at_prompt = false;
  for (;;) {
    const InputLine line = ctx.read_line("> ");
    if (line.status == InputLine::Status::kEnd) break;
    if (line.status == InputLine::Status::kInterrupted) {
      if (interrupted_at_prompt) break;
      interrupted_at_prompt = true;
      ctx.emit({{"message", "(Ctrl-C again, Ctrl-D or /exit to leave)"}});
      continue;
    }
    interrupted_at_prompt = false;
    const std::string& text = line.text;
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (text == "/exit" || text == "/quit") break;
    if (text == "/reset") {
      reset();
      ctx.emit({{"message", "(conversation cleared)"}});
      continue;
    }
    if (text[0] == '/') {
      ctx.emit({{"message",
                 "unknown command " + text + " (/reset clears the conversation, /exit ends it)"}});
      continue;
    }
    chat.history().push_back({"user", text});
    try {
      const Reply reply = chat.answer(/*stream=*/true);
      ++replies;
      ctx.emit(
          {{"stream", reply.stopped == "interrupted" ? " [stopped]\n" : "\n"}, {"into", "reply"}});
    } catch (const Error& e) {
      chat.history().pop_back();  // the turn did not happen
      ctx.emit({{"message", std::string("error: ") + e.what()}});
    }
  }
  return replies;
}

}  // namespace

nlohmann::json chat_command(CommandContext& ctx) {
  const auto& o = ctx.options();
  const std::string message = o.value("message", std::string());
  const std::string system = o.value("system", std::string());
  if (message.empty() && !ctx.has_input())
    throw Error("`chat " + ctx.target() +
                "` converses with lines of input, and this host gives none: pass --message "
                "TEXT for a one-shot answer");
  if (o.contains("message") && message.empty())
    throw Error("--message is empty: give the text to answer");
  LoadedModel loaded = ctx.load();
  auto* lm = dynamic_cast<CausalLM*>(loaded.model.get());
  if (!lm) throw Error(ctx.target() + " is not a causal language model");
  std::shared_ptr<const text::Tokenizer> tokenizer = load_causal_lm_tokenizer(loaded);
  const std::string name = model_name(ctx, loaded);
  ChatTemplate chat_template = chat_template_of(ctx, loaded, *tokenizer);
  GenerationOptions options = generation_settings(o, loaded, *tokenizer);
  Conversation chat(ctx, *lm, std::move(tokenizer), std::move(chat_template), options, name);

  nlohmann::json result = {{"task", "text-generation"},
                           {"model", name},
                           {"notes", loaded.notes()},
                           {"sampling", options.do_sample}};
  if (message.empty()) {
    result["replies"] = converse(ctx, chat, system);
    return result;
  }
  if (!system.empty()) chat.history().push_back({"system", system});
  chat.history().push_back({"user", message});
  const Reply reply = chat.answer(/*stream=*/true);
  result["messages"] = to_json(chat.history());
  result["reply"] = reply.text;
  result["token_ids"] = reply.token_ids;
  result["prompt_tokens"] = reply.prompt_tokens;
  result["stopped"] = reply.stopped;
  return result;
}

}  // namespace modelzoo::language

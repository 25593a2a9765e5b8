// `modelzoo run gpt2 --prompt "…" [--max-new-tokens N --temperature T
// --top-k K --top-p P --seed S --stop STR]`: text generation, streamed.
#include <c10/core/InferenceMode.h>
#include <modelzoo/generation.h>
#include <modelzoo/language_model.h>
#include <modelzoo/sdk/error.h>

#include <algorithm>
#include <string>
#include <vector>

#include "generation_settings.h"
#include "language_commands.h"
#include "tokenizer_files.h"

namespace modelzoo::language {
namespace {

// The first position where any stop string occurs in `text`, or npos.
std::size_t first_stop(const std::string& text, const std::vector<std::string>& stops) {
  std::size_t first = std::string::npos;
  for (const auto& s : stops)
    if (!s.empty()) first = std::min(first, text.find(s));
  return first;
}

// How many trailing bytes of `text` could begin a stop string: held back
// from the stream until it is known whether they do.
std::size_t stop_prefix_length(const std::string& text, const std::vector<std::string>& stops) {
  std::size_t held = 0;
  for (const auto& s : stops) {
    if (s.empty()) continue;
    for (std::size_t n = std::min(s.size() - 1, text.size()); n > held; --n)
      if (text.compare(text.size() - n, n, s, 0, n) == 0) {
        held = n;
        break;
      }
  }
  return held;
}

// One row's text as it is generated: decoded incrementally, cut at a stop
// string, and (for a streamed row) emitted as it becomes final.
class RowText {
 public:
  RowText(std::shared_ptr<const text::Tokenizer> tokenizer, std::vector<std::string> stops,
          const CommandContext* ctx)
      : decoder_(std::move(tokenizer), /*skip_special_tokens=*/true),
        stops_(std::move(stops)),
        ctx_(ctx) {}

  /// Adds a token; false once a stop string has appeared.
  bool push(int64_t id) {
    if (stopped_) return false;
    text_ += decoder_.push(id);
    return settle(false);
  }
  void finish() {
    if (!stopped_) text_ += decoder_.finish();
    settle(true);
  }
  const std::string& text() const { return text_; }
  bool stopped() const { return stopped_; }

 private:
  bool settle(bool last) {
    if (const std::size_t at = first_stop(text_, stops_); at != std::string::npos) {
      text_.resize(at);
      stopped_ = true;
    }
    const std::size_t ready =
        stopped_ || last ? text_.size() : text_.size() - stop_prefix_length(text_, stops_);
    if (ctx_ && ready > streamed_) {
      ctx_->emit({{"stream", text_.substr(streamed_, ready - streamed_)}, {"into", "text"}});
      streamed_ = ready;
    }
    return !stopped_;
  }

  text::StreamDecoder decoder_;
  std::vector<std::string> stops_;
  const CommandContext* ctx_;
  std::string text_;
  std::size_t streamed_ = 0;
  bool stopped_ = false;
};

}  // namespace

nlohmann::json generate_text_command(CommandContext& ctx) {
  const auto& o = ctx.options();
  const auto prompts = o.value("prompt", std::vector<std::string>{});
  if (prompts.empty()) throw Error("give the text to continue with --prompt TEXT");
  const auto stops = o.value("stop", std::vector<std::string>{});
  LoadedModel loaded = ctx.load();
  auto* lm = dynamic_cast<CausalLM*>(loaded.model.get());
  if (!lm) throw Error(ctx.target() + " is not a causal language model");
  const std::shared_ptr<const text::Tokenizer> tokenizer = load_causal_lm_tokenizer(loaded);
  const GenerationOptions options = generation_settings(o, loaded, *tokenizer);

  std::vector<std::vector<int64_t>> prompt_ids;
  for (const auto& p : prompts) {
    // As Hugging Face's pipeline: with what the tokenizer adds (Llama's BOS).
    prompt_ids.push_back(tokenizer->encode(p, /*add_special_tokens=*/true));
    if (prompt_ids.back().empty()) throw Error("--prompt is empty: give some text to continue");
  }
  const bool stream = prompts.size() == 1;
  std::vector<RowText> rows;
  rows.reserve(prompts.size());
  for (std::size_t i = 0; i < prompts.size(); ++i)
    rows.emplace_back(tokenizer, stops, stream ? &ctx : nullptr);
  std::vector<std::vector<int64_t>> generated;
  {
    c10::InferenceMode guard;
    // A row that meets a stop string stops the run only when it is the
    // last one still going (generate() stops all rows at once).
    std::size_t running = rows.size();
    generated = generate(*lm, prompt_ids, options, [&](std::size_t row, int64_t token) {
      const bool was_running = !rows[row].stopped();
      if (!rows[row].push(token) && was_running) --running;
      return running > 0 && !ctx.interrupted();  // Ctrl-C keeps what is generated
    });
  }
  nlohmann::json result = {{"task", "text-generation"},
                           {"model", loaded.info.value("name", ctx.target())},
                           {"notes", loaded.notes()},
                           {"sampling", options.do_sample}};
  nlohmann::json generations = nlohmann::json::array();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    rows[i].finish();
    generations.push_back({{"prompt", prompts[i]},
                           {"text", rows[i].text()},
                           {"prompt_token_ids", prompt_ids[i]},
                           {"token_ids", generated[i]}});
  }
  if (rows.size() == 1) {
    for (const auto& item : generations[0].items()) result[item.key()] = item.value();
  } else {
    result["generations"] = generations;
  }
  return result;
}

}  // namespace modelzoo::language

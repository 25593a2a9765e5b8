// `modelzoo run bert-base-uncased --text "Paris is the [MASK] of France."`:
// the most likely tokens for each [MASK], as Hugging Face's fill-mask
// pipeline gives them (softmax over the vocabulary at the mask, top k).
#include <c10/core/InferenceMode.h>
#include <modelzoo/sdk/error.h>

#include <string>
#include <vector>

#include "bert.h"
#include "language_commands.h"
#include "tokenizer_files.h"

namespace modelzoo::language {
namespace {

torch::Tensor row_tensor(const std::vector<int64_t>& values) {
  return torch::tensor(values, torch::kLong).unsqueeze(0);
}

}  // namespace

nlohmann::json fill_mask_command(CommandContext& ctx) {
  const auto& o = ctx.options();
  const auto texts = o.value("text", std::vector<std::string>{});
  if (texts.empty()) throw Error("give a sentence with [MASK] in it with --text");
  const int64_t k = o.value("top_k", int64_t{5});
  if (k < 1) throw Error("--top-k must be at least 1 (got " + std::to_string(k) + ")");
  LoadedModel loaded = ctx.load();
  auto* bert = dynamic_cast<BertModel*>(loaded.model.get());
  if (!bert || !bert->has_mlm_head())
    throw Error(ctx.target() + " has no masked-language-model head (fill-mask needs one)");
  const text::WordPiece tokenizer = load_wordpiece(loaded);
  text::EncodeOptions encode;
  encode.max_length = static_cast<size_t>(bert->max_positions());
  encode.truncation = true;

  nlohmann::json fills = nlohmann::json::array();
  c10::InferenceMode guard;
  for (const auto& sentence : texts) {
    const text::Encoding e = tokenizer.encode(sentence, encode);
    std::vector<int64_t> masks;
    for (std::size_t i = 0; i < e.ids.size(); ++i)
      if (e.ids[i] == tokenizer.mask_id()) masks.push_back(static_cast<int64_t>(i));
    if (masks.empty())
      throw Error("no " + tokenizer.id_to_token(tokenizer.mask_id()).value_or("[MASK]") +
                  " token in --text '" + sentence + "': mark the word to fill with it");
    const auto logits = bert->mlm_logits(row_tensor(e.ids), row_tensor(e.attention_mask),
                                         row_tensor(e.token_type_ids))[0];
    for (std::size_t m = 0; m < masks.size(); ++m) {
      const auto probabilities = torch::softmax(logits[masks[m]], -1);
      const auto top = probabilities.topk(std::min<int64_t>(k, probabilities.size(0)));
      const auto scores = std::get<0>(top), ids = std::get<1>(top);
      for (int64_t r = 0; r < ids.size(0); ++r) {
        const int64_t id = ids[r].item<int64_t>();
        // The sentence with this mask filled (other masks left as they are).
        std::vector<int64_t> filled = e.ids;
        filled[static_cast<std::size_t>(masks[m])] = id;
        fills.push_back({{"text", sentence},
                         {"mask", static_cast<int64_t>(m) + 1},
                         {"rank", r + 1},
                         {"token", tokenizer.decode({id})},
                         {"token_id", id},
                         {"score", scores[r].item<double>()},
                         {"sequence", tokenizer.decode(filled, /*skip_special_tokens=*/true)}});
      }
    }
  }
  return {{"task", "fill-mask"},
          {"model", loaded.info.value("name", ctx.target())},
          {"notes", loaded.notes()},
          {"fills", fills}};
}

}  // namespace modelzoo::language

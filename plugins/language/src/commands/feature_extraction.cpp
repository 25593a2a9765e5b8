// `modelzoo run all-MiniLM-L6-v2 --text A --text B …`: sentence embeddings
// (sentence-transformers' mean pooling and normalisation) and the cosine
// similarity of every pair.
#include <c10/core/InferenceMode.h>
#include <modelzoo/sdk/error.h>

#include <algorithm>
#include <string>
#include <vector>

#include "bert.h"
#include "language_commands.h"
#include "tokenizer_files.h"

namespace modelzoo::language {
namespace {

torch::Tensor batch_tensor(const std::vector<text::Encoding>& rows,
                           std::vector<int64_t> text::Encoding::*field) {
  std::vector<int64_t> flat;
  for (const auto& row : rows) flat.insert(flat.end(), (row.*field).begin(), (row.*field).end());
  return torch::tensor(flat, torch::kLong)
      .view({static_cast<int64_t>(rows.size()), static_cast<int64_t>(rows.front().size())});
}

}  // namespace

nlohmann::json embed_text_command(CommandContext& ctx) {
  const auto texts = ctx.options().value("text", std::vector<std::string>{});
  if (texts.empty()) throw Error("give the texts to embed with --text (repeatable)");
  LoadedModel loaded = ctx.load();
  auto* bert = dynamic_cast<BertModel*>(loaded.model.get());
  if (!bert) throw Error(ctx.target() + " is not a text encoder of the language family");
  const text::WordPiece tokenizer = load_wordpiece(loaded);
  // sentence-transformers truncates at its max_seq_length (256 for
  // all-MiniLM-L6-v2), below the model's 512 positions.
  text::EncodeOptions encode;
  encode.max_length =
      static_cast<size_t>(loaded.meta().value("max_seq_length", bert->max_positions()));
  encode.truncation = true;
  const auto rows = tokenizer.encode_batch(texts, encode);

  torch::Tensor embeddings;
  {
    c10::InferenceMode guard;
    embeddings = bert->embed(batch_tensor(rows, &text::Encoding::ids),
                             batch_tensor(rows, &text::Encoding::attention_mask));
  }
  const auto similarity = torch::matmul(embeddings, embeddings.t());  // unit vectors: cosines
  nlohmann::json vectors = nlohmann::json::array(), table = nlohmann::json::array();
  for (int64_t i = 0; i < embeddings.size(0); ++i) {
    const auto row = embeddings[i].contiguous();
    const auto& mask = rows[static_cast<std::size_t>(i)].attention_mask;
    const std::vector<float> values(row.data_ptr<float>(), row.data_ptr<float>() + row.numel());
    vectors.push_back({{"index", i + 1},
                       {"text", texts[static_cast<std::size_t>(i)]},
                       {"size", row.numel()},
                       {"tokens", std::count(mask.begin(), mask.end(), int64_t{1})},
                       {"embedding", values}});
    nlohmann::json line = {{"index", i + 1}, {"text", texts[static_cast<std::size_t>(i)]}};
    for (int64_t j = 0; j < embeddings.size(0); ++j)
      line[std::to_string(j + 1)] = similarity[i][j].item<double>();
    table.push_back(std::move(line));
  }
  return {{"task", "feature-extraction"},
          {"model", loaded.info.value("name", ctx.target())},
          {"notes", loaded.notes()},
          {"embeddings", vectors},
          {"similarity", table}};
}

}  // namespace modelzoo::language
